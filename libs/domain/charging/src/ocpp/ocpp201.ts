import { AuthorizationStatus, ChargingState, CommandKind, ConnectorStatus, OcppVersion } from '@roamgate/contracts';
import type { RecordBoot, RecordConnectorStatus, UnknownChargerPolicy } from '../charger/charger.js';
import type { CommandPayload } from '../command/command.js';
import { normalizeDecimal, scaleDecimal } from '../shared/decimal.js';
import { ChargingDomainError } from '../shared/errors.js';
import { ocppTime, parseOcppTime, requireDate } from '../shared/time.js';
import { meterStartWh, meterStopWh, type MeterReading } from '../session/meter.js';
import {
  sessionDedupKey,
  type RecordChargingState,
  type RecordMeterValues,
  type SessionCommand,
  type SessionIdToken,
  type StartSession,
  type StopSession,
} from '../session/session.js';
import { componentVariable, ocppInteger, optional, registrationStatus, unsupported, type AuthorizationDecision, type BootAnswer } from './common.js';
import type {
  AuthorizationStatus201,
  AuthorizeResponse,
  BootNotificationRequest,
  BootNotificationResponse,
  ChargingState201,
  ConnectorStatus201,
  Evse,
  GetVariablesResponse,
  HeartbeatResponse,
  IdToken,
  IdTokenInfo,
  IdTokenType201,
  MessageTrigger201,
  MeterValue,
  MeterValuesRequest,
  Ocpp201Call,
  Ocpp201CommandAction,
  SetVariablesResponse,
  StatusNotificationRequest,
  TransactionEventRequest,
  TransactionEventResponse,
} from './ocpp201.types.js';

export type * from './ocpp201.types.js';

export const protocol = OcppVersion.OCPP_VERSION_2_0_1;
export const subprotocol = 'ocpp2.0.1';

export function bootNotification(
  chargerId: string,
  request: BootNotificationRequest,
  context: { now: Date; unknownChargerPolicy: UnknownChargerPolicy; heartbeatIntervalSeconds: number },
): RecordBoot {
  const station = request.chargingStation;
  return {
    type: 'RecordBoot',
    chargerId,
    protocol,
    vendor: station.vendorName,
    model: station.model,
    firmwareVersion: station.firmwareVersion ?? '',
    serialNumber: station.serialNumber ?? '',
    reason: request.reason,
    unknownChargerPolicy: context.unknownChargerPolicy,
    heartbeatIntervalSeconds: context.heartbeatIntervalSeconds,
    now: context.now,
  };
}

/** For Pending and Rejected, interval is the time before the station may send BootNotification again (B02, B03). */
export function bootNotificationResponse(answer: BootAnswer): BootNotificationResponse {
  return { currentTime: ocppTime(answer.now), interval: answer.heartbeatIntervalSeconds, status: registrationStatus(answer.status) };
}

export function heartbeatResponse(now: Date): HeartbeatResponse {
  return { currentTime: ocppTime(now) };
}

const CONNECTOR_STATUS: Readonly<Record<ConnectorStatus201, ConnectorStatus>> = {
  Available: ConnectorStatus.AVAILABLE,
  Occupied: ConnectorStatus.OCCUPIED,
  Reserved: ConnectorStatus.RESERVED,
  Unavailable: ConnectorStatus.UNAVAILABLE,
  Faulted: ConnectorStatus.FAULTED,
};

export function connectorStatus(status: ConnectorStatus201): ConnectorStatus {
  return CONNECTOR_STATUS[status] ?? ConnectorStatus.UNSPECIFIED;
}

export function statusNotification(chargerId: string, request: StatusNotificationRequest, now: Date): RecordConnectorStatus {
  return {
    type: 'RecordConnectorStatus',
    chargerId,
    evseId: request.evseId,
    connectorId: request.connectorId,
    status: connectorStatus(request.connectorStatus),
    timestamp: parseOcppTime(request.timestamp),
    now,
  };
}

