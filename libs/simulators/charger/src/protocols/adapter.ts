import type { Configuration } from '../configuration';
import type {
  BootReason,
  ChargerProfile,
  Connector,
  ConnectorStatus,
  IdTokenType,
  MeterSample,
  OcppProtocol,
  Session,
  StopReason,
} from '../model';
import type { Payload, SendOptions } from '../outbox';

export type RegistrationStatus = 'Accepted' | 'Pending' | 'Rejected';

export interface BootResult {
  readonly status: RegistrationStatus;
  readonly intervalS: number;
}

export interface StartRequest {
  readonly connectorId?: number;
  readonly idTag: string;
  readonly idTokenType?: IdTokenType;
  readonly remoteStartId?: number;
}

export type ReserveResult = 'Accepted' | 'Occupied' | 'Unavailable' | 'Rejected';

/**
 * What a protocol adapter sees of the charger: its state, the outgoing channel, and the protocol-neutral operations a
 * CSMS request maps onto. Operations decide at once (so the handler can answer) and act after the answer went out.
 */
export interface ChargerContext {
  readonly profile: ChargerProfile;
  readonly configuration: Configuration;
  readonly connectors: readonly Connector[];
  connector(id: number): Connector | undefined;
  timestamp(): string;
  send(action: string, payload: Payload, options?: SendOptions): Promise<unknown>;
  /** Runs `task` once the CALLRESULT of the request being handled is on the wire. */
  afterReply(task: () => void | Promise<unknown>): void;
  reading(connector: Connector, context: MeterSample['context']): MeterSample;

  remoteStart(request: StartRequest): boolean;
  remoteStop(transactionId: number | string): boolean;
  stopSession(connector: Connector, reason: StopReason): void;
  reserve(connectorId: number | undefined, reservation: { id: number; idTag: string; expiresAt: Date }): ReserveResult;
  cancelReservation(reservationId: number): boolean;
  changeAvailability(connectorId: number | undefined, operative: boolean): 'Accepted' | 'Scheduled';
  reset(reason: 'HardReset' | 'SoftReset', whenIdle: boolean): 'Accepted' | 'Scheduled';
}

export type CallHandler = (params: any) => object | Promise<object>;

/** One per OCPP version: the frames of that version for what the charger does, and the CSMS requests it answers. */
export interface ProtocolAdapter {
  readonly protocol: OcppProtocol;
  readonly handlers: Readonly<Record<string, CallHandler>>;
  boot(reason: BootReason): Promise<BootResult>;
  heartbeat(): Promise<unknown>;
  statusNotification(connector: Connector, status: ConnectorStatus): Promise<unknown>;
  /** The status as this version reports it: 2.0.1 has one Occupied for 1.6's Preparing, Charging and Finishing. */
  reportedStatus(status: ConnectorStatus): string;
  authorize(idTag: string, idTokenType: IdTokenType): Promise<boolean>;
  /** Resolves whether the CSMS accepted the id token for the transaction. */
  transactionStarted(session: Session): Promise<boolean>;
  transactionUpdated(session: Session, sample: MeterSample): Promise<unknown>;
  transactionEnded(session: Session): Promise<unknown>;
}
