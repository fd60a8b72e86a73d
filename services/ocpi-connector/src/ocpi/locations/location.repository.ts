import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EventStore } from '@roamgate/event-store';
import {
  fromStoredEvent,
  locationDecider,
  locationStreamName,
  toStoredEvent,
  type LocationCommand,
  type LocationEvent,
  type LocationState,
} from '@roamgate/domain-ocpi';
import { findAll, type ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, EVENT_STORE, READ_MODELS, type EventCodec } from '@roamgate/runtime';

export const OCPI_LOCATIONS = { name: 'ocpi_locations', indexes: ['lastUpdated'] } as const;
export const OCPI_EVSES = { name: 'ocpi_evses', indexes: ['locationId', 'chargerId', 'chargerEvse'] } as const;

export type LocationDocument = { readonly id: string; readonly lastUpdated: string; readonly state: LocationState };
/** Where an EVSE is: its location and charger. `statusRevision` is the charger-stream revision of the last status applied. */
export type EvseDocument = {
  readonly id: string;
  readonly locationId: string;
  readonly chargerId: string;
  readonly evse: number;
  readonly chargerEvse: string;
  readonly statusRevision: number;
};

const codec: EventCodec<LocationEvent> = {
  toStored: (event) => toStoredEvent(event) as ReturnType<EventCodec<LocationEvent>['toStored']>,
  fromStored: (stored) => fromStoredEvent(stored) as LocationEvent,
};

export class EvseElsewhereError extends Error {}

/**
 * Writes location streams through the decider and keeps ocpi_locations and the ocpi_evses index in step in the same
 * call (revision-guarded), so the operations API reads its own writes. Pushes and partner views follow from the
 * events on the bus (LocationPublisher).
 */
@Injectable()
export class LocationRepository implements OnModuleInit {
  private readonly aggregates: AggregateRepository;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
  ) {
    this.aggregates = new AggregateRepository(store);
  }

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(OCPI_LOCATIONS);
    await this.readModels.ensureCollection(OCPI_EVSES);
  }

  async handle(locationId: string, command: LocationCommand): Promise<{ state: LocationState; events: readonly LocationEvent[] }> {
    if (command.type === 'AttachEvse') {
      const uid = `${command.evse.chargerId}-${command.evse.evse}`;
      const placed = await this.evse(uid);
      if (placed && placed.locationId !== locationId) throw new EvseElsewhereError(`EVSE ${uid} is attached to location ${placed.locationId}: detach it there first`);
    }
    const result = await this.aggregates.handle(locationStreamName(locationId), locationDecider, codec, () => [command]);
    if (result.events.length) await this.project(result.state, result.revision, result.events);
    return { state: result.state, events: result.events };
  }

  private async project(state: LocationState, revision: number, events: readonly LocationEvent[]): Promise<void> {
    await this.readModels.upsert<LocationDocument>(OCPI_LOCATIONS.name, state.locationId, { id: state.locationId, lastUpdated: state.lastUpdated, state }, revision);
    for (const event of events) {
      if (event.type === 'EvseAttached' && event.data.evse) {
        const e = event.data.evse;
        const current = await this.evse(e.uid);
        await this.readModels.upsert<EvseDocument>(
          OCPI_EVSES.name,
          e.uid,
          { id: e.uid, locationId: state.locationId, chargerId: e.chargerId, evse: e.evse, chargerEvse: `${e.chargerId}|${e.evse}`, statusRevision: current?.statusRevision ?? -1 },
          await this.nextRevision(e.uid),
        );
      } else if (event.type === 'EvseDetached') {
        await this.readModels.delete(OCPI_EVSES.name, event.data.evseUid, Number.MAX_SAFE_INTEGER);
      }
    }
  }

  async markStatusApplied(evse: EvseDocument, chargerRevision: number): Promise<void> {
    await this.readModels.upsert<EvseDocument>(OCPI_EVSES.name, evse.id, { ...evse, statusRevision: chargerRevision }, await this.nextRevision(evse.id));
  }

  private async nextRevision(uid: string): Promise<number> {
    return ((await this.readModels.get(OCPI_EVSES.name, uid))?.revision ?? 0) + 1;
  }

  async get(locationId: string): Promise<LocationState | undefined> {
    return (await this.readModels.get<LocationDocument>(OCPI_LOCATIONS.name, locationId))?.data.state;
  }

  /** Every location's id, in id order (see FindQuery.sort): a page does not move when locations change. */
  async *ids(): AsyncGenerator<string> {
    for await (const { id } of findAll<LocationDocument>(this.readModels, OCPI_LOCATIONS.name)) yield id;
  }

  async list(offset: number, limit: number): Promise<{ items: LocationState[]; total: number }> {
    const found = await this.readModels.find<LocationDocument>(OCPI_LOCATIONS.name, { sort: { field: 'lastUpdated', direction: 'asc' }, offset, limit });
    return { items: found.items.map((d) => d.data.state), total: found.total };
  }

  async evse(uid: string): Promise<EvseDocument | undefined> {
    return (await this.readModels.get<EvseDocument>(OCPI_EVSES.name, uid))?.data;
  }

  async evsesOfCharger(chargerId: string, evse?: number): Promise<EvseDocument[]> {
    const where: Record<string, string> = evse === undefined ? { chargerId } : { chargerEvse: `${chargerId}|${evse}` };
    return (await this.readModels.find<EvseDocument>(OCPI_EVSES.name, { where, limit: 1_000 })).items.map((d) => d.data);
  }

  async evsesAt(locationId: string): Promise<EvseDocument[]> {
    return (await this.readModels.find<EvseDocument>(OCPI_EVSES.name, { where: { locationId }, limit: 10_000 })).items.map((d) => d.data);
  }
}
