import { BootStatus, ConnectorStatus, domainEvent, FrameDirection, OcppVersion, type DomainEvent } from '@roamgate/contracts';
import type { Decider } from '../shared/decider.js';
import { ChargingDomainError } from '../shared/errors.js';
import { dateOf, laterOf, requireDate, timestamp } from '../shared/time.js';

export const chargerStreamName = (chargerId: string): string => `charger-${chargerId}`;

/** What a BootNotification from a charger nobody registered gets: refused, or held in Pending until an operator registers it. */
export type UnknownChargerPolicy = 'reject' | 'pending';

export type RegisterCharger = Readonly<{
  type: 'RegisterCharger';
  chargerId: string;
  passwordHash: string;
  securityProfile?: number;
  locationId?: string;
  tags?: readonly string[];
  now: Date;
}>;

export type RecordBoot = Readonly<{
  type: 'RecordBoot';
  chargerId: string;
  protocol: OcppVersion;
  vendor: string;
  model: string;
  firmwareVersion?: string;
  serialNumber?: string;
  reason?: string;
  unknownChargerPolicy: UnknownChargerPolicy;
  heartbeatIntervalSeconds: number;
  now: Date;
}>;

export type RecordConnected = Readonly<{
  type: 'RecordConnected';
  chargerId: string;
  connectionId: string;
  protocol: OcppVersion;
  remoteAddress?: string;
  securityProfile?: number;
  now: Date;
}>;

export type RecordDisconnected = Readonly<{
  type: 'RecordDisconnected';
  chargerId: string;
  connectionId: string;
  closeCode?: number;
  reason?: string;
  now: Date;
}>;

export type RecordConnectorStatus = Readonly<{
  type: 'RecordConnectorStatus';
  chargerId: string;
  /** 0 for OCPP 1.6. */
  evseId: number;
  /** 1.6 connector 0 (with evseId 0) is the whole charger. */
  connectorId: number;
  status: ConnectorStatus;
  errorCode?: string;
  info?: string;
  vendorErrorCode?: string;
  /** The charger's timestamp; statuses are ordered by it. Absent in 1.6 means "now". */
  timestamp?: Date;
  now: Date;
}>;

export type ChargerCommand = RegisterCharger | RecordBoot | RecordConnected | RecordDisconnected | RecordConnectorStatus;

export type ChargerStreamEvent = DomainEvent<
  'ChargerRegistered' | 'ChargerBooted' | 'ChargerConnected' | 'ChargerDisconnected' | 'ConnectorStatusChanged' | 'OcppFrameLogged'
>;

export interface ConnectorState {
  readonly evseId: number;
  readonly connectorId: number;
  readonly status: ConnectorStatus;
  readonly errorCode: string;
  readonly info: string;
  readonly vendorErrorCode: string;
  /** The charger's timestamp of the status. */
  readonly since: Date;
}

export type Connectivity = 'never_connected' | 'online' | 'offline';

export interface ChargerState {
  readonly chargerId: string;
  readonly registered: boolean;
  readonly passwordHash: string;
  readonly securityProfile: number;
  readonly locationId: string;
  readonly tags: readonly string[];
  readonly protocol: OcppVersion;
  readonly bootStatus: BootStatus;
  readonly bootedAt: Date | undefined;
  readonly vendor: string;
  readonly model: string;
  readonly firmwareVersion: string;
  readonly serialNumber: string;
  readonly connectivity: Connectivity;
  readonly connectionId: string;
  readonly lastSeenAt: Date | undefined;
  /** Keyed by `connectorKey(evseId, connectorId)`. */
  readonly connectors: Readonly<Record<string, ConnectorState>>;
}

export const connectorKey = (evseId: number, connectorId: number): string => `${evseId}/${connectorId}`;

export function initialChargerState(): ChargerState {
  return {
    chargerId: '',
    registered: false,
    passwordHash: '',
    securityProfile: 0,
    locationId: '',
    tags: [],
    protocol: OcppVersion.OCPP_VERSION_UNSPECIFIED,
    bootStatus: BootStatus.UNSPECIFIED,
    bootedAt: undefined,
    vendor: '',
    model: '',
    firmwareVersion: '',
    serialNumber: '',
    connectivity: 'never_connected',
    connectionId: '',
    lastSeenAt: undefined,
    connectors: {},
  };
}

export function decideCharger(command: ChargerCommand, state: ChargerState): readonly ChargerStreamEvent[] {
  switch (command.type) {
    case 'RegisterCharger':
      return registerCharger(command, state);
    case 'RecordBoot':
      return recordBoot(command, state);
    case 'RecordConnected':
      if (state.connectivity === 'online' && state.connectionId === command.connectionId) return [];
      return [
        domainEvent('ChargerConnected', {
          chargerId: command.chargerId,
          occurredAt: timestamp(command.now),
          protocol: command.protocol,
          connectionId: command.connectionId,
          remoteAddress: command.remoteAddress ?? '',
          securityProfile: command.securityProfile ?? state.securityProfile,
        }),
      ];
    case 'RecordDisconnected':
      // A close of a connection that a newer one already replaced says nothing about the charger now.
      if (state.connectivity !== 'online' || state.connectionId !== command.connectionId) return [];
      return [
        domainEvent('ChargerDisconnected', {
          chargerId: command.chargerId,
          occurredAt: timestamp(command.now),
          connectionId: command.connectionId,
          closeCode: command.closeCode ?? 1006,
          reason: command.reason ?? '',
        }),
      ];
    case 'RecordConnectorStatus':
      return recordConnectorStatus(command, state);
  }
}

