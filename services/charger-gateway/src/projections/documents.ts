import type { CollectionSpec } from '@roamgate/read-models';

export const CHARGERS = 'chargers';
export const SESSIONS = 'sessions';
export const COMMANDS = 'commands';

/** What defines a charger's place in the charger mix: every session and command outcome is grouped by it. */
export type ChargerMix = {
  readonly vendor: string | null;
  readonly model: string | null;
  readonly firmwareVersion: string | null;
};

export const UNKNOWN_MIX: ChargerMix = { vendor: null, model: null, firmwareVersion: null };

export type Protocol = 'ocpp1.6' | 'ocpp2.0.1';

export type ConnectorView = {
  readonly evseId: number;
  readonly connectorId: number;
  readonly status: string | null;
  readonly errorCode: string;
  readonly info: string;
  readonly vendorErrorCode: string;
  /** The charger's timestamp of the status. */
  readonly since: string | null;
};

/** A mix the charger booted with, from the global position of that boot on. */
export type MixChange = ChargerMix & { readonly position: number };

export type ChargerDocument = ChargerMix & {
  readonly id: string;
  readonly registered: boolean;
  readonly registeredAt: string | null;
  readonly locationId: string | null;
  readonly tags: readonly string[];
  readonly securityProfile: number;
  readonly protocol: Protocol | null;
  readonly serialNumber: string | null;
  readonly bootStatus: string | null;
  readonly bootReason: string | null;
  readonly bootedAt: string | null;
  readonly heartbeatIntervalSeconds: number | null;
  readonly connected: boolean;
  readonly connectionId: string | null;
  readonly remoteAddress: string | null;
  /** The gateway instance that recorded the latest connection; null when an older gateway did. */
  readonly gatewayInstance: string | null;
  readonly connectedAt: string | null;
  readonly disconnectedAt: string | null;
  readonly disconnectReason: string | null;
  readonly lastSeenAt: string | null;
  /** Ordered by EVSE, then connector; EVSE 0 connector 0 is the whole charger (OCPP 1.6 connector 0). */
  readonly connectors: readonly ConnectorView[];
  /** Lets a session or command projected late still get the mix the charger had when it began. */
  readonly mixHistory: readonly MixChange[];
};

export type SessionStatus = 'ACTIVE' | 'COMPLETED';

export type SessionDocument = ChargerMix & {
  readonly id: string;
  readonly chargerId: string;
  readonly protocol: Protocol | null;
  readonly evseId: number;
  readonly connectorId: number;
  readonly transactionId: string;
  readonly idToken: { readonly id: string; readonly type: string } | null;
  readonly status: SessionStatus;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
  /** Decimal Wh strings, never floats. */
  readonly meterStartWh: string | null;
  readonly meterStopWh: string | null;
  readonly lastMeterWh: string | null;
  readonly lastMeterAt: string | null;
  readonly energyWh: string | null;
  readonly meterValuesCount: number;
  readonly chargingState: string | null;
  readonly chargingStateSince: string | null;
  readonly authorization: string | null;
  readonly stopReason: string | null;
  readonly anomalies: readonly string[];
  readonly offline: boolean;
  readonly commandId: string | null;
  readonly stopCommandId: string | null;
  readonly partnerId: string | null;
  readonly authorizationReference: string | null;
  readonly reservationId: string | null;
};

export type CommandStatus = 'REQUESTED' | 'SENT' | 'ACCEPTED' | 'REJECTED' | 'TIMED_OUT' | 'FAILED';

export const COMMAND_STATUSES: readonly CommandStatus[] = ['REQUESTED', 'SENT', 'ACCEPTED', 'REJECTED', 'TIMED_OUT', 'FAILED'];

export type CommandDelivery = {
  readonly delivered: boolean;
  readonly attempts: number;
  readonly httpStatus: number;
  readonly at: string | null;
  readonly error: string | null;
};

export type CommandDocument = ChargerMix & {
  readonly id: string;
  /** Null only while a session naming this command was projected before the command itself. */
  readonly kind: string | null;
  readonly chargerId: string | null;
  readonly origin: string | null;
  readonly status: CommandStatus | null;
  /** OCPI CommandResult, e.g. EVSE_OCCUPIED: finer than status. */
  readonly result: string | null;
  readonly payload: Readonly<Record<string, unknown>> | null;
  readonly partnerId: string | null;
  readonly responseUrl: string | null;
  readonly requestedBy: string | null;
  readonly timeoutMs: number | null;
  readonly requestedAt: string | null;
  readonly sentAt: string | null;
  readonly answeredAt: string | null;
  readonly completedAt: string | null;
  readonly latencyMs: number | null;
  readonly action: string | null;
  readonly messageId: string | null;
  readonly answerStatus: string | null;
  readonly answerPayload: string | null;
  readonly errorCode: string | null;
  readonly errorDescription: string | null;
  readonly failureReason: string | null;
  readonly lateAnswer: boolean;
  readonly sessionId: string | null;
  readonly delivery: CommandDelivery | null;
  /** Last revision applied from each stream that feeds the document (command-<id>, session-<id>). */
  readonly sources: Readonly<Record<string, number>>;
};

export type FrameDirectionLabel = 'FROM_CHARGER' | 'TO_CHARGER';

export type OcppMessageDocument = {
  readonly id: string;
  readonly chargerId: string;
  readonly sessionId: string | null;
  readonly commandId: string | null;
  readonly connectionId: string | null;
  readonly protocol: Protocol | null;
  readonly at: string | null;
  /** Log sequence: increasing in the order the gateway logged the frames (the global event position for older frames). */
  readonly position: number;
  /** `at`, then `position`: the order frames are listed in. */
  readonly order: string;
  readonly direction: FrameDirectionLabel | null;
  readonly frameType: string | null;
  readonly action: string;
  readonly messageId: string;
  /** The frame's raw JSON text, as it was on the wire. */
  readonly payload: string;
  readonly latencyMs: number | null;
  readonly validationError: string | null;
};

export const COLLECTION_SPECS: readonly CollectionSpec[] = [
  { name: CHARGERS, indexes: ['vendor', 'model', 'firmwareVersion', 'connected', 'registered', 'locationId', 'gatewayInstance'] },
  {
    name: SESSIONS,
    indexes: ['chargerId', 'status', 'vendor', 'model', 'firmwareVersion', 'startedAt', 'transactionId', 'commandId', 'partnerId'],
  },
  { name: COMMANDS, indexes: ['chargerId', 'status', 'kind', 'origin', 'requestedAt', 'vendor', 'model', 'firmwareVersion', 'sessionId'] },
];
