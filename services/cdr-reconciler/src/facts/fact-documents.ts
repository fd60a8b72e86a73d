import { timestampDate, type EventMessage, type Timestamp } from '@roamgate/contracts';
import type { CollectionSpec } from '@roamgate/read-models';
import Decimal from 'decimal.js';

/** The reconciler's own copies of other services' facts, kept from the bus (each service owns its read models). */
export const CDR_FACTS = 'recon_cdr_facts';
export const SESSION_FACTS = 'recon_session_facts';
export const CHARGER_FACTS = 'recon_charger_facts';
/** Per location: the EVSE uids ever attached to it (a detached EVSE stays ours for the CDRs of its past). */
export const LOCATION_FACTS = 'recon_location_facts';
/** Per authorization reference: a token authorization the eMSP granted in real time. */
export const AUTHORIZATION_FACTS = 'recon_authorization_facts';
/** Per OCPI push outbox entry: the session or CDR push, and whether the partner acknowledged it. */
export const PUSH_FACTS = 'recon_push_facts';

export const FACT_COLLECTIONS: readonly CollectionSpec[] = [
  { name: CDR_FACTS, indexes: ['partnerId', 'sessionId', 'start', 'issued'] },
  { name: SESSION_FACTS, indexes: ['chargerId', 'partnerId'] },
  { name: CHARGER_FACTS, indexes: [] },
  { name: LOCATION_FACTS, indexes: [] },
  { name: AUTHORIZATION_FACTS, indexes: ['partnerId'] },
  { name: PUSH_FACTS, indexes: ['sessionId', 'module'] },
];

export interface LocationFacts {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly evseUids: readonly string[];
}

export interface AuthorizationFacts {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly partnerId: string;
  readonly allowed: string;
  readonly locationId: string | null;
  readonly evseUids: readonly string[];
  readonly decidedAt: string | null;
}

export interface PushFacts {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly partnerId: string;
  readonly module: string;
  readonly objectId: string;
  readonly sessionId: string | null;
  readonly delivered: boolean;
  readonly failedAttempts: number;
  readonly lastHttpStatus: number | null;
  readonly lastOcpiStatus: number | null;
  readonly lastError: string | null;
}

export type DeliveryStatus = 'ACKNOWLEDGED' | 'FAILED' | 'PENDING';

export interface CdrFacts {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly issued: boolean;
  readonly sessionId: string;
  readonly chargerId: string;
  readonly partnerId: string;
  readonly authorizationReference: string | null;
  readonly evseUid: string | null;
  readonly tokenUid: string | null;
  readonly start: string | null;
  readonly end: string | null;
  readonly kwh: string | null;
  readonly amountExclVat: string | null;
  readonly amountInclVat: string | null;
  readonly currency: string | null;
  readonly tariff: { readonly id: string; readonly version: string | null } | null;
  readonly anomalies: readonly string[];
  readonly delivery: DeliveryStatus;
  readonly deliveryAttempts: number;
  readonly deliveryError: string | null;
  readonly deliveryHttpStatus: number | null;
  readonly deliveryOcpiStatus: number | null;
  readonly replay: { readonly matches: boolean; readonly diffs: readonly { readonly field: string; readonly issued: string; readonly replayed: string }[] } | null;
}

export interface SessionFacts {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly chargerId: string;
  readonly partnerId: string | null;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
  readonly meterStartWh: string | null;
  readonly meterStopWh: string | null;
  readonly stopped: boolean;
  readonly maxPowerW: string | null;
  /** Charger clock minus our receipt clock, seconds: the largest deviation over frames not queued offline. */
  readonly clockSkewS: number | null;
  readonly anomalies: readonly string[];
}

export interface ChargerFacts {
  readonly [field: string]: unknown;
  readonly id: string;
  /** Registered through the operations API (ChargerRegistered); EVSE uids `<charger id>-<evse>` are ours. */
  readonly registered?: boolean;
  readonly locationId?: string | null;
  readonly vendor: string | null;
  readonly model: string | null;
  readonly firmware: string | null;
}

const iso = (t: Timestamp | undefined): string | null => (t === undefined ? null : timestampDate(t).toISOString());
/** `a` itself when `b` adds nothing to it (most events add no anomaly). */
const union = (a: readonly string[], b: readonly string[]): readonly string[] => (b.every((x) => a.includes(x)) ? a : [...new Set([...a, ...b])]);
const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

