import { Inject, Injectable } from '@nestjs/common';
import { CommandOrigin, decodeEventJson, type JsonValue } from '@roamgate/contracts';
import type { RoamgateConfig } from '@roamgate/config';
import {
  ChargingDomainError,
  commandDecider,
  commandStreamName,
  type CommandPayloadInit,
  type CommandStreamEvent,
} from '@roamgate/domain-charging';
import { newEventId, type EventStore } from '@roamgate/event-store';
import { AggregateRepository, CONFIG, EVENT_STORE } from '@roamgate/runtime';
import { domainCodec } from '../ocpp/domain-codec';

export type CommandKindName =
  | 'START_SESSION'
  | 'STOP_SESSION'
  | 'UNLOCK_CONNECTOR'
  | 'RESERVE_NOW'
  | 'CANCEL_RESERVATION'
  | 'RESET'
  | 'CHANGE_AVAILABILITY'
  | 'TRIGGER_MESSAGE'
  | 'GET_CONFIGURATION'
  | 'CHANGE_CONFIGURATION';

/** The proto JSON field of CommandRequested that carries each kind's payload. */
export const PAYLOAD_FIELD: Readonly<Record<CommandKindName, string>> = {
  START_SESSION: 'startSession',
  STOP_SESSION: 'stopSession',
  UNLOCK_CONNECTOR: 'unlockConnector',
  RESERVE_NOW: 'reserveNow',
  CANCEL_RESERVATION: 'cancelReservation',
  RESET: 'reset',
  CHANGE_AVAILABILITY: 'changeAvailability',
  TRIGGER_MESSAGE: 'triggerMessage',
  GET_CONFIGURATION: 'getConfiguration',
  CHANGE_CONFIGURATION: 'changeConfiguration',
};

export const COMMAND_KINDS = Object.keys(PAYLOAD_FIELD) as CommandKindName[];

export interface CommandRequestInput {
  readonly chargerId: string;
  /** START_SESSION, STOP_SESSION, ... (a `COMMAND_KIND_` prefix is tolerated). */
  readonly kind: string;
  /** The kind's proto message as JSON, e.g. `{ idToken: { id: 'ABC' }, connectorId: 1 }` for START_SESSION. */
  readonly payload: Record<string, unknown>;
  readonly origin?: 'API' | 'OCPI' | 'BUS';
  /** Defaults to OCPP_COMMAND_TIMEOUT_S; fractions are kept (to the millisecond). */
  readonly timeoutSeconds?: number;
  readonly partnerId?: string;
  readonly responseUrl?: string;
  readonly requestedBy?: string;
}

const ORIGINS = { API: CommandOrigin.API, OCPI: CommandOrigin.OCPI, BUS: CommandOrigin.BUS } as const;

/**
 * Parses a command payload with the contract's JSON rules (unknown fields, wrong types and bad times are errors).
 * Throws ChargingDomainError INVALID_COMMAND, which callers report as a client error.
 */
export function commandPayload(kind: string, payload: Record<string, unknown>): CommandPayloadInit {
  const name = kind.replace(/^COMMAND_KIND_/, '') as CommandKindName;
  const field = PAYLOAD_FIELD[name];
  if (field === undefined) {
    throw new ChargingDomainError('INVALID_COMMAND', `unknown command kind "${kind}"; one of ${COMMAND_KINDS.join(', ')}`);
  }
  try {
    const parsed = decodeEventJson('CommandRequested', { [field]: payload } as JsonValue);
    if (parsed.payload.case === undefined) throw new Error('no payload');
    return parsed.payload as CommandPayloadInit;
  } catch (error) {
    const reason = error instanceof Error ? error.message.replace(/^Invalid CommandRequested: /, '') : String(error);
    throw new ChargingDomainError('INVALID_COMMAND', `invalid ${name} payload: ${reason}`);
  }
}

/** Records commands for chargers; the gateway's command consumer carries them out. */
@Injectable()
export class CommandService {
  private readonly repository: AggregateRepository;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(CONFIG) private readonly config: RoamgateConfig,
  ) {
    this.repository = new AggregateRepository(store);
  }

  async request(input: CommandRequestInput): Promise<{ commandId: string }> {
    if (input.chargerId.trim() === '') throw new ChargingDomainError('INVALID_COMMAND', 'chargerId is required');
    const payload = commandPayload(input.kind, input.payload);
    const seconds = input.timeoutSeconds ?? this.config.ocpp.commandTimeoutS;
    if (!(seconds > 0) || seconds > 3_600) throw new ChargingDomainError('INVALID_COMMAND', `timeoutSeconds must be in (0, 3600], got ${seconds}`);
    const commandId = newEventId();
    await this.repository.handle(commandStreamName(commandId), commandDecider, domainCodec<CommandStreamEvent>(), () => [
      {
        type: 'RequestCommand' as const,
        commandId,
        chargerId: input.chargerId,
        payload,
        origin: ORIGINS[input.origin ?? 'API'],
        timeoutMs: Math.max(1, Math.round(seconds * 1000)),
        now: new Date(),
        ...(input.partnerId === undefined ? {} : { partnerId: input.partnerId }),
        ...(input.responseUrl === undefined ? {} : { responseUrl: input.responseUrl }),
        ...(input.requestedBy === undefined ? {} : { requestedBy: input.requestedBy }),
      },
    ]);
    return { commandId };
  }
}