function registerCharger(command: RegisterCharger, state: ChargerState): readonly ChargerStreamEvent[] {
  if (state.registered) {
    throw new ChargingDomainError('CHARGER_ALREADY_REGISTERED', `charger ${command.chargerId} is already registered`);
  }
  return [
    domainEvent('ChargerRegistered', {
      chargerId: command.chargerId,
      occurredAt: timestamp(command.now),
      passwordHash: command.passwordHash,
      securityProfile: command.securityProfile ?? (command.passwordHash === '' ? 0 : 1),
      locationId: command.locationId ?? '',
      tags: [...(command.tags ?? [])],
    }),
  ];
}

function recordBoot(command: RecordBoot, state: ChargerState): readonly ChargerStreamEvent[] {
  if (!state.registered && command.unknownChargerPolicy === 'reject') {
    throw new ChargingDomainError('CHARGER_NOT_REGISTERED', `charger ${command.chargerId} is not registered`);
  }
  return [
    domainEvent('ChargerBooted', {
      chargerId: command.chargerId,
      occurredAt: timestamp(command.now),
      receivedAt: timestamp(command.now),
      protocol: command.protocol,
      vendor: command.vendor,
      model: command.model,
      firmwareVersion: command.firmwareVersion ?? '',
      serialNumber: command.serialNumber ?? '',
      reason: command.reason ?? '',
      bootStatus: state.registered ? BootStatus.ACCEPTED : BootStatus.PENDING,
      heartbeatIntervalSeconds: command.heartbeatIntervalSeconds,
    }),
  ];
}

/**
 * Statuses are ordered by the charger's clock: one older than the status already known is a late delivery
 * of something that no longer holds, and a repeat of the current status is no change.
 */
function recordConnectorStatus(command: RecordConnectorStatus, state: ChargerState): readonly ChargerStreamEvent[] {
  const at = command.timestamp ?? command.now;
  const known = state.connectors[connectorKey(command.evseId, command.connectorId)];
  const reported = {
    status: command.status,
    errorCode: command.errorCode ?? '',
    info: command.info ?? '',
    vendorErrorCode: command.vendorErrorCode ?? '',
  };
  if (known !== undefined) {
    if (at.getTime() < known.since.getTime()) return [];
    if (
      known.status === reported.status &&
      known.errorCode === reported.errorCode &&
      known.info === reported.info &&
      known.vendorErrorCode === reported.vendorErrorCode
    ) {
      return [];
    }
  }
  return [
    domainEvent('ConnectorStatusChanged', {
      chargerId: command.chargerId,
      occurredAt: timestamp(at),
      receivedAt: timestamp(command.now),
      evseId: command.evseId,
      connectorId: command.connectorId,
      ...reported,
    }),
  ];
}

export function evolveCharger(state: ChargerState, event: ChargerStreamEvent): ChargerState {
  switch (event.type) {
    case 'ChargerRegistered': {
      const { data } = event;
      return {
        ...state,
        chargerId: data.chargerId,
        registered: true,
        passwordHash: data.passwordHash,
        securityProfile: data.securityProfile,
        locationId: data.locationId,
        tags: data.tags,
      };
    }
    case 'ChargerBooted': {
      const { data } = event;
      const at = requireDate(data.receivedAt ?? data.occurredAt);
      return {
        ...state,
        chargerId: data.chargerId,
        protocol: data.protocol,
        bootStatus: data.bootStatus,
        bootedAt: at,
        vendor: data.vendor,
        model: data.model,
        firmwareVersion: data.firmwareVersion,
        serialNumber: data.serialNumber,
        lastSeenAt: laterOf(state.lastSeenAt, at),
      };
    }
    case 'ChargerConnected': {
      const { data } = event;
      return {
        ...state,
        chargerId: data.chargerId,
        protocol: data.protocol,
        connectivity: 'online',
        connectionId: data.connectionId,
        lastSeenAt: laterOf(state.lastSeenAt, dateOf(data.occurredAt)),
      };
    }
    case 'ChargerDisconnected': {
      const { data } = event;
      if (data.connectionId !== state.connectionId) return state;
      return { ...state, connectivity: 'offline', lastSeenAt: laterOf(state.lastSeenAt, dateOf(data.occurredAt)) };
    }
    case 'ConnectorStatusChanged': {
      const { data } = event;
      const connector: ConnectorState = {
        evseId: data.evseId,
        connectorId: data.connectorId,
        status: data.status,
        errorCode: data.errorCode,
        info: data.info,
        vendorErrorCode: data.vendorErrorCode,
        since: requireDate(data.occurredAt),
      };
      return {
        ...state,
        connectors: { ...state.connectors, [connectorKey(data.evseId, data.connectorId)]: connector },
        lastSeenAt: laterOf(state.lastSeenAt, dateOf(data.receivedAt)),
      };
    }
    case 'OcppFrameLogged': {
      const { data } = event;
      if (data.direction !== FrameDirection.FROM_CHARGER) return state;
      return { ...state, lastSeenAt: laterOf(state.lastSeenAt, dateOf(data.occurredAt)) };
    }
  }
}

/** The whole-charger status: OCPP 1.6 connector 0. */
export function chargerStatus(state: ChargerState): ConnectorState | undefined {
  return state.connectors[connectorKey(0, 0)];
}

export const chargerDecider: Decider<ChargerState, ChargerCommand, ChargerStreamEvent> = {
  decide: decideCharger,
  evolve: evolveCharger,
  initialState: initialChargerState,
};
