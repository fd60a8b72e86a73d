import { CdrIssuingFailure, decodeEventJson, timestampDate, timestampFromDate, type TariffRef } from '@roamgate/contracts';
import { chargerStreamName, commandStreamName, sessionStreamName } from '@roamgate/domain-charging';
import { formatOcpiDateTime, parseOcpiDateTime, selectTariff, TariffError, type CdrTotals, type Price, type Tariff } from '@roamgate/domain-tariffs';
import type { EventStore } from '@roamgate/event-store';
import { AggregateRepository } from '@roamgate/runtime';
import type { TariffBook, TariffInForce } from '../tariffs/tariff-book';
import { diffCdr, type CdrFieldDiff } from './cdr-diff';
import { cdrEventCodec, cdrIdOf, cdrStreamName } from './cdr-events';
import { cdrDecider, CdrNotIssuedError, type CdrCommand } from './cdr.decider';
import type { CdrLocationBook } from './cdr-locations';
import { composeCdr, type ComposedCdr, type EvsePlace, type LocationFacts, type OcpiCdr } from './ocpi-cdr';
import { sessionFactsOf, type SessionFacts, type TimelineOptions } from './session-timeline';

export interface CdrIssuerOptions {
  readonly clock?: () => Date;
  /** The location master data; without it every CDR is issued with the ids of its location only (LOCATION_UNKNOWN). */
  readonly locations?: CdrLocationBook;
  readonly timelineOptions?: TimelineOptions;
}

export type IssueOutcome =
  | {
      readonly outcome: 'issued' | 'already_issued';
      readonly cdrId: string;
      readonly cdr: OcpiCdr;
      /** Issued now for an EVSE attached to no location: cdr_location has its ids only (mod_cdrs requires more). */
      readonly withoutLocation?: true;
    }
  | { readonly outcome: 'failed'; readonly cdrId: string; readonly reason: CdrIssuingFailure; readonly detail: string };

export interface TariffVersionRef {
  readonly tariffId: string;
  readonly lastUpdated: string;
}

export interface ReplayResult {
  readonly cdrId: string;
  readonly sessionId: string;
  readonly matches: boolean;
  readonly diffs: readonly CdrFieldDiff[];
  readonly tariffs: readonly TariffVersionRef[];
  readonly replayedAt: string;
  /** The recomputed CDR; absent when it could not be recomputed (a tariff version is missing). */
  readonly replayed?: OcpiCdr;
}

export class SessionNotStoppedError extends Error {
  override readonly name = 'SessionNotStoppedError';
  constructor(readonly sessionId: string) {
    super(`session ${sessionId} has not stopped: there is no CDR to issue yet`);
  }
}

const PAGE = 500;
const priceMessage = (price: Price): { exclVat: string; inclVat?: string } =>
  price.incl_vat === undefined ? { exclVat: String(price.excl_vat) } : { exclVat: String(price.excl_vat), inclVat: String(price.incl_vat) };
const refOf = (tariff: Tariff): TariffVersionRef => ({ tariffId: tariff.id, lastUpdated: tariff.last_updated });
const refMessage = (ref: TariffVersionRef) => ({ tariffId: ref.tariffId, lastUpdated: timestampFromDate(new Date(parseOcpiDateTime(ref.lastUpdated))) });
const describeRef = (ref: TariffVersionRef) => `${ref.tariffId} version ${ref.lastUpdated}`;

/**
 * Issues the OCPI CDR of a finished session into `cdr-<cdrId>`, and replays an issued one. Everything it
 * prices comes from the event store (the session, and the charger and command that place it) and from the
 * tariff book (the tariff versions in force at the start), so a replay sees exactly what issuing saw.
 */
export class CdrIssuer {
  private readonly repository: AggregateRepository;
  private readonly clock: () => Date;