const AUTHORIZATION_201: Readonly<Record<AuthorizationStatus, AuthorizationStatus201>> = {
  [AuthorizationStatus.UNSPECIFIED]: 'Unknown',
  [AuthorizationStatus.ACCEPTED]: 'Accepted',
  [AuthorizationStatus.BLOCKED]: 'Blocked',
  [AuthorizationStatus.EXPIRED]: 'Expired',
  [AuthorizationStatus.INVALID]: 'Invalid',
  [AuthorizationStatus.CONCURRENT_TX]: 'ConcurrentTx',
  [AuthorizationStatus.NO_CREDIT]: 'NoCredit',
  [AuthorizationStatus.NOT_ALLOWED_TYPE_EVSE]: 'NotAllowedTypeEVSE',
  [AuthorizationStatus.NOT_AT_THIS_LOCATION]: 'NotAtThisLocation',
  [AuthorizationStatus.NOT_AT_THIS_TIME]: 'NotAtThisTime',
  [AuthorizationStatus.UNKNOWN]: 'Unknown',
};

export function authorizationStatus(status: AuthorizationStatus201): AuthorizationStatus {
  const entry = Object.entries(AUTHORIZATION_201).find(([key, value]) => value === status && Number(key) !== AuthorizationStatus.UNSPECIFIED);
  return entry === undefined ? AuthorizationStatus.UNKNOWN : (Number(entry[0]) as AuthorizationStatus);
}

export function idTokenInfo(decision: AuthorizationDecision): IdTokenInfo {
  return {
    status: AUTHORIZATION_201[decision.status] ?? 'Unknown',
    ...(decision.expiresAt === undefined ? {} : { cacheExpiryDateTime: ocppTime(decision.expiresAt) }),
    ...(decision.groupId === undefined ? {} : { groupIdToken: { idToken: decision.groupId, type: 'Central' as const } }),
  };
}

export function authorizeResponse(decision: AuthorizationDecision): AuthorizeResponse {
  return { idTokenInfo: idTokenInfo(decision) };
}

const ID_TOKEN_TYPES: readonly IdTokenType201[] = ['Central', 'eMAID', 'ISO14443', 'ISO15693', 'KeyCode', 'Local', 'MacAddress', 'NoAuthorization'];

/** An OCPI TokenType (or nothing) as the 2.0.1 IdTokenEnumType a charger accepts. */
export function idTokenType(type: string | undefined): IdTokenType201 {
  if (ID_TOKEN_TYPES.includes(type as IdTokenType201)) return type as IdTokenType201;
  switch (type) {
    case 'RFID':
      return 'ISO14443';
    case 'OTHER':
      return 'Local';
    default:
      return 'Central';
  }
}

export function sessionIdToken(idToken: IdToken): SessionIdToken {
  return { id: idToken.idToken, type: idToken.type };
}

/** 2.0.1 transactions carry the charger's own id: the key of the caller's (charger, transaction) -> session index. */
export function transactionKey(chargerId: string, transactionId: string): string {
  return sessionDedupKey({ protocol, chargerId, connectorId: 0, idTag: '', meterStartWh: '', timestamp: new Date(0), transactionId });
}

/** 2.0.1 sends values as JSON numbers with a power-of-ten multiplier; both become an exact decimal text. */
export function meterReadings(meterValues: readonly MeterValue[] | undefined): MeterReading[] {
  return (meterValues ?? []).map((meterValue, index) => ({
    timestamp: parseOcppTime(meterValue.timestamp, `meterValue[${index}].timestamp`),
    values: meterValue.sampledValue.map((sampled) => ({
      value: normalizeDecimal(scaleDecimal(sampled.value, sampled.unitOfMeasure?.multiplier ?? 0)),
      measurand: sampled.measurand ?? '',
      unit: sampled.unitOfMeasure?.unit ?? '',
      phase: sampled.phase ?? '',
      context: sampled.context ?? '',
      location: sampled.location ?? '',
    })),
  }));
}

