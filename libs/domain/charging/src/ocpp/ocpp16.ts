import { AuthorizationStatus, CommandKind, ConnectorStatus, OcppVersion, type ChargingState } from '@roamgate/contracts';
import type { RecordBoot, RecordConnectorStatus, UnknownChargerPolicy } from '../charger/charger.js';
import type { CommandPayload } from '../command/command.js';
import { ChargingDomainError } from '../shared/errors.js';
import { ocppTime, parseOcppTime, requireDate } from '../shared/time.js';
import { chargingStateFromConnectorStatus } from '../session/charging-state.js';
import type { MeterReading } from '../session/meter.js';
import { sessionDedupKey, type RecordMeterValues, type StartSession, type StopSession } from '../session/session.js';
import { ocppInteger, optional, registrationStatus, unsupported, type AuthorizationDecision, type BootAnswer } from './common.js';
import type {
  AuthorizationStatus16,
  AuthorizeResponse,
  BootNotificationRequest,
  BootNotificationResponse,
  ChargePointStatus,
  GetConfigurationResponse,
  HeartbeatResponse,
  IdTagInfo,
  MessageTrigger16,
  MeterValue,
  MeterValuesRequest,
  Ocpp16Call,
  Ocpp16CommandAction,
  StartTransactionRequest,
  StartTransactionResponse,
  StatusNotificationRequest,
  StopTransactionRequest,
  StopTransactionResponse,
} from './ocpp16.types.js';

export type * from './ocpp16.types.js';

export const protocol = OcppVersion.OCPP_VERSION_1_6;
export const subprotocol = 'ocpp1.6';

export function bootNotification(
  chargerId: string,
  request: BootNotificationRequest,
  context: { now: Date; unknownChargerPolicy: UnknownChargerPolicy; heartbeatIntervalSeconds: number },
): RecordBoot {
  return {
    type: 'RecordBoot',
    chargerId,
    protocol,
    vendor: request.chargePointVendor,
    model: request.chargePointModel,
    firmwareVersion: request.firmwareVersion ?? '',
    serialNumber: request.chargePointSerialNumber ?? request.chargeBoxSerialNumber ?? '',
    reason: '',
    unknownChargerPolicy: context.unknownChargerPolicy,
    heartbeatIntervalSeconds: context.heartbeatIntervalSeconds,
    now: context.now,
  };
}

/** For Pending and Rejected, interval is the time before the charger may boot again (OCPP 1.6 §4.2). */
export function bootNotificationResponse(answer: BootAnswer): BootNotificationResponse {
  return { status: registrationStatus(answer.status), currentTime: ocppTime(answer.now), interval: answer.heartbeatIntervalSeconds };
}

export function heartbeatResponse(now: Date): HeartbeatResponse {
  return { currentTime: ocppTime(now) };
}

const CONNECTOR_STATUS: Readonly<Record<ChargePointStatus, ConnectorStatus>> = {
  Available: ConnectorStatus.AVAILABLE,
  Preparing: ConnectorStatus.PREPARING,
  Charging: ConnectorStatus.CHARGING,
  SuspendedEVSE: ConnectorStatus.SUSPENDED_EVSE,
  SuspendedEV: ConnectorStatus.SUSPENDED_EV,
  Finishing: ConnectorStatus.FINISHING,
  Reserved: ConnectorStatus.RESERVED,
  Unavailable: ConnectorStatus.UNAVAILABLE,
  Faulted: ConnectorStatus.FAULTED,
};

export function connectorStatus(status: ChargePointStatus): ConnectorStatus {
  return CONNECTOR_STATUS[status] ?? ConnectorStatus.UNSPECIFIED;
}

