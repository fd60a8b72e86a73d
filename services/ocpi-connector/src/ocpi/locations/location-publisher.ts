import { createHash } from 'node:crypto';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, timestampMs, type Timestamp } from '@roamgate/contracts';
import { inScope, locationPushes, ocpiLocationOf, type LocationState, type OcpiLocation, type ScopeState } from '@roamgate/domain-ocpi';
import type { ReadModelStore } from '@roamgate/read-models';
import { KeyedTurns, READ_MODELS } from '@roamgate/runtime';
import type { PartnerDocument } from '../../partners/partner-documents';
import { PartnerRepository } from '../../partners/partner.repository';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { Outbox } from '../push/outbox';
import { EVENT_HEADER } from '../sessions/sessions.sender';
import { ScopeService } from '../scope/scope.service';
import { LocationRepository } from './location.repository';

export const LOCATIONS_GROUP = 'ocpi-connector-locations';
export const LOCATIONS_TOPICS = ['roamgate.location', 'roamgate.partner'];
export const OCPI_LOCATION_VIEWS = { name: 'ocpi_location_views', indexes: ['partnerId', 'lastUpdated'] } as const;

/** A location as one partner has it: what was published to it (and what its GET answers). */
export type LocationViewDocument = { readonly id: string; readonly partnerId: string; readonly locationId: string; readonly lastUpdated: string; readonly location: OcpiLocation };

const LOCATION_EVENTS = new Set(['LocationCreated', 'LocationUpdated', 'EvseAttached', 'EvseDetached', 'EvseStatusChanged']);
const PARTNER_EVENTS = new Set(['PartnerScopeSet', 'PartnerRegistered', 'PartnerUnregistered']);

const iso = (ts: Timestamp | undefined): string => new Date(ts ? timestampMs(ts) : Date.now()).toISOString();

/**
 * mod_locations, CPO as sender. Keeps, per partner, the view of each location it may see (its scope applied) and
 * pushes the difference whenever a location, an EVSE, a connector or the partner's scope changes, through the
 * outbox (ordered per location, so a PATCH never overtakes the PUT it depends on). An EVSE leaving the scope is
 * PATCHed to REMOVED; one entering is PUT. Views are written after the pushes are queued: a crash in between
 * redelivers the message and queues the same entries again (their ids derive from the event), which is a no-op.
 * Fed by OcpiBusConsumers (group LOCATIONS_GROUP on LOCATIONS_TOPICS).
 */