const CHARGING_STATE: Readonly<Record<ChargingState201, ChargingState>> = {
  Charging: ChargingState.CHARGING,
  EVConnected: ChargingState.EV_CONNECTED,
  SuspendedEV: ChargingState.SUSPENDED_EV,
  SuspendedEVSE: ChargingState.SUSPENDED_EVSE,
  Idle: ChargingState.IDLE,
};

export function chargingState(state: ChargingState201): ChargingState {
  return CHARGING_STATE[state] ?? ChargingState.UNSPECIFIED;
}

export interface TransactionEventContext {
  readonly sessionId: string;
  readonly now: Date;
  /** The remote start behind transactionInfo.remoteStartId, resolved by the caller. */
  readonly commandId?: string;
  readonly partnerId?: string;
  readonly authorizationReference?: string;
  readonly clockSkewToleranceMs?: number;
}

/**
 * The session commands one TransactionEvent stands for, in the order to decide them: Started opens the session
 * (meter start from the Transaction.Begin reading), then the charging state and meter values it carries;
 * Ended records the charging state and closes the session with the readings as transaction data.
 * An idToken on Updated (trigger Authorized) is for the caller to authorize and record.
 */
export function transactionEvent(chargerId: string, request: TransactionEventRequest, context: TransactionEventContext): SessionCommand[] {
  const timestamp = parseOcppTime(request.timestamp);
  const readings = meterReadings(request.meterValue);
  const untimed = {
    sessionId: context.sessionId,
    now: context.now,
    offline: request.offline ?? false,
    seqNo: request.seqNo,
    ...optional(context, ['clockSkewToleranceMs']),
  };
  const common = { ...untimed, timestamp };
  const info = request.transactionInfo;
  const commands: SessionCommand[] = [];

  if (request.eventType === 'Started') {
    const start: StartSession = {
      type: 'StartSession',
      ...common,
      chargerId,
      protocol,
      evseId: request.evse?.id ?? 0,
      connectorId: request.evse?.connectorId ?? 0,
      transactionId: info.transactionId,
      ...(request.idToken === undefined ? {} : { idToken: sessionIdToken(request.idToken) }),
      meterStartWh: meterStartWh(readings) ?? '',
      ...(request.reservationId === undefined ? {} : { reservationId: String(request.reservationId) }),
      ...optional(context, ['commandId', 'partnerId', 'authorizationReference']),
    };
    commands.push(start);
  }
  if (info.chargingState !== undefined) {
    const recorded: RecordChargingState = { type: 'RecordChargingState', ...common, chargingState: chargingState(info.chargingState) };
    commands.push(recorded);
  }
  if (request.eventType === 'Ended') {
    const stopAt = meterStopWh(readings);
    const stop: StopSession = {
      type: 'StopSession',
      ...common,
      ...(stopAt === undefined ? {} : { meterStopWh: stopAt }),
      reason: info.stoppedReason ?? 'Local',
      ...(request.idToken === undefined ? {} : { idToken: sessionIdToken(request.idToken) }),
      ...(request.triggerReason === 'RemoteStop' ? optional(context, ['commandId']) : {}),
      transactionData: readings,
    };
    commands.push(stop);
  } else if (readings.length > 0) {
    const recorded: RecordMeterValues = { type: 'RecordMeterValues', ...untimed, samples: readings };
    commands.push(recorded);
  }
  return commands;
}

export function transactionEventResponse(decision?: AuthorizationDecision): TransactionEventResponse {
  return decision === undefined ? {} : { idTokenInfo: idTokenInfo(decision) };
}

