import { EXCEPTION_TYPES, OWNERS } from './model.js';
import type {
  ExceptionType,
  Facts,
  Match,
  MatchedBy,
  OurCdr,
  Owner,
  ParseError,
  PartnerRecord,
  ReconException,
  ReconOptions,
  ReconOutcome,
  ReconSummary,
} from './model.js';
import { microOf, microPerMinor, textOfMicro } from './decimal.js';
import { decideOwner } from './rules.js';
import { instantMs } from './time.js';

export const DEFAULT_WINDOW_S = 3 * 3600;

interface Entry {
  readonly startMs: number;
  readonly endMs: number;
  readonly kwh: number;
  readonly excl: number;
  /** NaN when the partner gave no amount incl. VAT. */
  readonly incl: number;
  readonly cdrId: string | undefined;
  readonly sessionId: string | undefined;
  readonly authorizationReference: string | undefined;
  readonly evseUid: string | undefined;
  readonly tokenUid: string | undefined;
  matched: boolean;
  /** The entry of the other side this one paired with. */
  mate: Entry | undefined;
}
interface OurEntry extends Entry {
  readonly cdr: OurCdr;
}
interface TheirEntry extends Entry {
  readonly record: PartnerRecord;
}

/** Whether the entry can be matched by EVSE, token and start: it names both. */
const hasEvseToken = (entry: Entry): boolean => entry.evseUid !== undefined && entry.tokenUid !== undefined;

/** The records of one side inside the window, in start order, indexed by each id. */
class Side<E extends Entry> {
  /** Entries in start order from `head`; a shifted slot is cleared so the entry can be collected young. */
  private queue: (E | undefined)[] = [];
  private head = 0;
  private readonly byCdr = new Map<string, E>();
  private readonly bySession = new Map<string, E>();
  private readonly byAuth = new Map<string, E>();
  /** By EVSE uid (the token is compared on lookup): no key string made per record. */
  private readonly byEvse = new Map<string, E[]>();

  cdr(id: string): E | undefined {
    return this.byCdr.get(id);
  }

  session(id: string): E | undefined {
    return this.bySession.get(id);
  }

  auth(reference: string): E | undefined {
    return this.byAuth.get(reference);
  }

  /** The entries at the EVSE; callers compare the token. */
  atEvse(evseUid: string): readonly E[] {
    return this.byEvse.get(evseUid) ?? NONE;
  }

  add(entry: E): void {
    this.queue.push(entry);
    // the callers report a second record with a cdr or session id in the window as a duplicate instead of adding it
    if (entry.cdrId !== undefined) this.byCdr.set(entry.cdrId, entry);
    if (entry.sessionId !== undefined) this.bySession.set(entry.sessionId, entry);
    if (entry.authorizationReference !== undefined && !this.byAuth.has(entry.authorizationReference)) this.byAuth.set(entry.authorizationReference, entry);
    if (hasEvseToken(entry)) {
      const list = this.byEvse.get(entry.evseUid!);
      if (list === undefined) this.byEvse.set(entry.evseUid!, [entry]);
      else list.push(entry);
    }
  }

  peek(): E | undefined {
    return this.queue[this.head];
  }

