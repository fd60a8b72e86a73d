import { AuthorizationSource, AuthorizationStatus, ChargingState, domainEvent, OcppVersion, type DomainEvent } from '@roamgate/contracts';
import { AppendOnlySet } from '../shared/append-only.js';
import { DigestSet } from '../shared/digest-set.js';
import type { Decider } from '../shared/decider.js';
import { compareDecimals, isDecimal, normalizeDecimal } from '../shared/decimal.js';
import { ChargingDomainError } from '../shared/errors.js';
import { requireDate, timestamp } from '../shared/time.js';
import { byTimestamp, energyRegisterWh, meterSampleInit, readingKey, readingOf, type MeterReading } from './meter.js';

export const sessionStreamName = (sessionId: string): string => `session-${sessionId}`;

/**
 * Facts about a session that point at the charger rather than at Roamgate or the partner. They are
 * recorded on the events, never a reason to refuse what the charger reported.
 */
export const SessionAnomaly = {
  /** A charger timestamp ahead of Roamgate's clock by more than the tolerance. */
  ClockSkew: 'CLOCK_SKEW',
  MeterStopBelowMeterStart: 'METER_STOP_BELOW_METER_START',
  StoppedBeforeStarted: 'STOPPED_BEFORE_STARTED',
  /** Part of a MeterValues was timestamped after the session stopped and was left out. */
  SamplesAfterStopDropped: 'SAMPLES_AFTER_STOP_DROPPED',
  /**
   * The charger started another transaction on the same connector (1.6) or EVSE (2.0.1) without stopping this one:
   * Roamgate closed it at its last reading (see CloseSupersededSession).
   */
  StopMissing: 'STOP_MISSING',
} as const;
export type SessionAnomaly = (typeof SessionAnomaly)[keyof typeof SessionAnomaly];

export const DEFAULT_CLOCK_SKEW_TOLERANCE_MS = 5 * 60_000;

export interface SessionIdToken {
  readonly id: string;
  /** OCPP 2.0.1 IdTokenEnumType or OCPI TokenType; empty for OCPP 1.6. */
  readonly type?: string;
}

type ChargerTimed = {
  /** The charger's timestamp of the fact. */
  timestamp: Date;
  /** Roamgate's clock when the message arrived. */
  now: Date;
  clockSkewToleranceMs?: number;
  /** Delivered from the charger's offline queue (2.0.1 offline flag, or a 1.6 message replayed after reconnect). */
  offline?: boolean;
  /** OCPP 2.0.1 TransactionEvent seqNo. */
  seqNo?: number;
};

export type StartSession = Readonly<
  ChargerTimed & {
    type: 'StartSession';
    sessionId: string;
    chargerId: string;
    protocol: OcppVersion;
    evseId?: number;
    connectorId: number;
    /** 1.6: the integer Roamgate allocated, in decimal; 2.0.1: the charger's transactionId. */
    transactionId: string;
    idToken?: SessionIdToken;
    /** Decimal Wh; empty or absent when the charger did not say (2.0.1 without a Transaction.Begin reading). */
    meterStartWh?: string;
    reservationId?: string;
    commandId?: string;
    partnerId?: string;
    authorizationReference?: string;
  }
>;

export type RecordAuthorization = Readonly<{
  type: 'RecordAuthorization';
  sessionId: string;
  idToken: SessionIdToken;
  status: AuthorizationStatus;
  source: AuthorizationSource;
  partnerId?: string;
  authorizationReference?: string;
  now: Date;
}>;

export type RecordMeterValues = Readonly<
  Omit<ChargerTimed, 'timestamp'> & {
    type: 'RecordMeterValues';
    sessionId: string;
    samples: readonly MeterReading[];
  }
>;

export type RecordChargingState = Readonly<
  ChargerTimed & {
    type: 'RecordChargingState';
    sessionId: string;
    chargingState: ChargingState;
  }
>;

export type StopSession = Readonly<
  ChargerTimed & {
    type: 'StopSession';
    sessionId: string;
    /** Decimal Wh; when absent, the latest energy register of the transaction data and recorded samples. */
    meterStopWh?: string;
    /** OCPP stop reason as sent; empty means "Local". */
    reason?: string;
    idToken?: SessionIdToken;
    commandId?: string;
    transactionData?: readonly MeterReading[];
  }