/** 2.0.1 MeterValues are outside transactions (evseId 0 is the main meter); the caller attributes them to a session, if any. */
export function meterValues(
  request: MeterValuesRequest,
  context: { sessionId: string; now: Date; offline?: boolean; clockSkewToleranceMs?: number },
): RecordMeterValues {
  return {
    type: 'RecordMeterValues',
    sessionId: context.sessionId,
    samples: meterReadings(request.meterValue),
    ...optional(context, ['clockSkewToleranceMs', 'offline']),
    now: context.now,
  };
}

const ACTIONS: Readonly<Record<Exclude<CommandKind, CommandKind.UNSPECIFIED>, Ocpp201CommandAction>> = {
  [CommandKind.START_SESSION]: 'RequestStartTransaction',
  [CommandKind.STOP_SESSION]: 'RequestStopTransaction',
  [CommandKind.UNLOCK_CONNECTOR]: 'UnlockConnector',
  [CommandKind.RESERVE_NOW]: 'ReserveNow',
  [CommandKind.CANCEL_RESERVATION]: 'CancelReservation',
  [CommandKind.RESET]: 'Reset',
  [CommandKind.CHANGE_AVAILABILITY]: 'ChangeAvailability',
  [CommandKind.TRIGGER_MESSAGE]: 'TriggerMessage',
  [CommandKind.GET_CONFIGURATION]: 'GetVariables',
  [CommandKind.CHANGE_CONFIGURATION]: 'SetVariables',
};

export function actionOf(kind: CommandKind): Ocpp201CommandAction {
  return ACTIONS[kind as Exclude<CommandKind, CommandKind.UNSPECIFIED>] ?? unsupported(`command kind ${CommandKind[kind]} has no OCPP 2.0.1 action`);
}

const TRIGGERS_201: readonly MessageTrigger201[] = [
  'BootNotification',
  'LogStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'SignChargingStationCertificate',
  'SignV2GCertificate',
  'StatusNotification',
  'TransactionEvent',
  'SignCombinedCertificate',
  'PublishFirmwareStatusNotification',
];

export interface CallContext {
  /** Allocated by the gateway for RequestStartTransaction; TransactionEvent echoes it in transactionInfo.remoteStartId. */
  readonly remoteStartId?: number;
  /** For RESERVE_NOW and CANCEL_RESERVATION when the reservation id is not already an integer. */
  readonly reservationId?: number;
}

function evse(evseId: number, connectorId: number): { evse?: Evse } {
  return evseId > 0 ? { evse: { id: evseId, ...(connectorId > 0 ? { connectorId } : {}) } } : {};
}

