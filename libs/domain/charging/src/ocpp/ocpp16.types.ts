// OCPP 1.6J message payloads the gateway handles, typed after the official JSON schemas (OCPP 1.6 edition 2).

export type ChargePointStatus =
  | 'Available'
  | 'Preparing'
  | 'Charging'
  | 'SuspendedEVSE'
  | 'SuspendedEV'
  | 'Finishing'
  | 'Reserved'
  | 'Unavailable'
  | 'Faulted';

export type ChargePointErrorCode =
  | 'ConnectorLockFailure'
  | 'EVCommunicationError'
  | 'GroundFailure'
  | 'HighTemperature'
  | 'InternalError'
  | 'LocalListConflict'
  | 'NoError'
  | 'OtherError'
  | 'OverCurrentFailure'
  | 'PowerMeterFailure'
  | 'PowerSwitchFailure'
  | 'ReaderFailure'
  | 'ResetFailure'
  | 'UnderVoltage'
  | 'OverVoltage'
  | 'WeakSignal';

export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';
export type AuthorizationStatus16 = 'Accepted' | 'Blocked' | 'Expired' | 'Invalid' | 'ConcurrentTx';
export type StopReason16 =
  | 'EmergencyStop'
  | 'EVDisconnected'
  | 'HardReset'
  | 'Local'
  | 'Other'
  | 'PowerLoss'
  | 'Reboot'
  | 'Remote'
  | 'SoftReset'
  | 'UnlockCommand'
  | 'DeAuthorized';
export type MessageTrigger16 =
  | 'BootNotification'
  | 'DiagnosticsStatusNotification'
  | 'FirmwareStatusNotification'
  | 'Heartbeat'
  | 'MeterValues'
  | 'StatusNotification';

export interface BootNotificationRequest {
  chargePointVendor: string;
  chargePointModel: string;
  chargePointSerialNumber?: string;
  chargeBoxSerialNumber?: string;
  firmwareVersion?: string;
  iccid?: string;
  imsi?: string;
  meterType?: string;
  meterSerialNumber?: string;
}

export interface BootNotificationResponse {
  status: RegistrationStatus;
  currentTime: string;
  interval: number;
}

export type HeartbeatRequest = Record<string, never>;

export interface HeartbeatResponse {
  currentTime: string;
}

export interface StatusNotificationRequest {
  connectorId: number;
  errorCode: ChargePointErrorCode;
  status: ChargePointStatus;
  info?: string;
  timestamp?: string;
  vendorId?: string;
  vendorErrorCode?: string;
}

export interface IdTagInfo {
  status: AuthorizationStatus16;
  expiryDate?: string;
  parentIdTag?: string;
}

export interface AuthorizeRequest {
  idTag: string;
}

export interface AuthorizeResponse {
  idTagInfo: IdTagInfo;
}

export interface SampledValue {
  value: string;
  context?: string;
  format?: 'Raw' | 'SignedData';
  measurand?: string;
  phase?: string;
  location?: string;
  unit?: string;
}

export interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

export interface StartTransactionRequest {
  connectorId: number;
  idTag: string;
  meterStart: number;
  reservationId?: number;
  timestamp: string;
}

export interface StartTransactionResponse {
  transactionId: number;
  idTagInfo: IdTagInfo;
}

export interface StopTransactionRequest {
  transactionId: number;
  idTag?: string;
  meterStop: number;
  timestamp: string;
  reason?: StopReason16;
  transactionData?: MeterValue[];
}

export interface StopTransactionResponse {
  idTagInfo?: IdTagInfo;
}

export interface MeterValuesRequest {
  connectorId: number;
  transactionId?: number;
  meterValue: MeterValue[];
}

export interface RemoteStartTransactionRequest {
  connectorId?: number;
  idTag: string;
}

export interface RemoteStopTransactionRequest {
  transactionId: number;
}

export interface UnlockConnectorRequest {
  connectorId: number;
}

export interface ReserveNowRequest {
  connectorId: number;
  expiryDate: string;
  idTag: string;
  parentIdTag?: string;
  reservationId: number;
}

export interface CancelReservationRequest {
  reservationId: number;
}

export interface ResetRequest {
  type: 'Hard' | 'Soft';
}

export interface ChangeAvailabilityRequest {
  connectorId: number;
  type: 'Inoperative' | 'Operative';
}

export interface TriggerMessageRequest {
  requestedMessage: MessageTrigger16;
  connectorId?: number;
}

export interface GetConfigurationRequest {
  key?: string[];
}

export interface GetConfigurationResponse {
  configurationKey?: { key: string; readonly: boolean; value?: string }[];
  unknownKey?: string[];
}

export interface ChangeConfigurationRequest {
  key: string;
  value: string;
}

/** The CALLRESULT of every command action but GetConfiguration. */
export interface StatusResponse {
  status: string;
}

export type Ocpp16Call =
  | { action: 'RemoteStartTransaction'; payload: RemoteStartTransactionRequest }
  | { action: 'RemoteStopTransaction'; payload: RemoteStopTransactionRequest }
  | { action: 'UnlockConnector'; payload: UnlockConnectorRequest }
  | { action: 'ReserveNow'; payload: ReserveNowRequest }
  | { action: 'CancelReservation'; payload: CancelReservationRequest }
  | { action: 'Reset'; payload: ResetRequest }
  | { action: 'ChangeAvailability'; payload: ChangeAvailabilityRequest }
  | { action: 'TriggerMessage'; payload: TriggerMessageRequest }
  | { action: 'GetConfiguration'; payload: GetConfigurationRequest }
  | { action: 'ChangeConfiguration'; payload: ChangeConfigurationRequest };

export type Ocpp16CommandAction = Ocpp16Call['action'];