>;

/**
 * A connector (1.6) or EVSE (2.0.1) holds one transaction at a time, and chargers deliver transaction messages in the
 * order they were generated (OCPP 1.6 §4.7, 2.0.1 E04): a newer transaction started where this session is still open
 * means the charger lost this one (a reboot that dropped it, say) and its stop will never come. Without a close the
 * session stays ACTIVE forever, at the partner too, and is never billed.
 */
export type CloseSupersededSession = Readonly<{
  type: 'CloseSupersededSession';
  sessionId: string;
  /** The newer session: where and when (the charger's timestamp) it started. */
  supersededBy: { readonly sessionId: string; readonly evseId: number; readonly connectorId: number; readonly startedAt: Date };
  now: Date;
}>;

/** The reason of a SessionStopped Roamgate decided rather than the charger reported (OCPP 1.6 Reason, 2.0.1 ReasonEnumType). */
export const SUPERSEDED_STOP_REASON = 'Other';

export type SessionCommand = StartSession | RecordAuthorization | RecordMeterValues | RecordChargingState | StopSession | CloseSupersededSession;

export type SessionStreamEvent = DomainEvent<
  'SessionStarted' | 'SessionAuthorized' | 'SessionMeterValuesRecorded' | 'SessionChargingStateChanged' | 'SessionStopped'
>;

export interface ChargingPeriod {
  readonly at: Date;
  readonly state: ChargingState;
}

export interface SessionState {
  readonly status: 'none' | 'active' | 'stopped';
  readonly sessionId: string;
  readonly chargerId: string;
  readonly protocol: OcppVersion;
  readonly evseId: number;
  readonly connectorId: number;
  readonly transactionId: string;
  readonly dedupKey: string;
  readonly idToken: SessionIdToken | undefined;
  readonly authorization: AuthorizationStatus;
  readonly meterStartWh: string;
  readonly startedAt: Date | undefined;
  readonly commandId: string;
  /**
   * The energy register of the latest reading by the charger's clock (a tie goes to the one that came later), and of
   * the latest Transaction.End reading: what a stop without a meter value falls back on. The readings themselves are
   * not kept (a session of hours has thousands); `sessionReadings` gathers them from the events.
   */
  readonly lastRegister: RegisterReading | undefined;
  readonly lastEndRegister: RegisterReading | undefined;
  readonly sampleKeys: DigestSet;
  readonly meterSeqNos: AppendOnlySet<number>;
  readonly chargingSeqNos: AppendOnlySet<number>;
  /** Charging-state changes ordered by the charger's timestamps: the charging/parking timeline. */
  readonly chargingStates: readonly ChargingPeriod[];
  readonly stoppedAt: Date | undefined;
  readonly meterStopWh: string;
  readonly stopReason: string;
  readonly anomalies: readonly string[];
}

export interface RegisterReading {
  /** Epoch ms, by the charger's clock. */
  readonly at: number;
  /** Decimal Wh. */
  readonly wh: string;
}

/**
 * Every reading of a session's events (meter values, and the transaction data of its stop), each once however often it
 * was delivered, ordered by the charger's timestamps whatever order they arrived in.
 */
export function sessionReadings(events: readonly SessionStreamEvent[]): MeterReading[] {
  const keys = new Set<string>();
  const readings: MeterReading[] = [];
  for (const event of events) {
    const samples = event.type === 'SessionMeterValuesRecorded' ? event.data.samples : event.type === 'SessionStopped' ? event.data.transactionData : [];
    for (const reading of samples.map(readingOf)) {
      const key = readingKey(reading);
      if (keys.has(key)) continue;
      keys.add(key);
      readings.push(reading);
    }
  }
  return readings.sort(byTimestamp);
}

/** `latest` after `readings` (in arrival order): the register of the latest of them by timestamp, a tie to the later. */
function latestRegister(latest: RegisterReading | undefined, readings: readonly MeterReading[], context?: string): RegisterReading | undefined {
  for (const reading of readings) {
    const wh = energyRegisterWh(reading, context);
    const at = reading.timestamp.getTime();
    if (wh !== undefined && (latest === undefined || at >= latest.at)) latest = { at, wh };
  }
  return latest;
}