export function emptyCdrFacts(id: string): CdrFacts {
  return {
    id,
    issued: false,
    sessionId: '',
    chargerId: '',
    partnerId: '',
    authorizationReference: null,
    evseUid: null,
    tokenUid: null,
    start: null,
    end: null,
    kwh: null,
    amountExclVat: null,
    amountInclVat: null,
    currency: null,
    tariff: null,
    anomalies: [],
    delivery: 'PENDING',
    deliveryAttempts: 0,
    deliveryError: null,
    deliveryHttpStatus: null,
    deliveryOcpiStatus: null,
    replay: null,
  };
}

export function issuedFacts(doc: CdrFacts, e: EventMessage<'CdrIssued'>): CdrFacts {
  let ocpi: Record<string, unknown> = {};
  try {
    ocpi = JSON.parse(e.cdrJson) as Record<string, unknown>;
  } catch {
    ocpi = {};
  }
  const location = (ocpi['cdr_location'] ?? {}) as Record<string, unknown>;
  const token = (ocpi['cdr_token'] ?? {}) as Record<string, unknown>;
  const tariff = e.tariffs[0];
  return {
    ...doc,
    issued: true,
    sessionId: e.sessionId,
    chargerId: e.chargerId,
    partnerId: e.partnerId,
    authorizationReference: text(ocpi['authorization_reference']),
    evseUid: text(location['evse_uid']),
    tokenUid: text(token['uid']),
    start: iso(e.startDateTime),
    end: iso(e.endDateTime),
    kwh: e.totalEnergyKwh || null,
    amountExclVat: e.totalCost?.exclVat ?? null,
    amountInclVat: e.totalCost?.inclVat ?? null,
    currency: e.currency || null,
    tariff: tariff === undefined ? null : { id: tariff.tariffId, version: iso(tariff.lastUpdated) },
    anomalies: union(doc.anomalies, e.anomalies),
  };
}

export function emptySessionFacts(id: string): SessionFacts {
  return {
    id,
    chargerId: '',
    partnerId: null,
    startedAt: null,
    stoppedAt: null,
    meterStartWh: null,
    meterStopWh: null,
    stopped: false,
    maxPowerW: null,
    clockSkewS: null,
    anomalies: [],
  };
}

type SessionEventMessage =
  | { type: 'SessionStarted'; data: EventMessage<'SessionStarted'> }
  | { type: 'SessionMeterValuesRecorded'; data: EventMessage<'SessionMeterValuesRecorded'> }
  | { type: 'SessionStopped'; data: EventMessage<'SessionStopped'> };

/** Charger clock minus ours, seconds; the largest deviation seen is kept with its sign. */
function skewOf(doc: SessionFacts, occurred: Timestamp | undefined, received: Timestamp | undefined, offline: boolean): number | null {
  if (offline || occurred === undefined || received === undefined) return doc.clockSkewS;
  const skew = Math.round((timestampDate(occurred).getTime() - timestampDate(received).getTime()) / 1000);
  return doc.clockSkewS === null || Math.abs(skew) > Math.abs(doc.clockSkewS) ? skew : doc.clockSkewS;
}

function larger(a: string | null, b: Decimal): string {
  return a === null || b.greaterThan(a) ? b.toString() : a;
}

