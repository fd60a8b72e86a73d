import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { RoamgateConfig } from '@roamgate/config';
import { CommandOrigin, timestampFromDate } from '@roamgate/contracts';
import { commandDecider, commandStreamName, fromStoredEvent, toStoredEvent, type CommandPayloadInit, type CommandStreamEvent } from '@roamgate/domain-charging';
import { newEventId, type EventStore, type Json } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, CONFIG, EVENT_STORE, READ_MODELS, type EventCodec } from '@roamgate/runtime';
import type { OcpiRequestContext } from '../transport/request-context';
import { validateBody } from '../transport/validation';
import {
  COMMAND_DTOS,
  COMMAND_TYPES,
  type CancelReservationDto,
  type CommandResponse,
  type CommandType,
  type ReserveNowDto,
  type StartSessionDto,
  type StopSessionDto,
  type UnlockConnectorDto,
} from './commands.dto';
import { LocationRepository } from '../locations/location.repository';
import { ScopeService } from '../scope/scope.service';
import { chargerFacts, chargerOfAddress, resolveTarget, type OcppTarget, type Resolution } from './evse-mapping';
import { sessionOwnership } from './session-ownership';

export const RESERVATIONS = { name: 'ocpi_reservations', indexes: ['partnerId'] } as const;
type ReservationDocument = { readonly partnerId: string; readonly reservationId: string; readonly chargerId: string; readonly commandId: string };

export const commandCodec: EventCodec<CommandStreamEvent> = {
  toStored: (event) => toStoredEvent(event) as { type: string; data: Json },
  fromStored: (stored) => fromStoredEvent(stored as never) as CommandStreamEvent,
};

const en = (text: string) => [{ language: 'en', text }];

/**
 * mod_commands, receiver interface. ACCEPTED means a CommandRequested (origin OCPI, partner, response_url and the
 * promised timeout) is in the store: the charger-gateway carries it out, and the CommandResult follows from its
 * answer (CommandResults). Every refusal is decided here, before anything is recorded.
 */