export function initialSessionState(): SessionState {
  return {
    status: 'none',
    sessionId: '',
    chargerId: '',
    protocol: OcppVersion.OCPP_VERSION_UNSPECIFIED,
    evseId: 0,
    connectorId: 0,
    transactionId: '',
    dedupKey: '',
    idToken: undefined,
    authorization: AuthorizationStatus.UNSPECIFIED,
    meterStartWh: '',
    startedAt: undefined,
    commandId: '',
    lastRegister: undefined,
    lastEndRegister: undefined,
    sampleKeys: DigestSet.empty(),
    meterSeqNos: AppendOnlySet.empty(),
    chargingSeqNos: AppendOnlySet.empty(),
    chargingStates: [],
    stoppedAt: undefined,
    meterStopWh: '',
    stopReason: '',
    anomalies: [],
  };
}

/** What identifies a transaction start across redeliveries, for the caller's (charger, key) -> session index. */
export interface TransactionStartIdentity {
  readonly protocol: OcppVersion;
  readonly chargerId: string;
  readonly connectorId: number;
  readonly idTag: string;
  readonly meterStartWh: string;
  readonly timestamp: Date;
  readonly transactionId: string;
}

/**
 * 1.6 StartTransaction carries no id of its own (the CSMS allocates transactionId), so a repeat after a
 * reconnect is recognised by connector, idTag, meterStart and timestamp. 2.0.1 transactions carry the
 * charger's transactionId.
 */
export function sessionDedupKey(start: TransactionStartIdentity): string {
  if (start.protocol === OcppVersion.OCPP_VERSION_2_0_1) return `ocpp2.0.1|${start.chargerId}|${start.transactionId}`;
  const meterStart = isDecimal(start.meterStartWh) ? normalizeDecimal(start.meterStartWh) : start.meterStartWh;
  return ['ocpp1.6', start.chargerId, start.connectorId, start.idTag, meterStart, start.timestamp.toISOString()].join('|');
}

function dedupKeyOfStart(command: StartSession): string {
  return sessionDedupKey({
    protocol: command.protocol,
    chargerId: command.chargerId,
    connectorId: command.connectorId,
    idTag: command.idToken?.id ?? '',
    meterStartWh: command.meterStartWh ?? '',
    timestamp: command.timestamp,
    transactionId: command.transactionId,
  });
}

export function dedupKeyOfSessionStarted(event: DomainEvent<'SessionStarted'>): string {
  const { data } = event;
  return sessionDedupKey({
    protocol: data.protocol,
    chargerId: data.chargerId,
    connectorId: data.connectorId,
    idTag: data.idToken?.id ?? '',
    meterStartWh: data.meterStartWh,
    timestamp: requireDate(data.occurredAt),
    transactionId: data.transactionId,
  });
}

/** Whether the start is a redelivery of the session's own start (answer it with the same transaction). */
export function isRepeatedStart(state: SessionState, command: StartSession): boolean {
  return state.status !== 'none' && state.dedupKey === dedupKeyOfStart(command);
}

export function decideSession(command: SessionCommand, state: SessionState): readonly SessionStreamEvent[] {
  if (command.type === 'StartSession') return startSession(command, state);
  if (state.status === 'none') {
    throw new ChargingDomainError('SESSION_NOT_STARTED', `session ${command.sessionId} has not started`);
  }
  switch (command.type) {
    case 'RecordAuthorization':
      return recordAuthorization(command, state);
    case 'RecordMeterValues':
      return recordMeterValues(command, state);
    case 'RecordChargingState':
      return recordChargingState(command, state);
    case 'StopSession':
      return stopSession(command, state);
    case 'CloseSupersededSession':
      return closeSupersededSession(command, state);
  }
}

function isAhead(at: Date, command: { now: Date; clockSkewToleranceMs?: number }): boolean {
  return at.getTime() - command.now.getTime() > (command.clockSkewToleranceMs ?? DEFAULT_CLOCK_SKEW_TOLERANCE_MS);
}

function seqNoField(seqNo: number | undefined): { seqNo?: number } {
  return seqNo === undefined ? {} : { seqNo };
}

function idTokenInit(idToken: SessionIdToken | undefined) {
  return idToken === undefined ? undefined : { id: idToken.id, type: idToken.type ?? '' };
}

