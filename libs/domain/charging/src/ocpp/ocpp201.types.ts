// OCPP 2.0.1 message payloads the gateway handles, typed after the official JSON schemas (OCPP 2.0.1 edition 2).

export type BootReason =
  | 'ApplicationReset'
  | 'FirmwareUpdate'
  | 'LocalReset'
  | 'PowerUp'
  | 'RemoteReset'
  | 'ScheduledReset'
  | 'Triggered'
  | 'Unknown'
  | 'Watchdog';

export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';
export type ConnectorStatus201 = 'Available' | 'Occupied' | 'Reserved' | 'Unavailable' | 'Faulted';
export type IdTokenType201 = 'Central' | 'eMAID' | 'ISO14443' | 'ISO15693' | 'KeyCode' | 'Local' | 'MacAddress' | 'NoAuthorization';
export type AuthorizationStatus201 =
  | 'Accepted'
  | 'Blocked'
  | 'ConcurrentTx'
  | 'Expired'
  | 'Invalid'
  | 'NoCredit'
  | 'NotAllowedTypeEVSE'
  | 'NotAtThisLocation'
  | 'NotAtThisTime'
  | 'Unknown';
export type ChargingState201 = 'Charging' | 'EVConnected' | 'SuspendedEV' | 'SuspendedEVSE' | 'Idle';
export type TransactionEventType = 'Started' | 'Updated' | 'Ended';
export type TriggerReason =
  | 'Authorized'
  | 'CablePluggedIn'
  | 'ChargingRateChanged'
  | 'ChargingStateChanged'
  | 'Deauthorized'
  | 'EnergyLimitReached'
  | 'EVCommunicationLost'
  | 'EVConnectTimeout'
  | 'MeterValueClock'
  | 'MeterValuePeriodic'
  | 'TimeLimitReached'
  | 'Trigger'
  | 'UnlockCommand'
  | 'StopAuthorized'
  | 'EVDeparted'
  | 'EVDetected'
  | 'RemoteStop'
  | 'RemoteStart'
  | 'AbnormalCondition'
  | 'SignedDataReceived'
  | 'ResetCommand';
export type MessageTrigger201 =
  | 'BootNotification'
  | 'LogStatusNotification'
  | 'FirmwareStatusNotification'
  | 'Heartbeat'
  | 'MeterValues'
  | 'SignChargingStationCertificate'
  | 'SignV2GCertificate'
  | 'StatusNotification'
  | 'TransactionEvent'
  | 'SignCombinedCertificate'
  | 'PublishFirmwareStatusNotification';

export interface IdToken {
  idToken: string;
  type: IdTokenType201;
  additionalInfo?: { additionalIdToken: string; type: string }[];
}

export interface Evse {
  id: number;
  connectorId?: number;
}

export interface StatusInfo {
  reasonCode: string;
  additionalInfo?: string;
}

export interface BootNotificationRequest {
  chargingStation: {
    model: string;
    vendorName: string;
    serialNumber?: string;
    firmwareVersion?: string;
    modem?: { iccid?: string; imsi?: string };
  };
  reason: BootReason;
}

export interface BootNotificationResponse {
  currentTime: string;
  interval: number;
  status: RegistrationStatus;
  statusInfo?: StatusInfo;
}

export type HeartbeatRequest = Record<string, never>;

export interface HeartbeatResponse {
  currentTime: string;
}

export interface StatusNotificationRequest {
  timestamp: string;
  connectorStatus: ConnectorStatus201;
  evseId: number;
  connectorId: number;
}

export interface IdTokenInfo {
  status: AuthorizationStatus201;
  cacheExpiryDateTime?: string;
  chargingPriority?: number;
  groupIdToken?: IdToken;
  evseId?: number[];
}

export interface AuthorizeRequest {
  idToken: IdToken;
  certificate?: string;
}

export interface AuthorizeResponse {
  idTokenInfo: IdTokenInfo;
}

export interface SampledValue {
  value: number;
  context?: string;
  measurand?: string;
  phase?: string;
  location?: string;
  unitOfMeasure?: { unit?: string; multiplier?: number };
  signedMeterValue?: { signedMeterData: string; signingMethod: string; encodingMethod: string; publicKey: string };
}

export interface MeterValue {
  timestamp: string;
  sampledValue: SampledValue[];
}

export interface TransactionEventRequest {
  eventType: TransactionEventType;
  timestamp: string;
  triggerReason: TriggerReason;
  seqNo: number;
  offline?: boolean;
  numberOfPhasesUsed?: number;
  cableMaxCurrent?: number;
  reservationId?: number;
  transactionInfo: {
    transactionId: string;
    chargingState?: ChargingState201;
    timeSpentCharging?: number;
    stoppedReason?: string;
    remoteStartId?: number;
  };
  evse?: Evse;
  idToken?: IdToken;
  meterValue?: MeterValue[];
}

export interface TransactionEventResponse {
  totalCost?: number;
  chargingPriority?: number;
  idTokenInfo?: IdTokenInfo;
}

export interface MeterValuesRequest {
  evseId: number;
  meterValue: MeterValue[];
}

export interface RequestStartTransactionRequest {
  remoteStartId: number;
  idToken: IdToken;
  evseId?: number;
  groupIdToken?: IdToken;
}

export interface RequestStopTransactionRequest {
  transactionId: string;
}

export interface UnlockConnectorRequest {
  evseId: number;
  connectorId: number;
}

export interface ReserveNowRequest {
  id: number;
  expiryDateTime: string;
  idToken: IdToken;
  evseId?: number;
  connectorType?: string;
  groupIdToken?: IdToken;
}

export interface CancelReservationRequest {
  reservationId: number;
}

export interface ResetRequest {
  type: 'Immediate' | 'OnIdle';
  evseId?: number;
}

export interface ChangeAvailabilityRequest {
  operationalStatus: 'Inoperative' | 'Operative';
  evse?: Evse;
}

export interface TriggerMessageRequest {
  requestedMessage: MessageTrigger201;
  evse?: Evse;
}

export interface ComponentVariable {
  component: { name: string; instance?: string; evse?: Evse };
  variable: { name: string; instance?: string };
}

export interface GetVariablesRequest {
  getVariableData: ComponentVariable[];
}

export interface GetVariablesResponse {
  getVariableResult: (ComponentVariable & { attributeStatus: string; attributeValue?: string })[];
}

export interface SetVariablesRequest {
  setVariableData: (ComponentVariable & { attributeValue: string })[];
}

export interface SetVariablesResponse {
  setVariableResult: (ComponentVariable & { attributeStatus: string })[];
}

export interface StatusResponse {
  status: string;
  statusInfo?: StatusInfo;
}

export type Ocpp201Call =
  | { action: 'RequestStartTransaction'; payload: RequestStartTransactionRequest }
  | { action: 'RequestStopTransaction'; payload: RequestStopTransactionRequest }
  | { action: 'UnlockConnector'; payload: UnlockConnectorRequest }
  | { action: 'ReserveNow'; payload: ReserveNowRequest }
  | { action: 'CancelReservation'; payload: CancelReservationRequest }
  | { action: 'Reset'; payload: ResetRequest }
  | { action: 'ChangeAvailability'; payload: ChangeAvailabilityRequest }
  | { action: 'TriggerMessage'; payload: TriggerMessageRequest }
  | { action: 'GetVariables'; payload: GetVariablesRequest }
  | { action: 'SetVariables'; payload: SetVariablesRequest };

export type Ocpp201CommandAction = Ocpp201Call['action'];
