import { BadGatewayException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import { CDR_FACTS, SESSION_FACTS, type CdrFacts, type SessionFacts } from '../facts/fact-documents';
import { EXCEPTIONS, MATCHES, type ExceptionDocument, type MatchDocument } from '../exceptions/recon-documents';
import { TIMELINE_SETTINGS, type TimelineSettings } from './timeline-settings';

export type TimelineSource = 'SESSION' | 'OCPP' | 'COMMAND' | 'OCPI' | 'TARIFF' | 'CDR' | 'REPLAY' | 'DELIVERY' | 'RECON' | 'EXCEPTION';

export interface TimelineEntry {
  readonly at: string | null;
  readonly source: TimelineSource;
  readonly summary: string;
  readonly detail?: unknown;
}

export interface SourceStatus {
  readonly name: string;
  readonly url: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface Timeline {
  readonly sessionId: string;
  readonly partnerId: string | null;
  readonly chargerId: string | null;
  readonly cdrId: string | null;
  readonly session: Record<string, unknown> | null;
  readonly cdr: Record<string, unknown> | null;
  readonly reconciliation: { readonly matched: MatchDocument | null; readonly exceptions: readonly ExceptionDocument[] };
  readonly entries: readonly TimelineEntry[];
  /** Which APIs were asked and whether they answered: a timeline is shown even when one of them is down. */
  readonly sources: readonly SourceStatus[];
}

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** Orders entries by time; entries without a time go last, ties keep the order they were added in. */
export function ordered(entries: readonly TimelineEntry[]): TimelineEntry[] {
  return entries
    .map((entry, index) => ({ entry, index, t: entry.at === null ? Number.POSITIVE_INFINITY : Date.parse(entry.at) }))
    .sort((a, b) => a.t - b.t || a.index - b.index)
    .map(({ entry }) => entry);
}

/**
 * One session as support needs to see it: OCPP frames, commands, OCPI calls, the tariff, the CDR, its replay
 * and delivery, and the reconciliation outcome with any exception, its owner and evidence. The gateway's,
 * the OCPI connector's and the tariff engine's parts come from their operations APIs at query time.
 */
@Injectable()
export class TimelineService {
  constructor(
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
    @Inject(TIMELINE_SETTINGS) private readonly settings: TimelineSettings,
  ) {}

  async explain(sessionId: string, callerToken: string | undefined): Promise<Timeline> {
    const sources: SourceStatus[] = [];
    const token = this.settings.token ?? callerToken;
    const fetchJson = async (name: string, base: string, path: string): Promise<Json | undefined> => {
      const url = `${base}${path}`;
      try {
        const response = await fetch(url, {
          headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
        if (response.status === 404) {
          sources.push({ name, url, ok: true, error: 'not found' });
          return undefined;
        }
        if (!response.ok) {
          sources.push({ name, url, ok: false, error: `HTTP ${response.status}` });
          return undefined;
        }
        sources.push({ name, url, ok: true });
        return (await response.json()) as Json;
      } catch (error) {
        sources.push({ name, url, ok: false, error: error instanceof Error ? (error.cause ? String(error.cause) : error.message) : String(error) });
        return undefined;
      }
    };
    const s = this.settings;
    const id = encodeURIComponent(sessionId);

    const [session, frames, cdrPage, facts] = await Promise.all([
      fetchJson('charger-gateway session', s.gatewayUrl, `/api/v1/sessions/${id}`),
      fetchJson('charger-gateway OCPP frames', s.gatewayUrl, `/api/v1/sessions/${id}/messages?limit=500`),
      fetchJson('tariff-engine CDR', s.tariffUrl, `/api/v1/cdrs?sessionId=${id}&limit=1`),
      this.store.get<SessionFacts>(SESSION_FACTS, sessionId),
    ]);
    const cdr = ((cdrPage?.['items'] as Json[] | undefined) ?? [])[0] ?? null;
    const cdrId = str(cdr?.['id']) ?? (await this.cdrIdOf(sessionId));
    const partnerId = str(session?.['partnerId']) ?? str(cdr?.['partnerId']) ?? facts?.data.partnerId ?? null;

    const commandIds = [str(session?.['commandId']), str(session?.['stopCommandId'])].filter((c): c is string => c !== null);
    const [commands, calls, matched, exceptions] = await Promise.all([
      Promise.all(commandIds.map((c) => fetchJson('charger-gateway command', s.gatewayUrl, `/api/v1/commands/${encodeURIComponent(c)}`))),
      partnerId === null ? Promise.resolve(undefined) : fetchJson('ocpi-connector calls', s.ocpiUrl, `/api/v1/partners/${encodeURIComponent(partnerId)}/calls?sessionId=${id}&limit=500`),
      cdrId === null ? Promise.resolve(undefined) : this.store.get<MatchDocument>(MATCHES, cdrId),
      this.exceptionsOf(sessionId, cdrId),
    ]);

    if (session === undefined && cdr === null && facts === undefined && exceptions.length === 0) {
      const down = sources.filter((source) => !source.ok);
      if (down.length > 0) throw new BadGatewayException(`session ${sessionId} not found here, and ${down.map((d) => `${d.name} (${d.url}: ${d.error})`).join(', ')} did not answer; check the RECON_*_API_URL settings`);
      throw new NotFoundException(`session ${sessionId} is known to none of the charger gateway, the tariff engine and the reconciler`);
    }

    const entries: TimelineEntry[] = [];
    if (session) entries.push(...sessionEntries(session));
    for (const frame of ((frames?.['items'] as Json[] | undefined) ?? [])) entries.push(frameEntry(frame));
    for (const command of commands) if (command) entries.push(...commandEntries(command));
    for (const call of ((calls?.['items'] as Json[] | undefined) ?? [])) entries.push(callEntry(call));
    if (cdr) entries.push(...cdrEntries(cdr));
    if (matched?.data) {
      const m = matched.data;
      entries.push({ at: m.at, source: 'RECON', summary: `matched with partner record ${m.partnerRef} by ${m.matchedBy} in run ${m.runId}${m.clean ? ', no disagreement' : ''}`, detail: m });
    }
    for (const e of exceptions) entries.push(...exceptionEntries(e));

    return {
      sessionId,
      partnerId,
      chargerId: str(session?.['chargerId']) ?? str(cdr?.['chargerId']) ?? facts?.data.chargerId ?? null,
      cdrId,
      session: session ?? null,
      cdr,
      reconciliation: { matched: matched?.data ?? null, exceptions },
      entries: ordered(entries),
      sources,
    };
  }

  private async cdrIdOf(sessionId: string): Promise<string | null> {
    const found = await this.store.find<CdrFacts>(CDR_FACTS, { where: { sessionId }, limit: 1 });
    return found.items[0]?.id ?? null;
  }

  private async exceptionsOf(sessionId: string, cdrId: string | null): Promise<ExceptionDocument[]> {
    const bySession = await this.store.find<ExceptionDocument>(EXCEPTIONS, { where: { sessionId }, sort: { field: 'openedAt', direction: 'asc' }, limit: 100 });
    const byCdr = cdrId === null ? { items: [] } : await this.store.find<ExceptionDocument>(EXCEPTIONS, { where: { ourCdrId: cdrId }, sort: { field: 'openedAt', direction: 'asc' }, limit: 100 });
    const all = new Map<string, ExceptionDocument>();
    for (const doc of [...bySession.items, ...byCdr.items]) all.set(doc.id, doc.data);
    return [...all.values()];
  }
}

function sessionEntries(session: Json): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const charger = `${session['chargerId']} (${[session['vendor'], session['model'], session['firmwareVersion']].filter(Boolean).join(' ') || 'charger mix unknown'})`;
  const token = (session['idToken'] as Json | null)?.['id'];
  if (session['startedAt']) entries.push({ at: str(session['startedAt']), source: 'SESSION', summary: `session started on ${charger}, connector ${session['connectorId']}, token ${token ?? '-'}, meter ${session['meterStartWh'] ?? '?'} Wh` });
  if (session['stoppedAt']) {
    entries.push({ at: str(session['stoppedAt']), source: 'SESSION', summary: `session stopped (${session['stopReason'] ?? 'Local'}), meter ${session['meterStopWh'] ?? '?'} Wh, energy ${session['energyWh'] ?? '?'} Wh` });
  }
  const anomalies = (session['anomalies'] as string[] | undefined) ?? [];
  if (anomalies.length > 0) entries.push({ at: str(session['stoppedAt']) ?? str(session['startedAt']), source: 'SESSION', summary: `charger anomalies: ${anomalies.join(', ')}` });
  return entries;
}

function frameEntry(frame: Json): TimelineEntry {
  const arrow = frame['direction'] === 'TO_CHARGER' ? '->' : '<-';
  const type = frame['frameType'] === 'CALL' ? '' : ` ${String(frame['frameType'] ?? '').toLowerCase()}`;
  const invalid = frame['validationError'] ? ` INVALID: ${frame['validationError']}` : '';
  return { at: str(frame['at']), source: 'OCPP', summary: `${arrow} ${frame['action']}${type} ${frame['payload']}${invalid}`, detail: frame };
}

function commandEntries(command: Json): TimelineEntry[] {
  const name = `${command['kind']} (${command['origin'] ?? '?'}${command['partnerId'] ? ` ${command['partnerId']}` : ''}) ${command['id']}`;
  const entries: TimelineEntry[] = [{ at: str(command['requestedAt']), source: 'COMMAND', summary: `${name} requested`, detail: command }];
  if (command['sentAt']) entries.push({ at: str(command['sentAt']), source: 'COMMAND', summary: `${name} sent to the charger` });
  if (command['answeredAt'] || command['completedAt']) {
    entries.push({ at: str(command['answeredAt']) ?? str(command['completedAt']), source: 'COMMAND', summary: `${name}: ${command['status']}${command['result'] ? ` (${command['result']})` : ''}${command['latencyMs'] != null ? ` after ${command['latencyMs']} ms` : ''}` });
  }
  const delivery = command['delivery'] as Json | null;
  if (delivery) entries.push({ at: str(delivery['at']), source: 'COMMAND', summary: `${name}: CommandResult ${delivery['delivered'] ? 'delivered to' : 'NOT delivered to'} the eMSP after ${delivery['attempts']} attempt(s)${delivery['error'] ? `: ${delivery['error']}` : ''}` });
  return entries;
}

function callEntry(call: Json): TimelineEntry {
  const dir = call['direction'] === 'INBOUND' ? 'partner -> us' : 'us -> partner';
  const outcome = call['httpStatus'] ? `HTTP ${call['httpStatus']}${call['ocpiStatusCode'] ? ` / OCPI ${call['ocpiStatusCode']}` : ''}` : `no answer${call['error'] ? `: ${call['error']}` : ''}`;
  return { at: str(call['at']), source: 'OCPI', summary: `${dir} ${call['method']} ${call['module']} ${call['url']}: ${outcome} in ${call['latencyMs']} ms`, detail: call };
}

function cdrEntries(cdr: Json): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  const cost = cdr['totalCost'] as Json | null;
  for (const tariff of (cdr['tariffs'] as Json[] | undefined) ?? []) {
    entries.push({ at: str(cdr['startDateTime']), source: 'TARIFF', summary: `tariff ${tariff['tariffId']} version ${tariff['lastUpdated'] ?? '?'} in force at start${cdr['timeZone'] ? ` (${cdr['timeZone']})` : ''}` });
  }
  if (cdr['status'] === 'ISSUED') {
    entries.push({ at: str(cdr['issuedAt']), source: 'CDR', summary: `CDR ${cdr['id']} issued: ${cdr['totalEnergyKwh']} kWh, ${cost?.['exclVat']} ${cdr['currency']} excl. VAT${cost?.['inclVat'] ? `, ${cost['inclVat']} incl.` : ''}`, detail: cdr['cdr'] });
  } else {
    const failure = cdr['failure'] as Json | null;
    entries.push({ at: str(cdr['issuedAt']), source: 'CDR', summary: `CDR ${cdr['id']} NOT issued: ${failure?.['reason']} ${failure?.['detail'] ?? ''}` });
  }
  const replay = cdr['replay'] as Json | undefined;
  if (replay && replay['status'] !== 'NOT_REPLAYED') {
    const diffs = (replay['diffs'] as Json[] | undefined) ?? [];
    entries.push({
      at: str(replay['lastReplayedAt']),
      source: 'REPLAY',
      summary: replay['status'] === 'MATCHES' ? 'tariff replay matches the issued CDR' : `tariff replay DIFFERS: ${diffs.map((d) => `${d['field']} issued ${d['issued']} replayed ${d['replayed']}`).join('; ')}`,
      detail: replay,
    });
  }
  const delivery = cdr['delivery'] as Json | undefined;
  if (delivery && delivery['status'] !== 'PENDING') {
    entries.push({ at: str(delivery['at']), source: 'DELIVERY', summary: delivery['status'] === 'DELIVERED' ? `CDR POST acknowledged by the partner (attempt ${delivery['attempts']})` : `CDR POST failed (attempt ${delivery['attempts']}): ${delivery['error'] ?? ''}` });
  }
  return entries;
}

function exceptionEntries(e: ExceptionDocument): TimelineEntry[] {
  const evidence = Object.entries(e.facts).map(([k, v]) => `${k}=${v}`).join(', ');
  const entries: TimelineEntry[] = [
    { at: e.openedAt, source: 'EXCEPTION', summary: `${e.type} owned by ${e.owner} (rule ${e.rule}): ${e.detail}${evidence ? ` [${evidence}]` : ''}`, detail: e },
  ];
  for (const change of e.history) {
    entries.push({ at: change.at, source: 'EXCEPTION', summary: `exception ${e.type} ${change.from} -> ${change.to} by ${change.by}${change.resolution ? ` (${change.resolution})` : ''}${change.note ? `: ${change.note}` : ''}` });
  }
  return entries;
}

/** The timeline as lines for a terminal: time, source, what happened. */
export function renderTimeline(t: Timeline): string {
  const lines = [
    `session ${t.sessionId}  charger ${t.chargerId ?? '?'}  partner ${t.partnerId ?? '-'}  CDR ${t.cdrId ?? '-'}`,
    t.reconciliation.exceptions.length === 0
      ? `reconciliation: ${t.reconciliation.matched ? `matched (${t.reconciliation.matched.matchedBy}, run ${t.reconciliation.matched.runId})` : 'not reconciled yet'}, no exception`
      : `reconciliation: ${t.reconciliation.exceptions.length} exception(s): ${t.reconciliation.exceptions.map((e) => `${e.type}/${e.owner}/${e.status}`).join(', ')}`,
    '',
  ];
  for (const entry of t.entries) lines.push(`${(entry.at ?? '(no time)').padEnd(24)}  ${entry.source.padEnd(9)}  ${entry.summary}`);
  const down = t.sources.filter((s) => !s.ok);
  if (down.length > 0) lines.push('', ...down.map((s) => `missing: ${s.name} did not answer (${s.url}: ${s.error})`));
  return lines.join('\n');
}