  constructor(
    private readonly events: EventStore,
    private readonly tariffs: TariffBook,
    private readonly options: CdrIssuerOptions = {},
  ) {
    this.repository = new AggregateRepository(events);
    this.clock = options.clock ?? (() => new Date());
  }

  async issue(sessionId: string): Promise<IssueOutcome> {
    const cdrId = cdrIdOf(sessionId);
    const streamId = cdrStreamName(cdrId);
    const existing = await this.repository.load(streamId, cdrDecider, cdrEventCodec);
    if (existing.state.issued !== undefined) return { outcome: 'already_issued', cdrId, cdr: JSON.parse(existing.state.issued.cdrJson) as OcpiCdr };

    const facts = sessionFactsOf(await this.events.readStream(sessionStreamName(sessionId)));
    const { state } = facts;
    if (state.status === 'active') throw new SessionNotStoppedError(sessionId);
    const failure = (reason: CdrIssuingFailure, detail: string, tried: readonly Tariff[] = []) =>
      this.record(streamId, {
        type: 'RecordIssuingFailure',
        failed: {
          cdrId,
          occurredAt: timestampFromDate(this.clock()),
          sessionId,
          chargerId: state.chargerId,
          partnerId: facts.partnerId,
          reason,
          detail,
          tariffs: tried.map((t) => refMessage(refOf(t))),
          anomalies: [...state.anomalies],
        },
      }).then((): IssueOutcome => ({ outcome: 'failed', cdrId, reason, detail }));

    if (state.status !== 'stopped' || state.startedAt === undefined) {
      return failure(CdrIssuingFailure.SESSION_INCOMPLETE, `the stream ${sessionStreamName(sessionId)} holds no SessionStarted: there is nothing to price`);
    }

    const inForce = await this.tariffs.tariffsInForce({
      chargerId: state.chargerId,
      evseId: state.evseId,
      connectorId: state.connectorId,
      ...(facts.partnerId === '' ? {} : { partnerId: facts.partnerId }),
      at: state.startedAt,
    });
    const chosen = this.choose(inForce, state.startedAt);
    if (chosen === undefined) {
      const place = `charger ${state.chargerId} EVSE ${state.evseId} connector ${state.connectorId}${facts.partnerId === '' ? '' : ` for partner ${facts.partnerId}`}`;
      const detail =
        inForce.length === 0
          ? `no tariff applies to ${place} at ${state.startedAt.toISOString()}`
          : `none of the tariffs of ${place} (${inForce.map((t) => t.tariff.id).join(', ')}) is valid for a session starting at ${state.startedAt.toISOString()}`;
      return failure(CdrIssuingFailure.NO_TARIFF_IN_FORCE, detail, inForce.map((t) => t.tariff));
    }

    const issuedAt = this.clock();
    const location = await this.locationOf(facts);
    const place = await this.placeOf(location);
    // Time zones come from the location; the tariff assignment's zone only when the EVSE is attached to none.
    const timeZone = place?.site.timeZone || chosen.timeZone;
    let composed: ComposedCdr;
    try {
      composed = composeCdr({
        cdrId,
        facts,
        tariff: chosen.tariff,
        timeZone,
        location,
        ...(place === undefined ? {} : { place }),
        issuedAt,
        ...(this.options.timelineOptions === undefined ? {} : { timelineOptions: this.options.timelineOptions }),
      });
    } catch (error) {
      if (error instanceof TariffError) return failure(CdrIssuingFailure.PRICING_FAILED, error.message, [chosen.tariff]);
      throw error;
    }
    const { cdr, totals, anomalies } = composed;
    const result = await this.record(streamId, {
      type: 'IssueCdr',
      issued: {
        cdrId,
        occurredAt: timestampFromDate(issuedAt),
        sessionId,
        chargerId: state.chargerId,
        partnerId: facts.partnerId,
        currency: cdr.currency,
        startDateTime: timestampFromDate(new Date(cdr.start_date_time)),
        endDateTime: timestampFromDate(new Date(cdr.end_date_time)),
        ...totalsMessage(totals),
        tariffs: cdr.tariffs.map((t) => refMessage(refOf(t))),
        cdrJson: JSON.stringify(cdr),
        anomalies: [...anomalies],
        timeZone,
      },
    });
    if (result.events.length === 0 && result.state.issued !== undefined) {
      return { outcome: 'already_issued', cdrId, cdr: JSON.parse(result.state.issued.cdrJson) as OcpiCdr };
    }
    return { outcome: 'issued', cdrId, cdr, ...(place === undefined ? { withoutLocation: true as const } : {}) };
  }