/** Connector 0 is the charger as a whole; 1.6 has no EVSE level, so evseId is 0. */
export function statusNotification(chargerId: string, request: StatusNotificationRequest, now: Date): RecordConnectorStatus {
  return {
    type: 'RecordConnectorStatus',
    chargerId,
    evseId: 0,
    connectorId: request.connectorId,
    status: connectorStatus(request.status),
    errorCode: request.errorCode,
    info: request.info ?? '',
    vendorErrorCode: request.vendorErrorCode ?? '',
    ...(request.timestamp === undefined ? {} : { timestamp: parseOcppTime(request.timestamp) }),
    now,
  };
}

/** The charging state a connector status means during a transaction (undefined: no statement about the EV). */
export function chargingStateOfStatus(status: ChargePointStatus): ChargingState | undefined {
  return chargingStateFromConnectorStatus(connectorStatus(status));
}

const STATUS_16: Partial<Record<AuthorizationStatus, AuthorizationStatus16>> = {
  [AuthorizationStatus.ACCEPTED]: 'Accepted',
  [AuthorizationStatus.BLOCKED]: 'Blocked',
  [AuthorizationStatus.EXPIRED]: 'Expired',
  [AuthorizationStatus.CONCURRENT_TX]: 'ConcurrentTx',
};

/** 1.6 knows five statuses; every other refusal (no credit, wrong location, unknown token) is "Invalid". */
export function idTagInfo(decision: AuthorizationDecision): IdTagInfo {
  return {
    status: STATUS_16[decision.status] ?? 'Invalid',
    ...(decision.expiresAt === undefined ? {} : { expiryDate: ocppTime(decision.expiresAt) }),
    ...(decision.groupId === undefined ? {} : { parentIdTag: decision.groupId }),
  };
}

export function authorizationStatus(status: AuthorizationStatus16): AuthorizationStatus {
  switch (status) {
    case 'Accepted':
      return AuthorizationStatus.ACCEPTED;
    case 'Blocked':
      return AuthorizationStatus.BLOCKED;
    case 'Expired':
      return AuthorizationStatus.EXPIRED;
    case 'ConcurrentTx':
      return AuthorizationStatus.CONCURRENT_TX;
    default:
      return AuthorizationStatus.INVALID;
  }
}

export function authorizeResponse(decision: AuthorizationDecision): AuthorizeResponse {
  return { idTagInfo: idTagInfo(decision) };
}

/** The key under which the caller indexes (charger, StartTransaction) -> session, to answer a repeat with the same transaction. */
export function startTransactionKey(chargerId: string, request: StartTransactionRequest): string {
  return sessionDedupKey({
    protocol,
    chargerId,
    connectorId: request.connectorId,
    idTag: request.idTag,
    meterStartWh: String(request.meterStart),
    timestamp: parseOcppTime(request.timestamp),
    transactionId: '',
  });
}

export interface StartTransactionContext {
  readonly sessionId: string;
  /** The unique integer Roamgate allocated for this transaction. */
  readonly transactionId: number;
  readonly now: Date;
  readonly offline?: boolean;
  readonly commandId?: string;
  readonly partnerId?: string;
  readonly authorizationReference?: string;
  readonly clockSkewToleranceMs?: number;
}

export function startTransaction(chargerId: string, request: StartTransactionRequest, context: StartTransactionContext): StartSession {
  return {
    type: 'StartSession',
    sessionId: context.sessionId,
    chargerId,
    protocol,
    evseId: 0,
    connectorId: request.connectorId,
    transactionId: String(context.transactionId),
    idToken: { id: request.idTag, type: '' },
    meterStartWh: String(request.meterStart),
    timestamp: parseOcppTime(request.timestamp),
    ...(request.reservationId === undefined ? {} : { reservationId: String(request.reservationId) }),
    ...optional(context, ['commandId', 'partnerId', 'authorizationReference', 'clockSkewToleranceMs', 'offline']),
    now: context.now,
  };
}

export function startTransactionResponse(transactionId: number, decision: AuthorizationDecision): StartTransactionResponse {
  return { transactionId, idTagInfo: idTagInfo(decision) };
}

