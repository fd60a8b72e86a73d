import { AuthorizationSource, AuthorizationStatus, ChargingState, timestampMs, type EventMessage, type MeterSample } from '@roamgate/contracts';
import type { OcpiChargingPeriod, OcpiSession } from './session.dto';

export type SessionStreamEvent =
  | { readonly type: 'SessionStarted'; readonly data: EventMessage<'SessionStarted'> }
  | { readonly type: 'SessionAuthorized'; readonly data: EventMessage<'SessionAuthorized'> }
  | { readonly type: 'SessionMeterValuesRecorded'; readonly data: EventMessage<'SessionMeterValuesRecorded'> }
  | { readonly type: 'SessionChargingStateChanged'; readonly data: EventMessage<'SessionChargingStateChanged'> }
  | { readonly type: 'SessionStopped'; readonly data: EventMessage<'SessionStopped'> };

export const SESSION_EVENT_TYPES: ReadonlySet<string> = new Set(['SessionStarted', 'SessionAuthorized', 'SessionMeterValuesRecorded', 'SessionChargingStateChanged', 'SessionStopped']);

export interface Party {
  readonly countryCode: string;
  readonly partyId: string;
}

export interface SessionContext {
  /** Us: the CPO the Session object belongs to. */
  readonly cpo: Party;
  /** The eMSP whose token it is; the CPO's own party for a local token. */
  readonly tokenParty: Party;
  readonly place: { readonly locationId: string; readonly evseUid: string; readonly connectorId: string };
  readonly currency: string;
}

/** Partner ids are "<country_code>-<party_id>". */
export function partyOfPartnerId(partnerId: string): Party | undefined {
  const match = /^([A-Za-z]{2})-([A-Za-z0-9]{3})$/.exec(partnerId);
  return match ? { countryCode: match[1]!.toUpperCase(), partyId: match[2]!.toUpperCase() } : undefined;
}

/** DateTime as OCPI writes it: UTC, seconds, milliseconds only when there are some. */
export function ocpiDateTime(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

const ENERGY_REGISTER = 'Energy.Active.Import.Register';

/** The energy register in a sample, in Wh, when it has one (OCPP's default measurand is that register, in Wh). */
export function registerWh(sample: MeterSample): number | undefined {
  for (const value of sample.values) {
    if ((value.measurand || ENERGY_REGISTER) !== ENERGY_REGISTER || (value.phase && value.phase !== '')) continue;
    const number = Number(value.value);
    if (!Number.isFinite(number)) continue;
    return value.unit.toLowerCase() === 'kwh' ? number * 1000 : number;
  }
  return undefined;
}

function tokenType(type: string): OcpiSession['cdr_token']['type'] {
  switch (type.toUpperCase()) {
    case 'AD_HOC_USER':
      return 'AD_HOC_USER';
    case 'APP_USER':
    case 'CENTRAL':
    case 'EMAID':
      return 'APP_USER';
    case 'OTHER':
      return 'OTHER';
    default:
      return 'RFID';
  }
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));
const isCharging = (state: ChargingState): boolean => state === ChargingState.CHARGING;

/**
 * The OCPI Session a session stream describes so far (mod_sessions). kwh is the energy register since the
 * start; charging periods are cut where the EV starts or stops drawing power (ENERGY and TIME while charging,
 * PARKING_TIME otherwise) and only closed periods are listed, so that a PATCH, which appends periods, never
 * sends one twice. The session is priced by its CDR: no cost is carried here.
 */
export function sessionOf(events: readonly SessionStreamEvent[], context: SessionContext): OcpiSession | undefined {
  return foldedSessionOf(events, context)?.session;
}

/**
 * What a meter value needs to bring a session forward without the stream (see sessionWithMeterValues): the first
 * and latest energy readings by the charger's clock, the last charging boundary and the last update, in ms.
 */
export interface SessionFold {
  readonly first: { readonly at: number; readonly wh: number } | null;
  readonly latest: { readonly at: number; readonly wh: number } | null;
  readonly lastBoundaryAt: number;
  readonly lastUpdated: number;
  readonly stopped: boolean;
}

export interface FoldedSession {
  readonly session: OcpiSession;
  readonly fold: SessionFold;
}