  /** Removes the oldest entry from the window and its indexes. */
  shift(): E {
    const entry = this.queue[this.head]!;
    this.queue[this.head++] = undefined;
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (entry.cdrId !== undefined) this.byCdr.delete(entry.cdrId);
    if (entry.sessionId !== undefined) this.bySession.delete(entry.sessionId);
    if (entry.authorizationReference !== undefined && this.byAuth.get(entry.authorizationReference) === entry) this.byAuth.delete(entry.authorizationReference);
    if (hasEvseToken(entry)) {
      const list = this.byEvse.get(entry.evseUid!)!;
      if (list.length === 1) this.byEvse.delete(entry.evseUid!);
      else list.splice(list.indexOf(entry), 1);
    }
    return entry;
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  /** An unmatched entry with the id, or else, within `toleranceMs` of `startMs`, the closest entry with the EVSE and token. */
  find(
    ids: Entry,
    startMs: number,
    toleranceMs: number,
    eligible: (candidate: E) => boolean,
  ): { entry: E; by: MatchedBy } | undefined {
    const free = (e: E | undefined) => (e !== undefined && !e.matched ? e : undefined);
    let entry = ids.cdrId === undefined ? undefined : free(this.cdr(ids.cdrId));
    if (entry) return { entry, by: 'cdrId' };
    entry = ids.sessionId === undefined ? undefined : free(this.session(ids.sessionId));
    if (entry) return { entry, by: 'sessionId' };
    entry = ids.authorizationReference === undefined ? undefined : free(this.auth(ids.authorizationReference));
    if (entry) return { entry, by: 'authorizationReference' };
    if (!hasEvseToken(ids)) return undefined;
    const tokenUid = ids.tokenUid;
    let best: E | undefined;
    let bestDistance = Number.POSITIVE_INFINITY;
    for (const candidate of this.atEvse(ids.evseUid!)) {
      const distance = Math.abs(candidate.startMs - startMs);
      if (!candidate.matched && candidate.tokenUid === tokenUid && distance <= toleranceMs && distance < bestDistance && eligible(candidate)) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return best ? { entry: best, by: 'evseTokenStart' } : undefined;
  }
}

const NONE: readonly never[] = [];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const emptyCounts = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const seconds = (ms: number) => Math.round(ms / 1000);

/**
 * The matcher. Records go in ordered by start time (`addOurs`, `addTheirs`); `advance(frontierMs)`
 * closes every record that started more than the window before the frontier: it is matched (ids
 * first, then EVSE + token + start) or reported, and leaves memory. Everything the matcher decides
 * comes out of `take()`; `finish()` closes the rest. Pure: no clock, no I/O.
 */
export class Reconciler {
  private readonly ours = new Side<OurEntry>();
  private readonly theirs = new Side<TheirEntry>();
  private readonly windowMs: number;
  private readonly timeMs: number;
  private readonly energyMicro: number;
  private out: ReconOutcome[] = [];
  private closedBefore = Number.NEGATIVE_INFINITY;
  private readonly counts = {
    ours: 0,
    theirs: 0,
    matched: 0,
    clean: 0,
    parseErrors: 0,
    outOfOrder: 0,
    skippedOtherPartner: 0,
    byType: emptyCounts(EXCEPTION_TYPES),
    byOwner: emptyCounts(OWNERS),
    atRisk: new Map<string, number>(),
  };

  constructor(private readonly options: ReconOptions) {
    this.timeMs = options.tolerances.timeS * 1000;
    this.windowMs = Math.max(options.windowS ?? DEFAULT_WINDOW_S, options.tolerances.timeS) * 1000;
    this.energyMicro = options.tolerances.energyWh * 1000;
  }

  /** The entry of one of our CDRs, or a ParseError naming what is wrong with it. */
  prepareOurs(cdr: OurCdr): OurEntry | ParseError {
    const startMs = instantMs(cdr.start);
    const endMs = instantMs(cdr.end);
    const kwh = microOf(cdr.kwh);
    const excl = microOf(cdr.amountExclVat);
    const incl = microOf(cdr.amountInclVat);
    const bad = Number.isNaN(startMs) ? 'start' : Number.isNaN(endMs) ? 'end' : Number.isNaN(kwh) ? 'kwh' : Number.isNaN(excl) ? 'amountExclVat' : Number.isNaN(incl) ? 'amountInclVat' : undefined;
    if (bad !== undefined) return { kind: 'parse-error', line: 0, field: bad, message: `our CDR ${cdr.cdrId}: ${bad} is not ${bad === 'start' || bad === 'end' ? 'an RFC 3339 timestamp' : 'decimal text'}` };
    return {
      cdr,
      startMs,
      endMs,
      kwh,
      excl,
      incl,
      cdrId: cdr.cdrId,
      sessionId: cdr.sessionId,
      authorizationReference: cdr.authorizationReference || undefined,
      evseUid: cdr.evseUid,
      tokenUid: cdr.tokenUid,
      matched: false,
      mate: undefined,
    };
  }

  prepareTheirs(record: PartnerRecord): TheirEntry | ParseError {
    const startMs = record.startMs ?? instantMs(record.start);
    const endMs = record.endMs ?? instantMs(record.end);
    const kwh = microOf(record.kwh);
    const excl = microOf(record.amountExclVat);
    const incl = record.amountInclVat === undefined ? Number.NaN : microOf(record.amountInclVat);
    const bad = Number.isNaN(startMs) ? 'start' : Number.isNaN(endMs) ? 'end' : Number.isNaN(kwh) ? 'kwh' : Number.isNaN(excl) ? 'amountExclVat' : undefined;
    if (bad !== undefined) return { kind: 'parse-error', line: record.line, field: bad, message: `${bad} is not ${bad === 'start' || bad === 'end' ? 'an RFC 3339 timestamp' : 'decimal text'}` };
    return {
      record,
      startMs,
      endMs,
      kwh,
      excl,
      incl,
      cdrId: record.cdrId,
      sessionId: record.sessionId,
      authorizationReference: record.authorizationReference,
      evseUid: record.evseUid,
      tokenUid: record.tokenUid,
      matched: false,
      mate: undefined,
    };
  }

  /**
   * Adds one of our CDRs. When the partner's record with its cdr id is already in the window, the
   * two pair at once and the CDR is not indexed: most pairs arrive side by side, and skipping the
   * window for them halves the index work. A record whose cdr or session id names a pair already
   * made is a duplicate.
   */
  addOurs(entry: OurEntry): void {
    const cdr = entry.cdr;
    if (cdr.partnerId !== this.options.partnerId) {
      this.counts.skippedOtherPartner++;
      return;
    }
    this.counts.ours++;
    if (entry.startMs < this.closedBefore) this.counts.outOfOrder++;
    const byCdr = sameCdr(this.ours, this.theirs, cdr.cdrId);
    if (byCdr.open !== undefined) {
      this.pair(entry, byCdr.open, 'cdrId', this.ownChecks(entry));
      return;
    }
    let first = byCdr.first;
    let key = 'cdrId';
    if (first === undefined) {
      key = 'sessionId';
      first = sameSession(this.ours, this.theirs, cdr.sessionId);
    }
    if (first !== undefined) {
      this.raise('DUPLICATE', { side: 'OURS', key, value: key === 'cdrId' ? cdr.cdrId : cdr.sessionId, firstCdrId: first.cdr.cdrId, cdrId: cdr.cdrId }, {
        ourCdrId: cdr.cdrId,
        sessionId: cdr.sessionId,
        amountAtRisk: [entry.incl, cdr.currency],
        keySuffix: `dup:${cdr.cdrId}:${cdr.start}`,
      });
      return;
    }
    this.ours.add(entry);
  }

  /** Adds a partner record; pairs it at once with our CDR of the same cdr id, as addOurs does. */
  addTheirs(entry: TheirEntry): void {
    const record = entry.record;
    this.counts.theirs++;
    if (entry.startMs < this.closedBefore) this.counts.outOfOrder++;
    let first: TheirEntry | undefined;
    let key: string | undefined;
    if (entry.cdrId !== undefined) {
      const byCdr = sameCdr(this.theirs, this.ours, entry.cdrId);
      if (byCdr.open !== undefined) {
        this.pair(byCdr.open, entry, 'cdrId', this.ownChecks(byCdr.open));
        return;
      }
      key = 'cdrId';
      first = byCdr.first;
    }
    if (first === undefined && entry.sessionId !== undefined) {
      key = 'sessionId';
      first = sameSession(this.theirs, this.ours, entry.sessionId);
    }
    if (first === undefined && entry.cdrId === undefined && entry.sessionId === undefined && entry.authorizationReference === undefined && hasEvseToken(entry)) {
      key = 'evseTokenStart';
      for (const e of this.theirs.atEvse(entry.evseUid!)) if (e.tokenUid === entry.tokenUid && e.startMs === entry.startMs && e.kwh === entry.kwh) first = e;
    }
    if (first !== undefined && key !== undefined) {
      const value = key === 'cdrId' ? entry.cdrId! : key === 'sessionId' ? entry.sessionId! : `${record.evseUid} ${record.tokenUid} ${record.start}`;
      this.raise('DUPLICATE', { side: 'PARTNER', key, value, firstLine: first.record.line, line: record.line }, {
        partner: record,
        sessionId: record.sessionId,
        amountAtRisk: [Number.isNaN(entry.incl) ? entry.excl : entry.incl, record.currency],
      });
      return;
    }
    this.theirs.add(entry);
  }

  parseError(error: ParseError): void {
    this.counts.parseErrors++;
    this.out.push(error);
  }

  /** Closes every record that started before `frontierMs` minus the window. */
  advance(frontierMs: number): void {
    const closeBefore = frontierMs - this.windowMs;
    for (;;) {
      const a = this.ours.peek();
      const b = this.theirs.peek();
      const takeOurs = a !== undefined && a.startMs < closeBefore && (b === undefined || a.startMs <= b.startMs);
      const takeTheirs = !takeOurs && b !== undefined && b.startMs < closeBefore;
      if (takeOurs) this.closeOurs(this.ours.shift());
      else if (takeTheirs) this.closeTheirs(this.theirs.shift());
      else break;
    }
    if (closeBefore > this.closedBefore) this.closedBefore = closeBefore;
  }

  finish(): void {
    this.advance(Number.POSITIVE_INFINITY);
  }

  /** Outcomes decided since the last call, in decision order. */
  take(): ReconOutcome[] {
    const out = this.out;
    this.out = [];
    return out;
  }

  /** Records held in the window now: bounded by the window, not by the input. */
  get held(): number {
    return this.ours.size + this.theirs.size;
  }

  summary(): ReconSummary {
    const c = this.counts;
    const denominator = Math.max(c.ours, c.theirs);
    return {
      partnerId: this.options.partnerId,
      ours: c.ours,
      theirs: c.theirs,
      matched: c.matched,
      clean: c.clean,
      matchRate: denominator === 0 ? 1 : c.matched / denominator,
      parseErrors: c.parseErrors,
      outOfOrder: c.outOfOrder,
      skippedOtherPartner: c.skippedOtherPartner,
      exceptionsByType: { ...c.byType },
      exceptionsByOwner: { ...c.byOwner },
      amountsAtRisk: Object.fromEntries([...c.atRisk].map(([currency, micro]) => [currency, textOfMicro(micro)])),
    };
  }

  private closeOurs(o: OurEntry): void {
    if (o.matched) return;
    const theirs = this.theirs;
    const ours = this.ours;
    const found = theirs.find(o, o.startMs, this.timeMs, (p) => !hasKnownId(p, ours));
    const raised = this.ownChecks(o);
    if (found) this.pair(o, found.entry, found.by, raised);
    else this.missing(o);
  }

  private closeTheirs(p: TheirEntry): void {
    if (p.matched) return;
    const found = this.ours.find(p, p.startMs, this.timeMs, () => !hasKnownId(p, this.ours));
    if (found) this.pair(found.entry, p, found.by, this.ownChecks(found.entry));
    else this.unknown(p);
  }

  /** Checks of our CDR on its own: its replay and the charger's readings. Returns how many it raised. */
  private ownChecks(o: OurEntry): number {
    const cdr = o.cdr;
    let raised = 0;
    if (cdr.replay && !cdr.replay.matches) {
      raised++;
      this.raise(
        'REPLAY_MISMATCH',
        { replayMatches: false, diffs: cdr.replay.diffs.map((d) => `${d.field}: cdr ${d.cdr}, replay ${d.replay}`), tariffId: cdr.tariff?.id ?? null, tariffVersion: cdr.tariff?.version ?? null },
        { ourCdrId: cdr.cdrId, sessionId: cdr.sessionId },
      );
    }
    for (const anomaly of this.anomalies(o)) {
      raised++;
      this.raise('CHARGER_ANOMALY', anomaly, { ourCdrId: cdr.cdrId, sessionId: cdr.sessionId, keySuffix: String(anomaly['anomaly']) });
    }
    return raised;
  }

  private anomalies(o: OurEntry): Facts[] {
    const charger = o.cdr.charger;
    if (charger === undefined) return [];
    const base = {
      chargePointId: charger.chargePointId ?? null,
      vendor: charger.vendor ?? null,
      model: charger.model ?? null,
      firmware: charger.firmware ?? null,
      meterStartWh: charger.meterStartWh,
      meterStopWh: charger.meterStopWh ?? null,
    };
    const found: Facts[] = [];
    if (charger.meterStopWh !== undefined && charger.meterStopWh < charger.meterStartWh) found.push({ anomaly: 'METER_BACKWARDS', ...base });
    if (charger.stopMissing || charger.meterStopWh === undefined) found.push({ anomaly: 'STOP_MISSING', ...base });
    if (charger.clockSkewS !== undefined && Math.abs(charger.clockSkewS) > this.options.tolerances.timeS) {
      found.push({ anomaly: 'CLOCK_SKEW', ...base, clockSkewS: charger.clockSkewS, toleranceS: this.options.tolerances.timeS });
    }
    if (charger.maxPowerKw !== undefined) {
      const durationS = Math.max(0, (o.endMs - o.startMs) / 1000);
      const energyWh = o.kwh / 1000;
      const possibleWh = (charger.maxPowerKw * 1000 * durationS) / 3600;
      if (energyWh > possibleWh + this.options.tolerances.energyWh) {
        found.push({ anomaly: 'ENERGY_IMPOSSIBLE', ...base, kwh: o.cdr.kwh, maxPowerKw: charger.maxPowerKw, durationS: Math.round(durationS), possibleKwh: textOfMicro(Math.floor(possibleWh * 1000), 3) });
      }
    }
    return found;
  }

  private pair(o: OurEntry, p: TheirEntry, by: MatchedBy, ownRaised: number): void {
    o.matched = true;
    p.matched = true;
    o.mate = p;
    p.mate = o;
    const cdr = o.cdr;
    const record = p.record;
    const tol = this.options.tolerances;
    const at = { ourCdrId: cdr.cdrId, sessionId: cdr.sessionId, partner: record };
    const replayMatches = cdr.replay ? cdr.replay.matches : null;
    let raised = ownRaised;

    if (cdr.currency !== record.currency) {
      raised++;
      this.raise('CURRENCY_MISMATCH', { ourCurrency: cdr.currency, partnerCurrency: record.currency, replayMatches }, { ...at, amountAtRisk: [o.incl, cdr.currency] });
    }

    const energyDiff = p.kwh - o.kwh;
    const energyAgrees = Math.abs(energyDiff) <= this.energyMicro;
    let energyOwner: Owner | null = null;
    if (!energyAgrees) {
      raised++;
      const charger = cdr.charger;
      const meterMicro = charger?.meterStopWh !== undefined ? (charger.meterStopWh - charger.meterStartWh) * 1000 : undefined;
      const chargerAnomaly = this.anomalies(o).find((a) => a['anomaly'] !== 'CLOCK_SKEW')?.['anomaly'] ?? null;
      energyOwner = this.raise(
        'ENERGY_MISMATCH',
        {
          ourKwh: cdr.kwh,
          partnerKwh: record.kwh,
          diffWh: Math.round(energyDiff / 1000),
          toleranceWh: tol.energyWh,
          meterKwh: meterMicro === undefined ? null : textOfMicro(meterMicro, 3),
          ourEqualsMeter: meterMicro === undefined ? null : Math.abs(o.kwh - meterMicro) <= this.energyMicro,
          chargerAnomaly,
        },
        at,
      );
    }

    const tariffDiffers =
      cdr.tariff !== undefined &&
      ((record.tariffId !== undefined && record.tariffId !== cdr.tariff.id) || (record.tariffVersion !== undefined && cdr.tariff.version !== undefined && record.tariffVersion !== cdr.tariff.version));
    if (cdr.currency === record.currency) {
      const toleranceMicro = tol.amountMinor * microPerMinor(cdr.currency);
      const diffExcl = p.excl - o.excl;
      const diffIncl = Number.isNaN(p.incl) ? Number.NaN : p.incl - o.incl;
      const amountsAgree = Math.abs(diffExcl) <= toleranceMicro && (Number.isNaN(diffIncl) || Math.abs(diffIncl) <= toleranceMicro);
      if (!tariffDiffers && amountsAgree) return this.matched(o, p, by, raised);
      const amountFacts = {
        currency: cdr.currency,
        ourAmountExclVat: cdr.amountExclVat,
        partnerAmountExclVat: record.amountExclVat,
        diffExclVat: textOfMicro(diffExcl),
        ourAmountInclVat: cdr.amountInclVat,
        partnerAmountInclVat: record.amountInclVat ?? null,
        diffInclVat: Number.isNaN(diffIncl) ? null : textOfMicro(diffIncl),
        toleranceMinor: tol.amountMinor,
        replayMatches,
      };
      const risk: [number, string] = [Math.abs(Number.isNaN(diffIncl) ? diffExcl : diffIncl), cdr.currency];
      if (tariffDiffers) {
        raised++;
        this.raise(
          'TARIFF_MISMATCH',
          { ourTariffId: cdr.tariff!.id, ourTariffVersion: cdr.tariff!.version ?? null, partnerTariffId: record.tariffId ?? null, partnerTariffVersion: record.tariffVersion ?? null, amountsAgree, ...amountFacts },
          { ...at, amountAtRisk: risk },
        );
      } else if (!amountsAgree) {
        raised++;
        this.raise('AMOUNT_MISMATCH', { ...amountFacts, energyAgrees, energyOwner }, { ...at, amountAtRisk: risk });
      }
    }

    this.matched(o, p, by, raised);
  }

  /** The last check of a pair, the times, then the Match itself. */
  private matched(o: OurEntry, p: TheirEntry, by: MatchedBy, raisedBefore: number): void {
    const cdr = o.cdr;
    const record = p.record;
    let raised = raisedBefore;
    const startDiff = p.startMs - o.startMs;
    const endDiff = p.endMs - o.endMs;
    if (Math.abs(startDiff) > this.timeMs || Math.abs(endDiff) > this.timeMs) {
      raised++;
      this.raise(
        'DURATION_MISMATCH',
        {
          ourStart: cdr.start,
          partnerStart: record.start,
          startDiffS: seconds(startDiff),
          ourEnd: cdr.end,
          partnerEnd: record.end,
          endDiffS: seconds(endDiff),
          durationDiffS: seconds(endDiff - startDiff),
          toleranceS: this.options.tolerances.timeS,
          clockSkewS: cdr.charger?.clockSkewS ?? null,
        },
        { ourCdrId: cdr.cdrId, sessionId: cdr.sessionId, partner: record },
      );
    }

    const match: Match = {
      kind: 'match',
      partnerId: this.options.partnerId,
      ourCdrId: cdr.cdrId,
      sessionId: cdr.sessionId,
      partnerRef: record.ref,
      partnerLine: record.line,
      matchedBy: by,
      clean: raised === 0,
    };
    this.counts.matched++;
    if (match.clean) this.counts.clean++;
    this.out.push(match);
  }

  private missing(o: OurEntry): void {
    const cdr = o.cdr;
    const at = { ourCdrId: cdr.cdrId, sessionId: cdr.sessionId, amountAtRisk: [o.incl, cdr.currency] as [number, string] };
    if (cdr.delivery === 'ACKNOWLEDGED') {
      this.raise('MISSING_AT_PARTNER', { delivery: cdr.delivery, cdrId: cdr.cdrId, sessionId: cdr.sessionId, start: cdr.start, evseUid: cdr.evseUid, tokenUid: cdr.tokenUid }, at);
      return;
    }
    const d = cdr.deliveryFacts;
    const pushes = cdr.sessionPushes;
    this.raise(
      'CDR_NOT_DELIVERED',
      {
        delivery: cdr.delivery,
        failure: d?.failure ?? null,
        httpStatus: d?.httpStatus ?? null,
        ocpiStatus: d?.ocpiStatus ?? null,
        attempts: d?.attempts ?? null,
        message: d?.message ?? null,
        sessionPushesAcknowledged: pushes?.acknowledged ?? null,
        sessionPushFailedAttempts: pushes?.failedAttempts ?? null,
        sessionPushFailure: pushes?.lastFailure ?? null,
      },
      at,
    );
  }

  private unknown(p: TheirEntry): void {
    const record = p.record;
    const lookup = this.options.lookup;
    const session = record.sessionId !== undefined && lookup?.session ? lookup.session(record.sessionId) : undefined;
    const authorization = record.authorizationReference !== undefined && lookup?.authorization ? lookup.authorization(record.authorizationReference) : undefined;
    const evseIsOurs = record.evseUid !== undefined && lookup?.evseIsOurs ? lookup.evseIsOurs(record.evseUid) : undefined;
    const cdrIssued = record.cdrId !== undefined && lookup?.cdrIssued ? lookup.cdrIssued(record.cdrId) : undefined;
    this.raise(
      'UNKNOWN_TO_US',
      {
        partnerId: this.options.partnerId,
        cdrId: record.cdrId ?? null,
        sessionId: record.sessionId ?? null,
        authorizationReference: record.authorizationReference ?? null,
        evseUid: record.evseUid ?? null,
        tokenUid: record.tokenUid ?? null,
        start: record.start,
        sessionKnown: lookup?.session && record.sessionId !== undefined ? session !== undefined : null,
        sessionPartnerId: session?.partnerId ?? null,
        sessionCdrId: session === undefined ? null : (session.cdrId ?? null),
        authorizationKnown: lookup?.authorization && record.authorizationReference !== undefined ? authorization !== undefined : null,
        evseIsOurs: evseIsOurs ?? null,
        cdrKnown: cdrIssued ?? null,
      },
      { partner: record, sessionId: record.sessionId, amountAtRisk: [Number.isNaN(p.incl) ? p.excl : p.incl, record.currency] },
    );
  }

  private raise(
    type: ExceptionType,
    facts: Facts,
    at: { ourCdrId?: string; sessionId?: string | undefined; partner?: PartnerRecord; amountAtRisk?: [number, string]; keySuffix?: string },
  ): Owner {
    const { owner, rule } = decideOwner(type, facts);
    const partnerId = this.options.partnerId;
    const exception: Mutable<ReconException> = {
      kind: 'exception',
      key: [partnerId, type, at.ourCdrId ?? '-', at.partner?.ref ?? '-', ...(at.keySuffix ? [at.keySuffix] : [])].join('/'),
      partnerId,
      type,
      owner,
      rule,
      facts,
    };
    if (at.ourCdrId !== undefined) exception.ourCdrId = at.ourCdrId;
    if (at.partner !== undefined) {
      exception.partnerRef = at.partner.ref;
      exception.partnerLine = at.partner.line;
    }
    if (at.sessionId !== undefined) exception.sessionId = at.sessionId;
    if (at.amountAtRisk !== undefined && Number.isFinite(at.amountAtRisk[0])) {
      const [micro, currency] = at.amountAtRisk;
      exception.amountAtRisk = { amount: textOfMicro(micro), currency };
      this.counts.atRisk.set(currency, (this.counts.atRisk.get(currency) ?? 0) + micro);
    }
    this.counts.byType[type]++;
    this.counts.byOwner[owner]++;
    this.out.push(exception);
    return owner;
  }
}

/**
 * For a record arriving on `own`'s side with this cdr id: the record it duplicates (one on its own
 * side, or the mate of an already paired record on the other), or the other side's open record to
 * pair with at once.
 */
function sameCdr<E extends Entry, O extends Entry>(own: Side<E>, other: Side<O>, cdrId: string): { first?: E; open?: O } {
  const first = own.cdr(cdrId);
  if (first !== undefined) return { first };
  const found = other.cdr(cdrId);
  if (found !== undefined && !found.matched) return { open: found };
  return { first: found?.mate as E | undefined };
}

/** The record of the same session this one duplicates: on its own side, or the mate of a paired record on the other. */
function sameSession<E extends Entry, O extends Entry>(own: Side<E>, other: Side<O>, sessionId: string): E | undefined {
  return own.session(sessionId) ?? (other.session(sessionId)?.mate as E | undefined);
}

/** Whether a partner record carries an id that names one of our CDRs in the window: then it must match by id, not by EVSE. */
function hasKnownId(p: Entry, ours: Side<OurEntry>): boolean {
  return (
    (p.cdrId !== undefined && ours.cdr(p.cdrId) !== undefined) ||
    (p.sessionId !== undefined && ours.session(p.sessionId) !== undefined) ||
    (p.authorizationReference !== undefined && ours.auth(p.authorizationReference) !== undefined)
  );
}