/** The session facts the ownership rules need: meter start/stop, whether it stopped, peak power, clock skew, anomalies. */
export function projectSessionFacts(doc: SessionFacts, event: SessionEventMessage): SessionFacts {
  switch (event.type) {
    case 'SessionStarted': {
      const e = event.data;
      return {
        ...doc,
        chargerId: e.chargerId,
        partnerId: e.partnerId || null,
        startedAt: iso(e.occurredAt),
        meterStartWh: e.meterStartWh || null,
        clockSkewS: skewOf(doc, e.occurredAt, e.receivedAt, e.offline),
        anomalies: union(doc.anomalies, e.anomalies),
      };
    }
    case 'SessionMeterValuesRecorded': {
      // Only the peak power, the clock skew and the anomalies: each can only grow, so a reading that changes none of
      // them leaves the document as it is (the same object), and the projector writes nothing for it.
      const e = event.data;
      let { maxPowerW } = doc;
      for (const sample of e.samples) {
        for (const value of sample.values) {
          // Energy, voltage, current, SoC and the like are not facts here: not parsed.
          if (value.measurand !== 'Power.Active.Import') continue;
          let scaled: Decimal;
          try {
            scaled = new Decimal(value.value).times(value.unit === 'kW' ? 1000 : 1);
          } catch {
            continue;
          }
          maxPowerW = larger(maxPowerW, scaled);
        }
      }
      const chargerId = doc.chargerId || e.chargerId;
      const clockSkewS = skewOf(doc, e.occurredAt, e.receivedAt, e.offline);
      const anomalies = union(doc.anomalies, e.anomalies);
      if (chargerId === doc.chargerId && maxPowerW === doc.maxPowerW && clockSkewS === doc.clockSkewS && anomalies === doc.anomalies) return doc;
      return { ...doc, chargerId, maxPowerW, clockSkewS, anomalies };
    }
    case 'SessionStopped': {
      const e = event.data;
      return {
        ...doc,
        chargerId: doc.chargerId || e.chargerId,
        stopped: true,
        stoppedAt: iso(e.occurredAt),
        meterStopWh: e.meterStopWh || null,
        clockSkewS: skewOf(doc, e.occurredAt, e.receivedAt, e.offline),
        anomalies: union(doc.anomalies, e.anomalies),
      };
    }
  }
}

export function emptyPushFacts(id: string): PushFacts {
  return { id, partnerId: '', module: '', objectId: '', sessionId: null, delivered: false, failedAttempts: 0, lastHttpStatus: null, lastOcpiStatus: null, lastError: null };
}

type PushEventMessage =
  | { type: 'OcpiPushQueued'; data: EventMessage<'OcpiPushQueued'> }
  | { type: 'OcpiPushAttemptFailed'; data: EventMessage<'OcpiPushAttemptFailed'> }
  | { type: 'OcpiPushDelivered'; data: EventMessage<'OcpiPushDelivered'> }
  | { type: 'OcpiPushRetryRequested'; data: EventMessage<'OcpiPushRetryRequested'> };

/** One outbox entry: what it pushes (module, object, session) and whether the partner acknowledged it. */
export function projectPushFacts(doc: PushFacts, event: PushEventMessage): PushFacts {
  switch (event.type) {
    case 'OcpiPushQueued': {
      const e = event.data;
      return { ...doc, partnerId: e.partnerId, module: e.module, objectId: e.objectId, sessionId: text(e.sessionId) ?? (e.module === 'sessions' ? text(e.objectId) : null) };
    }
    case 'OcpiPushAttemptFailed': {
      const e = event.data;
      if (doc.delivered) return doc;
      return { ...doc, failedAttempts: doc.failedAttempts + 1, lastHttpStatus: e.httpStatus || null, lastOcpiStatus: e.ocpiStatusCode || null, lastError: text(e.error) };
    }
    case 'OcpiPushDelivered':
      return { ...doc, delivered: true };
    case 'OcpiPushRetryRequested':
      return doc;
  }
}

/** The session pushes of one session, summed: acknowledged, failed attempts and how the last failure failed. */
export function sessionPushesOf(pushes: readonly PushFacts[]): { acknowledged: number; failedAttempts: number; lastFailure?: 'TRANSPORT' | 'HTTP' | 'OCPI'; lastHttpStatus?: number } | undefined {
  const sessions = pushes.filter((p) => p.module === 'sessions');
  if (sessions.length === 0) return undefined;
  let acknowledged = 0;
  let failedAttempts = 0;
  let last: PushFacts | undefined;
  for (const push of sessions) {
    if (push.delivered) acknowledged += 1;
    failedAttempts += push.failedAttempts;
    if (push.failedAttempts > 0) last = push;
  }
  if (last === undefined) return { acknowledged, failedAttempts };
  const http = last.lastHttpStatus ?? 0;
  return { acknowledged, failedAttempts, lastFailure: http === 0 ? 'TRANSPORT' : http >= 400 ? 'HTTP' : 'OCPI', ...(http ? { lastHttpStatus: http } : {}) };
}