function startSession(command: StartSession, state: SessionState): readonly SessionStreamEvent[] {
  if (state.status !== 'none') {
    if (isRepeatedStart(state, command)) return [];
    throw new ChargingDomainError('SESSION_ALREADY_STARTED', `session ${command.sessionId} already started with another transaction`);
  }
  const anomalies: SessionAnomaly[] = isAhead(command.timestamp, command) ? [SessionAnomaly.ClockSkew] : [];
  return [
    domainEvent('SessionStarted', {
      sessionId: command.sessionId,
      occurredAt: timestamp(command.timestamp),
      receivedAt: timestamp(command.now),
      chargerId: command.chargerId,
      protocol: command.protocol,
      evseId: command.evseId ?? 0,
      connectorId: command.connectorId,
      transactionId: command.transactionId,
      idToken: idTokenInit(command.idToken),
      meterStartWh: command.meterStartWh === undefined || command.meterStartWh === '' ? '' : normalizeDecimal(command.meterStartWh),
      reservationId: command.reservationId ?? '',
      commandId: command.commandId ?? '',
      partnerId: command.partnerId ?? '',
      authorizationReference: command.authorizationReference ?? '',
      offline: command.offline ?? false,
      ...seqNoField(command.seqNo),
      anomalies,
    }),
  ];
}

function recordAuthorization(command: RecordAuthorization, state: SessionState): readonly SessionStreamEvent[] {
  if (state.authorization === command.status && state.idToken?.id === command.idToken.id) return [];
  return [
    domainEvent('SessionAuthorized', {
      sessionId: command.sessionId,
      occurredAt: timestamp(command.now),
      chargerId: state.chargerId,
      idToken: idTokenInit(command.idToken),
      status: command.status,
      source: command.source,
      partnerId: command.partnerId ?? '',
      authorizationReference: command.authorizationReference ?? '',
    }),
  ];
}

/**
 * Redelivered readings (same seqNo, or same instant and values) are dropped. Readings from the offline queue are
 * welcome even after the stop, as long as they were taken before it; readings taken after the stop are refused.
 */
