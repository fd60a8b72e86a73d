import type { EnergyModel } from './energy';

export type OcppProtocol = 'ocpp1.6' | 'ocpp2.0.1';
export const OCPP_PROTOCOLS: readonly OcppProtocol[] = ['ocpp1.6', 'ocpp2.0.1'];

export interface ChargerProfile {
  readonly vendor: string;
  readonly model: string;
  readonly firmwareVersion: string;
  readonly connectors: number;
  readonly maxPowerW: number;
  readonly meterValueIntervalS: number;
  /** Overrides the interval the CSMS returns in BootNotification (load tests); unset, the CSMS decides. */
  readonly heartbeatIntervalS?: number;
  /** Energy register of every connector when the charger powers up. */
  readonly meterStartWh?: number;
}

export const DEFAULT_PROFILE: ChargerProfile = {
  vendor: 'Roamgate',
  model: 'SimCharger',
  firmwareVersion: '1.0.0',
  connectors: 2,
  maxPowerW: 22_000,
  meterValueIntervalS: 60,
};

/** A register far from zero, so that a meter stop below the meter start stays a plausible reading. */
export const DEFAULT_METER_START_WH = 100_000;

export type ConnectorStatus = 'Available' | 'Preparing' | 'Charging' | 'Finishing' | 'Reserved' | 'Unavailable';

export type StopReason = 'Remote' | 'Local' | 'EVDisconnected' | 'HardReset' | 'SoftReset' | 'UnlockCommand' | 'DeAuthorized';

export type BootReason = 'PowerUp' | 'RemoteReset' | 'Triggered';

export type ReadingContext = 'Sample.Periodic' | 'Transaction.Begin' | 'Transaction.End' | 'Trigger';

export interface MeterSample {
  readonly timestamp: string;
  readonly energyWh: number;
  readonly powerW: number;
  readonly context: ReadingContext;
  /** Produced while the connection was down: OCPP 2.0.1 sends such messages with `offline: true`. */
  readonly offline: boolean;
}

export interface Reservation {
  readonly id: number;
  readonly idTag: string;
  readonly expiresAt: Date;
}

export interface Session {
  readonly connectorId: number;
  readonly idTag: string;
  readonly idTokenType: IdTokenType;
  readonly trigger: 'Remote' | 'Local';
  readonly remoteStartId?: number;
  readonly reservationId?: number;
  readonly energy: EnergyModel;
  readonly begin: MeterSample;
  /** OCPP 1.6: assigned by the CSMS in StartTransaction.conf; OCPP 2.0.1: chosen by the charger. */
  transactionId?: number | string;
  samples: number;
  seqNo: number;
  end?: SessionEnd;
}

export interface SessionEnd {
  readonly reason: StopReason;
  readonly sample: MeterSample;
  /** What the charger reports as meter stop; differs from `sample.energyWh` under the meterStopBelowStart fault. */
  readonly meterStopWh: number;
}

export interface Connector {
  readonly id: number;
  status: ConnectorStatus;
  operative: boolean;
  /** ChangeAvailability received while a session runs (answered Scheduled): applied when it ends. */
  scheduledOperative?: boolean;
  registerWh: number;
  reservation?: Reservation;
  session?: Session;
}

export type IdTokenType = 'ISO14443' | 'Central' | 'eMAID' | 'ISO15693' | 'KeyCode' | 'Local' | 'MacAddress' | 'NoAuthorization';