/** sessionOf, with what sessionWithMeterValues needs to carry the session on from the next meter values. */
export function foldedSessionOf(events: readonly SessionStreamEvent[], context: SessionContext): FoldedSession | undefined {
  const started = events.find((e) => e.type === 'SessionStarted')?.data as EventMessage<'SessionStarted'> | undefined;
  if (!started || !started.occurredAt) return undefined;
  const startMs = timestampMs(started.occurredAt);
  const readings: { at: number; wh: number }[] = [];
  const meterStart = Number(started.meterStartWh);
  if (Number.isFinite(meterStart) && started.meterStartWh !== '') readings.push({ at: startMs, wh: meterStart });
  const boundaries: { at: number; charging: boolean }[] = [{ at: startMs, charging: true }];
  let lastUpdated = startMs;
  let stopped: EventMessage<'SessionStopped'> | undefined;
  let authMethod: OcpiSession['auth_method'] = started.commandId ? 'COMMAND' : 'WHITELIST';
  let authorizationReference = started.authorizationReference;
  const addSamples = (samples: readonly MeterSample[]) => {
    for (const sample of samples) {
      const wh = registerWh(sample);
      if (wh !== undefined && sample.timestamp) readings.push({ at: timestampMs(sample.timestamp), wh });
    }
  };
  for (const event of events) {
    const at = event.data.occurredAt ? timestampMs(event.data.occurredAt) : lastUpdated;
    switch (event.type) {
      case 'SessionAuthorized':
        if (event.data.status === AuthorizationStatus.ACCEPTED && event.data.source === AuthorizationSource.REAL_TIME && !started.commandId) authMethod = 'AUTH_REQUEST';
        if (!authorizationReference && event.data.authorizationReference) authorizationReference = event.data.authorizationReference;
        break;
      case 'SessionMeterValuesRecorded':
        addSamples(event.data.samples);
        break;
      case 'SessionChargingStateChanged': {
        const charging = isCharging(event.data.chargingState);
        if (boundaries[boundaries.length - 1]!.charging !== charging && at >= boundaries[boundaries.length - 1]!.at) {
          if (at === boundaries[boundaries.length - 1]!.at) boundaries[boundaries.length - 1] = { at, charging };
          else boundaries.push({ at, charging });
        }
        break;
      }
      case 'SessionStopped':
        stopped = event.data;
        addSamples(event.data.transactionData);
        if (event.data.meterStopWh !== '' && Number.isFinite(Number(event.data.meterStopWh))) readings.push({ at, wh: Number(event.data.meterStopWh) });
        break;
    }
    if (event.type !== 'SessionStarted') lastUpdated = Math.max(lastUpdated, at);
  }
  readings.sort((a, b) => a.at - b.at);
  const whAt = (at: number): number | undefined => {
    let found: number | undefined;
    for (const reading of readings) if (reading.at <= at) found = reading.wh;
    return found;
  };
  const first = readings[0]?.wh;
  const latest = readings[readings.length - 1]?.wh;
  const kwh = first === undefined || latest === undefined ? 0 : round(Math.max(0, latest - first) / 1000, 3);

  const endMs = stopped?.occurredAt ? timestampMs(stopped.occurredAt) : undefined;
  const periods: OcpiChargingPeriod[] = [];
  for (let i = 0; i < boundaries.length; i++) {
    const from = boundaries[i]!;
    const to = boundaries[i + 1]?.at ?? endMs;
    if (to === undefined || to <= from.at) continue;
    const hours = round((to - from.at) / 3_600_000, 6);
    if (from.charging) {
      const a = whAt(from.at) ?? first ?? 0;
      const b = whAt(to) ?? a;
      periods.push({ start_date_time: ocpiDateTime(from.at), dimensions: [{ type: 'ENERGY', volume: round(Math.max(0, b - a) / 1000, 3) }, { type: 'TIME', volume: hours }] });
    } else {
      periods.push({ start_date_time: ocpiDateTime(from.at), dimensions: [{ type: 'PARKING_TIME', volume: hours }] });
    }
  }

  const session: OcpiSession = {
    country_code: context.cpo.countryCode,
    party_id: context.cpo.partyId,
    id: started.sessionId,
    start_date_time: ocpiDateTime(startMs),
    ...(endMs === undefined ? {} : { end_date_time: ocpiDateTime(endMs) }),
    kwh,
    cdr_token: {
      country_code: context.tokenParty.countryCode,
      party_id: context.tokenParty.partyId,
      uid: started.idToken?.id ?? '',
      type: tokenType(started.idToken?.type ?? ''),
      contract_id: started.idToken?.id ?? '',
    },
    auth_method: authMethod,
    ...(authorizationReference ? { authorization_reference: authorizationReference } : {}),
    location_id: context.place.locationId,
    evse_uid: context.place.evseUid,
    connector_id: context.place.connectorId,
    currency: context.currency,
    charging_periods: periods,
    status: stopped ? 'COMPLETED' : 'ACTIVE',
    last_updated: ocpiDateTime(lastUpdated),
  };
  const fold: SessionFold = {
    first: readings[0] ?? null,
    latest: readings[readings.length - 1] ?? null,
    lastBoundaryAt: boundaries[boundaries.length - 1]!.at,
    lastUpdated,
    stopped: stopped !== undefined,
  };
  return { session, fold };
}

/**
 * The session after one more SessionMeterValuesRecorded, folded from the last result instead of the whole stream,
 * equal to what foldedSessionOf gives for the stream with the event appended; undefined when that cannot be told
 * from the fold (the session stopped, or a reading is not later than the latest reading and the last charging
 * boundary: it came out of order and may change a period), and the stream must be folded again.
 */
export function sessionWithMeterValues(folded: FoldedSession, data: EventMessage<'SessionMeterValuesRecorded'>): FoldedSession | undefined {
  const { session, fold } = folded;
  if (fold.stopped) return undefined;
  let { first, latest } = fold;
  for (const sample of data.samples) {
    const wh = registerWh(sample);
    if (wh === undefined || !sample.timestamp) continue;
    const at = timestampMs(sample.timestamp);
    if (at <= fold.lastBoundaryAt || (latest !== null && at < latest.at)) return undefined;
    latest = { at, wh };
    first ??= latest;
  }
  const lastUpdated = data.occurredAt ? Math.max(fold.lastUpdated, timestampMs(data.occurredAt)) : fold.lastUpdated;
  const kwh = first === null || latest === null ? 0 : round(Math.max(0, latest.wh - first.wh) / 1000, 3);
  return { session: { ...session, kwh, last_updated: ocpiDateTime(lastUpdated) }, fold: { ...fold, first, latest, lastUpdated } };
}

/** The PATCH bringing a receiver that holds `periodsSent` periods up to `session` (mod_sessions: periods are appended). */
export function sessionPatchOf(session: OcpiSession, periodsSent: number): Record<string, unknown> {
  const fresh = session.charging_periods.slice(periodsSent);
  return {
    kwh: session.kwh,
    ...(fresh.length > 0 ? { charging_periods: fresh } : {}),
    status: session.status,
    ...(session.end_date_time ? { end_date_time: session.end_date_time } : {}),
    last_updated: session.last_updated,
  };
}