/** The OCPP 2.0.1 CALL carrying a requested command. */
export function call(payload: CommandPayload, context: CallContext = {}): Ocpp201Call {
  const reservationId = (id: string) => context.reservationId ?? ocppInteger(id, 'reservation id');
  switch (payload.case) {
    case 'startSession': {
      const { idToken, evseId } = payload.value;
      if (idToken === undefined || idToken.id === '') throw new ChargingDomainError('INVALID_COMMAND', 'START_SESSION needs an id token');
      if (context.remoteStartId === undefined) throw new ChargingDomainError('INVALID_COMMAND', 'RequestStartTransaction needs a remoteStartId');
      return {
        action: 'RequestStartTransaction',
        payload: {
          remoteStartId: context.remoteStartId,
          idToken: { idToken: idToken.id, type: idTokenType(idToken.type) },
          ...(evseId > 0 ? { evseId } : {}),
        },
      };
    }
    case 'stopSession':
      if (payload.value.transactionId === '') throw new ChargingDomainError('INVALID_COMMAND', 'STOP_SESSION needs the transaction id');
      return { action: 'RequestStopTransaction', payload: { transactionId: payload.value.transactionId } };
    case 'unlockConnector': {
      const { evseId, connectorId } = payload.value;
      if (evseId <= 0 || connectorId <= 0) throw new ChargingDomainError('INVALID_COMMAND', 'UnlockConnector needs an EVSE and a connector');
      return { action: 'UnlockConnector', payload: { evseId, connectorId } };
    }
    case 'reserveNow': {
      const { idToken, expiresAt, evseId } = payload.value;
      if (idToken === undefined || expiresAt === undefined) throw new ChargingDomainError('INVALID_COMMAND', 'RESERVE_NOW needs an id token and an expiry');
      return {
        action: 'ReserveNow',
        payload: {
          id: reservationId(payload.value.reservationId),
          expiryDateTime: ocppTime(requireDate(expiresAt)),
          idToken: { idToken: idToken.id, type: idTokenType(idToken.type) },
          ...(evseId > 0 ? { evseId } : {}),
        },
      };
    }
    case 'cancelReservation':
      return { action: 'CancelReservation', payload: { reservationId: reservationId(payload.value.reservationId) } };
    case 'reset': {
      const { resetType: requested, evseId } = payload.value;
      return { action: 'Reset', payload: { type: resetType(requested), ...(evseId > 0 ? { evseId } : {}) } };
    }
    case 'changeAvailability': {
      const { availability, evseId, connectorId } = payload.value;
      if (availability !== 'Operative' && availability !== 'Inoperative') {
        throw new ChargingDomainError('INVALID_COMMAND', `availability "${availability}" is neither Operative nor Inoperative`);
      }
      return { action: 'ChangeAvailability', payload: { operationalStatus: availability, ...evse(evseId, connectorId) } };
    }
    case 'triggerMessage': {
      const { requestedMessage, evseId, connectorId } = payload.value;
      if (!TRIGGERS_201.includes(requestedMessage as MessageTrigger201)) unsupported(`OCPP 2.0.1 cannot trigger ${requestedMessage}`);
      return { action: 'TriggerMessage', payload: { requestedMessage: requestedMessage as MessageTrigger201, ...evse(evseId, connectorId) } };
    }
    case 'getConfiguration':
      // Reading everything is GetBaseReport, answered asynchronously by NotifyReport: not a request/answer command.
      if (payload.value.keys.length === 0) unsupported('OCPP 2.0.1 GetVariables needs at least one <Component>.<Variable> key');
      return { action: 'GetVariables', payload: { getVariableData: payload.value.keys.map(componentVariable) } };
    case 'changeConfiguration':
      return {
        action: 'SetVariables',
        payload: { setVariableData: [{ attributeValue: payload.value.value, ...componentVariable(payload.value.key) }] },
      };
    default:
      return unsupported(`command payload ${String((payload as { case: unknown }).case)} has no OCPP 2.0.1 action`);
  }
}

export function resetType(requested: string): 'Immediate' | 'OnIdle' {
  switch (requested) {
    case 'Immediate':
    case 'Hard':
      return 'Immediate';
    case '':
    case 'OnIdle':
    case 'Soft':
      return 'OnIdle';
    default:
      throw new ChargingDomainError('INVALID_COMMAND', `reset type "${requested}" is neither Immediate nor OnIdle`);
  }
}

const ACCEPTED_VARIABLE_STATUSES = ['Accepted', 'RebootRequired'];

function variablesStatus(statuses: readonly string[]): string {
  const refused = statuses.find((status) => !ACCEPTED_VARIABLE_STATUSES.includes(status));
  if (refused !== undefined) return refused;
  if (statuses.length === 0) return '';
  return statuses.includes('RebootRequired') ? 'RebootRequired' : 'Accepted';
}

/** The status a CALLRESULT reports; for GetVariables/SetVariables the first refused variable, else Accepted. */
export function answerStatus(action: string, response: unknown): string {
  if (action === 'GetVariables') {
    return variablesStatus(((response as GetVariablesResponse | null)?.getVariableResult ?? []).map((result) => result.attributeStatus));
  }
  if (action === 'SetVariables') {
    return variablesStatus(((response as SetVariablesResponse | null)?.setVariableResult ?? []).map((result) => result.attributeStatus));
  }
  const status = (response as { status?: unknown } | null)?.status;
  return typeof status === 'string' ? status : '';
}