  /**
   * Recomputes an issued CDR from its session's events and the tariff versions it names, in the time zone it
   * was priced in, and compares field by field. The outcome is appended to the CDR's stream as CdrReplayed.
   */
  async replay(cdrId: string): Promise<ReplayResult> {
    const streamId = cdrStreamName(cdrId);
    const { state } = await this.repository.load(streamId, cdrDecider, cdrEventCodec);
    if (state.issued === undefined) throw new CdrNotIssuedError(cdrId, state.status);
    const issued = state.issued;
    const issuedCdr = JSON.parse(issued.cdrJson) as OcpiCdr;
    const refs = this.versionRefs(issuedCdr, issued.tariffs);
    const facts = sessionFactsOf(await this.events.readStream(sessionStreamName(issued.sessionId)));
    const replayedAt = this.clock();

    const versions = await Promise.all(refs.map((ref) => this.tariffs.version(ref.tariffId, ref.lastUpdated)));
    const missing = refs.filter((_, i) => versions[i] === undefined);
    let diffs: CdrFieldDiff[];
    let replayed: OcpiCdr | undefined;
    if (missing.length > 0) {
      diffs = refs.flatMap((ref, i) => (versions[i] === undefined ? [{ field: `tariffs[${i}]`, issued: describeRef(ref), replayed: 'version not found in the tariff book' }] : []));
    } else if (facts.state.status !== 'stopped' || facts.state.startedAt === undefined) {
      diffs = [{ field: 'session_id', issued: issued.sessionId, replayed: 'session stream has no start or stop' }];
    } else {
      const tariff = selectTariff(versions as Tariff[], { at: facts.state.startedAt }) ?? (versions[0] as Tariff);
      try {
        const composed = composeCdr({
          cdrId,
          facts,
          tariff,
          timeZone: issued.timeZone === '' ? 'UTC' : issued.timeZone,
          location: await this.locationOf(facts),
          issuedAt: issued.occurredAt === undefined ? new Date(issuedCdr.last_updated) : timestampDate(issued.occurredAt),
          ...(this.options.timelineOptions === undefined ? {} : { timelineOptions: this.options.timelineOptions }),
        }).cdr;
        // The replay checks the price; the location is an input taken as issued (its master data may have changed since).
        replayed = { ...composed, cdr_location: issuedCdr.cdr_location };
        diffs = diffCdr(issuedCdr, replayed);
      } catch (error) {
        if (!(error instanceof TariffError)) throw error;
        diffs = [{ field: 'total_cost', issued: JSON.stringify(issuedCdr.total_cost), replayed: `pricing failed: ${error.message}` }];
      }
    }

    const matches = diffs.length === 0;
    await this.record(streamId, {
      type: 'RecordReplay',
      replayed: {
        cdrId,
        occurredAt: timestampFromDate(replayedAt),
        sessionId: issued.sessionId,
        matches,
        diffs,
        tariffs: refs.map(refMessage),
        ...(replayed === undefined ? {} : { replayedTotalCost: priceMessage(replayed.total_cost) }),
      },
    });
    return {
      cdrId,
      sessionId: issued.sessionId,
      matches,
      diffs,
      tariffs: refs,
      replayedAt: replayedAt.toISOString(),
      ...(replayed === undefined ? {} : { replayed }),
    };
  }