export function meterReadings(meterValues: readonly MeterValue[] | undefined, field = 'meterValue'): MeterReading[] {
  return (meterValues ?? []).map((meterValue, index) => ({
    timestamp: parseOcppTime(meterValue.timestamp, `${field}[${index}].timestamp`),
    values: meterValue.sampledValue.map((sampled) => ({
      value: sampled.value,
      measurand: sampled.measurand ?? '',
      unit: sampled.unit ?? '',
      phase: sampled.phase ?? '',
      context: sampled.context ?? '',
      location: sampled.location ?? '',
    })),
  }));
}

export interface SessionMessageContext {
  readonly sessionId: string;
  readonly now: Date;
  /** 1.6 has no offline flag: the caller sets it for messages replayed after a reconnect. */
  readonly offline?: boolean;
  readonly clockSkewToleranceMs?: number;
}

/** meterStop is the charger's register in Wh; a stop after reconnect is as valid as one on time. */
export function stopTransaction(request: StopTransactionRequest, context: SessionMessageContext & { commandId?: string }): StopSession {
  return {
    type: 'StopSession',
    sessionId: context.sessionId,
    meterStopWh: String(request.meterStop),
    reason: request.reason ?? 'Local',
    ...(request.idTag === undefined ? {} : { idToken: { id: request.idTag, type: '' } }),
    transactionData: meterReadings(request.transactionData, 'transactionData'),
    timestamp: parseOcppTime(request.timestamp),
    ...optional(context, ['commandId', 'clockSkewToleranceMs', 'offline']),
    now: context.now,
  };
}

export function stopTransactionResponse(decision?: AuthorizationDecision): StopTransactionResponse {
  return decision === undefined ? {} : { idTagInfo: idTagInfo(decision) };
}

/** MeterValues of a transaction; connectorId and transactionId identify the session, which the caller resolves. */
export function meterValues(request: MeterValuesRequest, context: SessionMessageContext): RecordMeterValues {
  return {
    type: 'RecordMeterValues',
    sessionId: context.sessionId,
    samples: meterReadings(request.meterValue),
    ...optional(context, ['clockSkewToleranceMs', 'offline']),
    now: context.now,
  };
}

const ACTIONS: Readonly<Record<Exclude<CommandKind, CommandKind.UNSPECIFIED>, Ocpp16CommandAction>> = {
  [CommandKind.START_SESSION]: 'RemoteStartTransaction',
  [CommandKind.STOP_SESSION]: 'RemoteStopTransaction',
  [CommandKind.UNLOCK_CONNECTOR]: 'UnlockConnector',
  [CommandKind.RESERVE_NOW]: 'ReserveNow',
  [CommandKind.CANCEL_RESERVATION]: 'CancelReservation',
  [CommandKind.RESET]: 'Reset',
  [CommandKind.CHANGE_AVAILABILITY]: 'ChangeAvailability',
  [CommandKind.TRIGGER_MESSAGE]: 'TriggerMessage',
  [CommandKind.GET_CONFIGURATION]: 'GetConfiguration',
  [CommandKind.CHANGE_CONFIGURATION]: 'ChangeConfiguration',
};

export function actionOf(kind: CommandKind): Ocpp16CommandAction {
  return ACTIONS[kind as Exclude<CommandKind, CommandKind.UNSPECIFIED>] ?? unsupported(`command kind ${CommandKind[kind]} has no OCPP 1.6 action`);
}

const TRIGGERS_16: readonly MessageTrigger16[] = [
  'BootNotification',
  'DiagnosticsStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'StatusNotification',
];

export interface CallContext {
  /** For RESERVE_NOW and CANCEL_RESERVATION when the reservation id is not already an integer. */
  readonly reservationId?: number;
}