@Injectable()
export class LocationPublisher implements OnModuleInit {
  private readonly turns = new KeyedTurns();

  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
    private readonly locations: LocationRepository,
    private readonly scopes: ScopeService,
    private readonly partners: PartnerRepository,
    private readonly outbox: Outbox,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(OCPI_LOCATION_VIEWS);
  }

  async handle(message: DeliveredMessage): Promise<void> {
    const type = message.headers[EVENT_HEADER.type] ?? '';
    if (!LOCATION_EVENTS.has(type) && !PARTNER_EVENTS.has(type)) return;
    const eventId = message.headers[EVENT_HEADER.id] ?? `${message.key}@${message.headers[EVENT_HEADER.revision]}`;
    const data = decodeEventBinary(type as never, message.value) as { locationId?: string; partnerId?: string; occurredAt?: Timestamp };
    const at = iso(data.occurredAt);
    if (LOCATION_EVENTS.has(type)) {
      for (const partner of await this.registeredPartners()) await this.refresh(partner, data.locationId!, eventId, at);
      return;
    }
    const partnerId = data.partnerId!;
    if (type === 'PartnerUnregistered') {
      await this.dropViews(partnerId);
      return;
    }
    if (type === 'PartnerScopeSet') await this.scopes.follow(partnerId);
    const partner = await this.partners.get(partnerId);
    if (partner?.status !== 'REGISTERED') return;
    await this.refreshAll(partner, eventId, at);
  }

  /**
   * Brings every location of the partner's view up to date (scope change, registration). Locations are visited in id
   * order, which status changes during the visit do not reorder, and each is read in its turn, not from the page: a
   * location event handled meanwhile is never undone by an older copy.
   */
  async refreshAll(partner: PartnerDocument, sourceEventId: string, at: string): Promise<void> {
    for await (const locationId of this.locations.ids()) await this.refresh(partner, locationId, sourceEventId, at);
  }

  async refresh(partner: PartnerDocument, locationId: string, sourceEventId: string, at: string): Promise<void> {
    await this.turns.run(`${partner.id}|${locationId}`, () => this.refreshNow(partner, locationId, sourceEventId, at));
  }

  private async refreshNow(listed: PartnerDocument, locationId: string, sourceEventId: string, at: string): Promise<void> {
    const id = `${listed.id}|${locationId}`;
    // Read in the turn: a partner unregistered since it was listed gets no push, and no view its unregistration dropped.
    const partner = await this.partners.get(listed.id);
    const registered = partner?.status === 'REGISTERED';
    const state = registered ? await this.locations.get(locationId) : undefined;
    const after = state ? this.viewOf(state, await this.scopes.get(listed.id)) : undefined;
    const stored = await this.readModels.get<LocationViewDocument>(OCPI_LOCATION_VIEWS.name, id);
    const before = stored?.data.location;
    const pushes = locationPushes(before, after, at);
    if (pushes.length === 0) return;
    if (registered && this.receives(partner)) {
      let i = 0;
      for (const push of pushes) {
        await this.outbox.enqueue({
          partnerId: listed.id,
          module: 'locations',
          objectId: locationId,
          method: push.method,
          path: `/${this.settings.countryCode}/${this.settings.partyId}/${encodeURIComponent(locationId)}${push.path}`,
          body: push.body,
          // The body's digest is part of the id: a redelivery that finds a newer state queues the newer push, not nothing.
          sourceEventId: `${sourceEventId}|${i++}|${createHash('sha256').update(JSON.stringify(push.body)).digest('hex').slice(0, 16)}`,
        });
      }
    }
    const revision = (stored?.revision ?? 0) + 1;
    if (after) await this.readModels.upsert<LocationViewDocument>(OCPI_LOCATION_VIEWS.name, id, { id, partnerId: listed.id, locationId, lastUpdated: after.last_updated, location: after }, revision);
    else await this.readModels.delete(OCPI_LOCATION_VIEWS.name, id, revision);
  }

  /** The location as the scope shows it; undefined when nothing of it may be shown. */
  viewOf(state: LocationState, scope: ScopeState): OcpiLocation | undefined {
    if (!state.exists || !state.details?.publish) return undefined;
    const unscoped = this.settings.unscopedPartnersSeeAll;
    const visible = state.evses.filter((e) => inScope(scope, { uid: e.uid, locationId: state.locationId, chargerId: e.chargerId }, unscoped));
    if (visible.length === 0) {
      const bare = state.evses.length === 0 && (scope.set ? scope.locationIds.includes(state.locationId) : unscoped);
      if (!bare) return undefined;
    }
    return ocpiLocationOf(state, (e) => visible.includes(e));
  }

  /** Only partners listing a locations RECEIVER get pushes; the others GET. */
  private receives(partner: PartnerDocument): boolean {
    return partner.endpoints.some((e) => e.identifier === 'locations' && e.role === 'RECEIVER');
  }

  private async registeredPartners(): Promise<PartnerDocument[]> {
    const found = await this.partners.list(0, 10_000);
    return found.items.filter((p) => p.status === 'REGISTERED');
  }

  /** Each view in its turn, read again there: a refresh under way finishes first, and its write is what is dropped. */
  private async dropViews(partnerId: string): Promise<void> {
    const found = await this.readModels.find<LocationViewDocument>(OCPI_LOCATION_VIEWS.name, { where: { partnerId }, limit: 100_000 });
    for (const { id } of found.items) {
      await this.turns.run(id, async () => {
        const view = await this.readModels.get<LocationViewDocument>(OCPI_LOCATION_VIEWS.name, id);
        if (view !== undefined) await this.readModels.delete(OCPI_LOCATION_VIEWS.name, id, view.revision + 1);
      });
    }
  }

  /** One page of the partner's locations by last_updated (date_from inclusive, date_to exclusive). */
  async page(partnerId: string, offset: number, limit: number, dateFrom?: Date, dateTo?: Date): Promise<{ items: OcpiLocation[]; total: number }> {
    const sort = { field: 'lastUpdated', direction: 'asc' } as const;
    if (!dateFrom && !dateTo) {
      const found = await this.readModels.find<LocationViewDocument>(OCPI_LOCATION_VIEWS.name, { where: { partnerId }, sort, offset, limit });
      return { items: found.items.map((d) => d.data.location), total: found.total };
    }
    const all = await this.readModels.find<LocationViewDocument>(OCPI_LOCATION_VIEWS.name, { where: { partnerId }, sort, limit: 1_000_000 });
    const matching = all.items.filter(({ data }) => {
      const t = Date.parse(data.lastUpdated);
      return (!dateFrom || t >= dateFrom.getTime()) && (!dateTo || t < dateTo.getTime());
    });
    return { items: matching.slice(offset, offset + limit).map((d) => d.data.location), total: matching.length };
  }

  async view(partnerId: string, locationId: string): Promise<OcpiLocation | undefined> {
    return (await this.readModels.get<LocationViewDocument>(OCPI_LOCATION_VIEWS.name, `${partnerId}|${locationId}`))?.data.location;
  }
}