  private record(streamId: string, command: CdrCommand) {
    return this.repository.handle(streamId, cdrDecider, cdrEventCodec, () => [command]);
  }

  /** The tariff that prices the session among those in force: valid at the start, of the session's type (REGULAR). */
  private choose(inForce: readonly TariffInForce[], at: Date): TariffInForce | undefined {
    const tariff = selectTariff(inForce.map((t) => t.tariff), { at });
    return inForce.find((t) => t.tariff === tariff);
  }

  /** The versions as the CDR names them: the tariff's own last_updated text, so the book finds it as stored. */
  private versionRefs(cdr: OcpiCdr, refs: readonly TariffRef[]): TariffVersionRef[] {
    return refs.map((ref) => {
      const embedded = cdr.tariffs?.find((t) => t.id === ref.tariffId);
      const lastUpdated = embedded?.last_updated ?? (ref.lastUpdated === undefined ? '' : formatOcpiDateTime(timestampDate(ref.lastUpdated).getTime()));
      return { tariffId: ref.tariffId, lastUpdated };
    });
  }

  /**
   * Where the session took place, as it was at its start: the OCPI location, EVSE and connector the partner
   * addressed in START_SESSION, else the charger's registered location (or its id) with an EVSE uid made of
   * the charger id and the EVSE (1.6: the connector), until the ocpi-connector fills in the OCPI location.
   */
  async locationOf(facts: SessionFacts): Promise<LocationFacts> {
    const { state } = facts;
    const evse = state.evseId > 0 ? state.evseId : state.connectorId;
    let location: LocationFacts = { locationId: '', evseUid: `${state.chargerId}-${evse}`, connectorId: String(state.connectorId) };
    if (state.commandId !== '') {
      const [requested] = await this.events.readStream(commandStreamName(state.commandId), { maxCount: 1 });
      if (requested?.type === 'CommandRequested') {
        const { payload } = decodeEventJson('CommandRequested', requested.data, { ignoreUnknownFields: true });
        if (payload.case === 'startSession') {
          const start = payload.value;
          location = {
            locationId: start.locationId,
            evseUid: start.evseUid === '' ? location.evseUid : start.evseUid,
            connectorId: start.ocpiConnectorId === '' ? location.connectorId : start.ocpiConnectorId,
          };
        }
      }
    }
    if (location.locationId === '') location = { ...location, locationId: (await this.registeredLocation(state.chargerId, facts.startPosition)) || state.chargerId };
    return location;
  }

  /** The EVSE's location master data, if the EVSE is attached to a location. */
  private async placeOf(location: LocationFacts): Promise<EvsePlace | undefined> {
    return this.options.locations?.place(location.evseUid);
  }

  private async registeredLocation(chargerId: string, before: number): Promise<string> {
    for (let fromRevision = 0; ; fromRevision += PAGE) {
      const page = await this.events.readStream(chargerStreamName(chargerId), { fromRevision, maxCount: PAGE });
      for (const recorded of page) {
        if (before >= 0 && recorded.position >= before) return '';
        if (recorded.type === 'ChargerRegistered') return decodeEventJson('ChargerRegistered', recorded.data, { ignoreUnknownFields: true }).locationId;
      }
      if (page.length < PAGE) return '';
    }
  }
}

function totalsMessage(totals: CdrTotals) {
  return {
    totalCost: priceMessage(totals.total_cost),
    totalFixedCost: priceMessage(totals.total_fixed_cost),
    totalEnergyKwh: String(totals.total_energy),
    totalEnergyCost: priceMessage(totals.total_energy_cost),
    totalTimeHours: String(totals.total_time),
    totalTimeCost: priceMessage(totals.total_time_cost),
    totalParkingTimeHours: String(totals.total_parking_time),
    totalParkingCost: priceMessage(totals.total_parking_cost),
    totalReservationCost: priceMessage(totals.total_reservation_cost),
  };
}