/** The OCPP 1.6 CALL carrying a requested command. */
export function call(payload: CommandPayload, context: CallContext = {}): Ocpp16Call {
  const reservationId = (id: string) => context.reservationId ?? ocppInteger(id, 'reservation id');
  switch (payload.case) {
    case 'startSession': {
      const { idToken, connectorId } = payload.value;
      if (idToken === undefined || idToken.id === '') throw new ChargingDomainError('INVALID_COMMAND', 'START_SESSION needs an id token');
      return { action: 'RemoteStartTransaction', payload: { ...(connectorId > 0 ? { connectorId } : {}), idTag: idToken.id } };
    }
    case 'stopSession':
      return { action: 'RemoteStopTransaction', payload: { transactionId: ocppInteger(payload.value.transactionId, 'transaction id') } };
    case 'unlockConnector':
      return { action: 'UnlockConnector', payload: { connectorId: payload.value.connectorId } };
    case 'reserveNow': {
      const { idToken, expiresAt, connectorId } = payload.value;
      if (idToken === undefined || expiresAt === undefined) throw new ChargingDomainError('INVALID_COMMAND', 'RESERVE_NOW needs an id token and an expiry');
      return {
        action: 'ReserveNow',
        payload: {
          connectorId,
          expiryDate: ocppTime(requireDate(expiresAt)),
          idTag: idToken.id,
          reservationId: reservationId(payload.value.reservationId),
        },
      };
    }
    case 'cancelReservation':
      return { action: 'CancelReservation', payload: { reservationId: reservationId(payload.value.reservationId) } };
    case 'reset':
      return { action: 'Reset', payload: { type: resetType(payload.value.resetType) } };
    case 'changeAvailability': {
      const { availability, connectorId } = payload.value;
      return { action: 'ChangeAvailability', payload: { connectorId, type: availabilityType(availability) } };
    }
    case 'triggerMessage': {
      const { requestedMessage, connectorId } = payload.value;
      if (!TRIGGERS_16.includes(requestedMessage as MessageTrigger16)) unsupported(`OCPP 1.6 cannot trigger ${requestedMessage}`);
      return {
        action: 'TriggerMessage',
        payload: { requestedMessage: requestedMessage as MessageTrigger16, ...(connectorId > 0 ? { connectorId } : {}) },
      };
    }
    case 'getConfiguration':
      return { action: 'GetConfiguration', payload: payload.value.keys.length === 0 ? {} : { key: [...payload.value.keys] } };
    case 'changeConfiguration':
      return { action: 'ChangeConfiguration', payload: { key: payload.value.key, value: payload.value.value } };
    default:
      return unsupported(`command payload ${String((payload as { case: unknown }).case)} has no OCPP 1.6 action`);
  }
}

/** 1.6 resets are Hard or Soft; the 2.0.1 words map onto them so a requester need not know the charger's version. */
export function resetType(requested: string): 'Hard' | 'Soft' {
  switch (requested) {
    case 'Hard':
    case 'Immediate':
      return 'Hard';
    case '':
    case 'Soft':
    case 'OnIdle':
      return 'Soft';
    default:
      throw new ChargingDomainError('INVALID_COMMAND', `reset type "${requested}" is neither Hard nor Soft`);
  }
}

export function availabilityType(requested: string): 'Operative' | 'Inoperative' {
  if (requested === 'Operative' || requested === 'Inoperative') return requested;
  throw new ChargingDomainError('INVALID_COMMAND', `availability "${requested}" is neither Operative nor Inoperative`);
}

/** The status a CALLRESULT reports: its `status`, or "Accepted" for GetConfiguration, which answers with data. */
export function answerStatus(action: string, response: unknown): string {
  if (action === 'GetConfiguration') {
    const { configurationKey, unknownKey } = (response ?? {}) as GetConfigurationResponse;
    return (configurationKey ?? []).length === 0 && (unknownKey ?? []).length > 0 ? 'Rejected' : 'Accepted';
  }
  const status = (response as { status?: unknown } | null)?.status;
  return typeof status === 'string' ? status : '';
}