function recordMeterValues(command: RecordMeterValues, state: SessionState): readonly SessionStreamEvent[] {
  if (command.seqNo !== undefined && state.meterSeqNos.has(command.seqNo)) return [];
  const seen = new Set<string>();
  const fresh = command.samples.filter((reading) => {
    const key = readingKey(reading);
    if (seen.has(key) || state.sampleKeys.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (fresh.length === 0) return [];

  const anomalies: SessionAnomaly[] = [];
  let samples = fresh;
  if (state.stoppedAt !== undefined) {
    const stoppedAt = state.stoppedAt.getTime();
    samples = fresh.filter((reading) => reading.timestamp.getTime() <= stoppedAt);
    if (samples.length === 0) {
      throw new ChargingDomainError(
        'METER_VALUES_AFTER_STOP',
        `session ${command.sessionId} stopped at ${state.stoppedAt.toISOString()}; meter values taken after it are refused`,
      );
    }
    if (samples.length < fresh.length) anomalies.push(SessionAnomaly.SamplesAfterStopDropped);
  }
  samples = [...samples].sort(byTimestamp);
  if (samples.some((reading) => isAhead(reading.timestamp, command))) anomalies.unshift(SessionAnomaly.ClockSkew);
  const latest = samples[samples.length - 1]!;
  return [
    domainEvent('SessionMeterValuesRecorded', {
      sessionId: command.sessionId,
      occurredAt: timestamp(latest.timestamp),
      receivedAt: timestamp(command.now),
      chargerId: state.chargerId,
      transactionId: state.transactionId,
      evseId: state.evseId,
      connectorId: state.connectorId,
      samples: samples.map(meterSampleInit),
      offline: command.offline ?? false,
      ...seqNoField(command.seqNo),
      anomalies,
    }),
  ];
}

export function chargingStateAt(state: SessionState, at: Date): ChargingState {
  let current: ChargingState = ChargingState.UNSPECIFIED;
  for (const period of state.chargingStates) {
    if (period.at.getTime() > at.getTime()) break;
    current = period.state;
  }
  return current;
}

/**
 * A change that arrives late is still placed at the charger's timestamp, so the charging/parking timeline
 * comes out right whatever the delivery order. After the stop, the EV's state no longer concerns the session.
 */
function recordChargingState(command: RecordChargingState, state: SessionState): readonly SessionStreamEvent[] {
  if (command.seqNo !== undefined && state.chargingSeqNos.has(command.seqNo)) return [];
  if (state.stoppedAt !== undefined && command.timestamp.getTime() > state.stoppedAt.getTime()) return [];
  if (chargingStateAt(state, command.timestamp) === command.chargingState) return [];
  return [
    domainEvent('SessionChargingStateChanged', {
      sessionId: command.sessionId,
      occurredAt: timestamp(command.timestamp),
      receivedAt: timestamp(command.now),
      chargerId: state.chargerId,
      chargingState: command.chargingState,
      offline: command.offline ?? false,
      ...seqNoField(command.seqNo),
      anomalies: isAhead(command.timestamp, command) ? [SessionAnomaly.ClockSkew] : [],
    }),
  ];
}

/** The first stop wins: a repeated StopTransaction (no CALLRESULT reached the charger) changes nothing. */
function stopSession(command: StopSession, state: SessionState, decided: readonly SessionAnomaly[] = []): readonly SessionStreamEvent[] {
  if (state.status === 'stopped') return [];
  const transactionData = [...(command.transactionData ?? [])].sort(byTimestamp);
  const meterStop =
    command.meterStopWh !== undefined && command.meterStopWh !== ''
      ? normalizeDecimal(command.meterStopWh)
      : (latestRegister(state.lastEndRegister, transactionData, 'Transaction.End') ?? latestRegister(state.lastRegister, transactionData))?.wh ?? '';

  const anomalies: SessionAnomaly[] = [];
  if (isAhead(command.timestamp, command) || transactionData.some((reading) => isAhead(reading.timestamp, command))) {
    anomalies.push(SessionAnomaly.ClockSkew);
  }
  if (meterStop !== '' && state.meterStartWh !== '' && compareDecimals(meterStop, state.meterStartWh) < 0) {
    anomalies.push(SessionAnomaly.MeterStopBelowMeterStart);
  }
  if (state.startedAt !== undefined && command.timestamp.getTime() < state.startedAt.getTime()) {
    anomalies.push(SessionAnomaly.StoppedBeforeStarted);
  }
  anomalies.push(...decided);
  return [
    domainEvent('SessionStopped', {
      sessionId: command.sessionId,
      occurredAt: timestamp(command.timestamp),
      receivedAt: timestamp(command.now),
      chargerId: state.chargerId,
      transactionId: state.transactionId,
      meterStopWh: meterStop,
      reason: command.reason ?? '',
      idToken: idTokenInit(command.idToken),
      commandId: command.commandId ?? '',
      transactionData: transactionData.map(meterSampleInit),
      offline: command.offline ?? false,
      ...seqNoField(command.seqNo),
      anomalies,
    }),
  ];
}

/** Whether `by` started at this session's place: its EVSE for 2.0.1 (evseId > 0), its connector for 1.6. */
function isSamePlace(state: SessionState, by: CloseSupersededSession['supersededBy']): boolean {
  return state.evseId > 0 ? state.evseId === by.evseId : state.connectorId > 0 && state.connectorId === by.connectorId;
}

/**
 * Closes an active session that a newer one on the same place supersedes, as a stop the charger did not send: at its
 * latest meter reading by the charger's clock (its start when it has none; never later than the newer start), with that
 * reading's energy register as meter stop (the meter start when there is none): nothing is billed, energy or time, that
 * no reading shows. Charging-state changes do not count: after a power loss the charger reports the connector's new
 * states (Available, Preparing) before the new start, and they land on the session still open there. STOP_MISSING
 * attributes the close to the charger.
 */
function closeSupersededSession(command: CloseSupersededSession, state: SessionState): readonly SessionStreamEvent[] {
  const by = command.supersededBy;
  if (state.status !== 'active' || by.sessionId === state.sessionId || !isSamePlace(state, by)) return [];
  const startedAt = state.startedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  if (startedAt >= by.startedAt.getTime()) return [];
  const lastReading = Math.max(startedAt, state.lastRegister?.at ?? startedAt, state.lastEndRegister?.at ?? startedAt);
  const at = new Date(Math.max(startedAt, Math.min(lastReading, by.startedAt.getTime())));
  const meterStopWh = (state.lastEndRegister ?? state.lastRegister)?.wh ?? state.meterStartWh;
  const stop: StopSession = { type: 'StopSession', sessionId: command.sessionId, meterStopWh, reason: SUPERSEDED_STOP_REASON, timestamp: at, now: command.now };
  return stopSession(stop, state, [SessionAnomaly.StopMissing]);
}

function withReadings(state: SessionState, readings: readonly MeterReading[]): Pick<SessionState, 'lastRegister' | 'lastEndRegister' | 'sampleKeys'> {
  let sampleKeys = state.sampleKeys;
  const added = readings.filter((reading) => {
    const before = sampleKeys;
    sampleKeys = sampleKeys.with(readingKey(reading));
    return sampleKeys !== before;
  });
  return {
    lastRegister: latestRegister(state.lastRegister, added),
    lastEndRegister: latestRegister(state.lastEndRegister, added, 'Transaction.End'),
    sampleKeys,
  };
}

function withAnomalies(state: SessionState, anomalies: readonly string[]): readonly string[] {
  const fresh = anomalies.filter((anomaly) => !state.anomalies.includes(anomaly));
  return fresh.length === 0 ? state.anomalies : [...state.anomalies, ...fresh];
}

function withSeqNo(seqNos: AppendOnlySet<number>, seqNo: number | undefined): AppendOnlySet<number> {
  return seqNo === undefined ? seqNos : seqNos.with(seqNo);
}

export function evolveSession(state: SessionState, event: SessionStreamEvent): SessionState {
  switch (event.type) {
    case 'SessionStarted': {
      const { data } = event;
      return {
        ...state,
        status: 'active',
        sessionId: data.sessionId,
        chargerId: data.chargerId,
        protocol: data.protocol,
        evseId: data.evseId,
        connectorId: data.connectorId,
        transactionId: data.transactionId,
        dedupKey: dedupKeyOfSessionStarted(event),
        idToken: data.idToken === undefined || data.idToken.id === '' ? undefined : { id: data.idToken.id, type: data.idToken.type },
        meterStartWh: data.meterStartWh,
        startedAt: requireDate(data.occurredAt),
        commandId: data.commandId,
        anomalies: withAnomalies(state, data.anomalies),
      };
    }
    case 'SessionAuthorized': {
      const { data } = event;
      return {
        ...state,
        authorization: data.status,
        idToken: data.idToken === undefined ? state.idToken : { id: data.idToken.id, type: data.idToken.type },
      };
    }
    case 'SessionMeterValuesRecorded': {
      const { data } = event;
      return {
        ...state,
        ...withReadings(state, data.samples.map(readingOf)),
        meterSeqNos: withSeqNo(state.meterSeqNos, data.seqNo),
        anomalies: withAnomalies(state, data.anomalies),
      };
    }
    case 'SessionChargingStateChanged': {
      const { data } = event;
      const period: ChargingPeriod = { at: requireDate(data.occurredAt), state: data.chargingState };
      const later = state.chargingStates.findIndex((p) => p.at.getTime() > period.at.getTime());
      const chargingStates =
        later < 0 ? [...state.chargingStates, period] : [...state.chargingStates.slice(0, later), period, ...state.chargingStates.slice(later)];
      return {
        ...state,
        chargingStates,
        chargingSeqNos: withSeqNo(state.chargingSeqNos, data.seqNo),
        anomalies: withAnomalies(state, data.anomalies),
      };
    }
    case 'SessionStopped': {
      const { data } = event;
      return {
        ...state,
        ...withReadings(state, data.transactionData.map(readingOf)),
        status: 'stopped',
        stoppedAt: requireDate(data.occurredAt),
        meterStopWh: data.meterStopWh,
        stopReason: data.reason,
        anomalies: withAnomalies(state, data.anomalies),
      };
    }
  }
}

export const sessionDecider: Decider<SessionState, SessionCommand, SessionStreamEvent> = {
  decide: decideSession,
  evolve: evolveSession,
  initialState: initialSessionState,
};