@Injectable()
export class CommandsService implements OnModuleInit {
  private readonly aggregates: AggregateRepository;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(CONFIG) private readonly config: RoamgateConfig,
    private readonly scopes: ScopeService,
    private readonly locations: LocationRepository,
  ) {
    this.aggregates = new AggregateRepository(store);
  }

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(RESERVATIONS);
  }

  get timeoutSeconds(): number {
    return Math.max(1, Math.ceil(this.config.ocpp.commandTimeoutS));
  }

  async handle(type: string, ocpi: OcpiRequestContext, body: unknown): Promise<CommandResponse> {
    if (!(COMMAND_TYPES as readonly string[]).includes(type)) return this.answer('NOT_SUPPORTED', `command ${type} is not supported`);
    const command = validateBody(COMMAND_DTOS[type as CommandType] as new () => object, body);
    const partnerId = ocpi.partner!.id;
    switch (type as CommandType) {
      case 'START_SESSION':
        return this.startSession(partnerId, command as StartSessionDto);
      case 'STOP_SESSION':
        return this.stopSession(partnerId, command as StopSessionDto);
      case 'UNLOCK_CONNECTOR':
        return this.unlockConnector(partnerId, command as UnlockConnectorDto);
      case 'RESERVE_NOW':
        return this.reserveNow(partnerId, command as ReserveNowDto);
      case 'CANCEL_RESERVATION':
        return this.cancelReservation(partnerId, command as CancelReservationDto);
    }
  }

  private async startSession(partnerId: string, command: StartSessionDto): Promise<CommandResponse> {
    const resolved = await this.resolve(partnerId, command.location_id, command.evse_uid, command.connector_id, false);
    if ('rejected' in resolved) return this.answer('REJECTED', resolved.rejected);
    const { target } = resolved;
    await this.request(partnerId, command.response_url, target.chargerId, {
      case: 'startSession',
      value: {
        idToken: { id: command.token.uid, type: command.token.type },
        evseId: target.evseId,
        connectorId: target.connectorId,
        authorizationReference: command.authorization_reference ?? '',
        locationId: command.location_id,
        evseUid: command.evse_uid ?? '',
        ocpiConnectorId: command.connector_id ?? '',
      },
    });
    return this.answer('ACCEPTED');
  }

  private async stopSession(partnerId: string, command: StopSessionDto): Promise<CommandResponse> {
    const session = await sessionOwnership(this.store, command.session_id);
    // Another partner's session is answered exactly like a missing one: its existence is not ours to reveal.
    if (!session || session.partnerId !== partnerId) return this.answer('UNKNOWN_SESSION', `unknown session ${command.session_id}`);
    if (session.stopped) return this.answer('REJECTED', `session ${command.session_id} has already stopped`);
    await this.request(partnerId, command.response_url, session.chargerId, { case: 'stopSession', value: { sessionId: command.session_id, transactionId: session.transactionId } });
    return this.answer('ACCEPTED');
  }

  private async unlockConnector(partnerId: string, command: UnlockConnectorDto): Promise<CommandResponse> {
    const resolved = await this.resolve(partnerId, command.location_id, command.evse_uid, command.connector_id, true);
    if ('rejected' in resolved) return this.answer('REJECTED', resolved.rejected);
    const { target } = resolved;
    await this.request(partnerId, command.response_url, target.chargerId, {
      case: 'unlockConnector',
      value: { evseId: target.evseId, connectorId: target.connectorId, locationId: command.location_id, evseUid: command.evse_uid, ocpiConnectorId: command.connector_id },
    });
    return this.answer('ACCEPTED');
  }

  private async reserveNow(partnerId: string, command: ReserveNowDto): Promise<CommandResponse> {
    const resolved = await this.resolve(partnerId, command.location_id, command.evse_uid, undefined, false);
    if ('rejected' in resolved) return this.answer('REJECTED', resolved.rejected);
    const expiresAt = new Date(command.expiry_date);
    if (expiresAt.getTime() <= Date.now()) return this.answer('REJECTED', 'expiry_date is in the past');
    const { target } = resolved;
    const commandId = await this.request(partnerId, command.response_url, target.chargerId, {
      case: 'reserveNow',
      value: {
        reservationId: command.reservation_id,
        idToken: { id: command.token.uid, type: command.token.type },
        expiresAt: timestampFromDate(expiresAt),
        evseId: target.evseId,
        connectorId: target.connectorId,
        authorizationReference: command.authorization_reference ?? '',
        locationId: command.location_id,
        evseUid: command.evse_uid ?? '',
      },
    });
    const reservation: ReservationDocument = { partnerId, reservationId: command.reservation_id, chargerId: target.chargerId, commandId };
    await this.readModels.upsert(RESERVATIONS.name, `${partnerId}|${command.reservation_id}`, reservation, Date.now());
    return this.answer('ACCEPTED');
  }

  private async cancelReservation(partnerId: string, command: CancelReservationDto): Promise<CommandResponse> {
    const reservation = (await this.readModels.get<ReservationDocument>(RESERVATIONS.name, `${partnerId}|${command.reservation_id}`))?.data;
    if (!reservation) return this.answer('REJECTED', `unknown reservation ${command.reservation_id}`);
    await this.request(partnerId, command.response_url, reservation.chargerId, { case: 'cancelReservation', value: { reservationId: command.reservation_id } });
    return this.answer('ACCEPTED');
  }

  /**
   * The charger place of an OCPI address, within the partner's launch scope. An EVSE attached in the location model
   * is at that model's location; a model location with a single charger works as a START_SESSION target without
   * evse_uid. An address outside the scope is REJECTED with the reason (the partner sees only its scope anyway).
   */
  private async resolve(partnerId: string, locationId: string, evseUid: string | undefined, connectorId: string | undefined, evseRequired: boolean): Promise<Resolution> {
    const placed = evseUid === undefined ? undefined : await this.locations.evse(evseUid);
    let charger = await chargerOfAddress(this.store, locationId, evseUid);
    if (!charger && evseUid === undefined) {
      const chargers = [...new Set((await this.locations.evsesAt(locationId)).map((e) => e.chargerId))];
      const only = chargers.length === 1 ? await chargerFacts(this.store, chargers[0]!) : undefined;
      if (only) charger = { ...only, locationId };
    }
    if (charger && placed) charger = { ...charger, locationId: placed.locationId };
    const resolution = resolveTarget(charger, { locationId, ...(evseUid === undefined ? {} : { evseUid }), ...(connectorId === undefined ? {} : { connectorId }) }, evseRequired);
    if ('rejected' in resolution) return resolution;
    const place = { uid: evseUid ?? '', locationId: placed?.locationId ?? locationId, chargerId: resolution.target.chargerId };
    const scope = await this.scopes.get(partnerId);
    if (!this.scopes.allowsIn(scope, place)) {
      if (!scope.set) return { rejected: 'no launch scope has been agreed with this partner yet: it may command no EVSE' };
      return { rejected: evseUid === undefined ? `location ${locationId} is not in the launch scope agreed with this partner` : `EVSE ${evseUid} is not in the launch scope agreed with this partner` };
    }
    return resolution;
  }

  private async request(partnerId: string, responseUrl: string, chargerId: OcppTarget['chargerId'], payload: CommandPayloadInit): Promise<string> {
    const commandId = newEventId();
    await this.aggregates.handle(commandStreamName(commandId), commandDecider, commandCodec, () => [
      {
        type: 'RequestCommand' as const,
        commandId,
        chargerId,
        payload,
        origin: CommandOrigin.OCPI,
        partnerId,
        responseUrl,
        timeoutMs: this.timeoutSeconds * 1000,
        now: new Date(),
      },
    ]);
    return commandId;
  }

  private answer(result: CommandResponse['result'], message?: string): CommandResponse {
    return { result, timeout: this.timeoutSeconds, ...(message === undefined ? {} : { message: en(message) }) };
  }
}
