import { Controller, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, type EventMessage } from '@roamgate/contracts';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_HEADERS, topicOf } from '@roamgate/relay';
import { EventPattern, Payload, READ_MODELS, type BusConsumerOptions } from '@roamgate/runtime';
import type { EvsePlace } from './ocpi-cdr';

export const CDR_LOCATIONS_GROUP = 'tariff-engine-cdr-locations';
/** A location's site data, by location id, at a location-stream revision. */
export const CDR_SITES = { name: 'tariff_cdr_sites', indexes: [] } as const;
/** An EVSE at a location, by `<locationId>|<evseUid>` (so its revisions are of one stream); `detached` once it left. */
export const CDR_EVSES = { name: 'tariff_cdr_evses', indexes: ['uid', 'detached'] } as const;

export type SiteDocument = EvsePlace['site'] & { readonly id: string };

export type EvseDocument = EvsePlace['evse'] & {
  /** `<locationId>|<evseUid>`. */
  readonly id: string;
  readonly detached: boolean;
};

/** What CDR issuing asks of the location master data (stream location-<id>, owned by the ocpi-connector). */
export interface CdrLocationBook {
  place(evseUid: string): Promise<EvsePlace | undefined>;
}

const LOCATION_EVENTS = new Set(['LocationCreated', 'LocationUpdated', 'EvseAttached', 'EvseDetached']);

/**
 * The tariff engine's own small copy of the location master data, for cdr_location (mod_cdrs: address, city,
 * country, coordinates, evse_id, connector standard/format/power type) and the location's time zone. Fed from
 * roamgate.location by CdrLocationConsumer; documents are guarded by the location stream's revision, so a redelivered
 * or older event changes nothing. EVSE status changes are not needed here and are skipped.
 */
@Injectable()
export class CdrLocations implements OnModuleInit, CdrLocationBook {
  constructor(@Inject(READ_MODELS) private readonly store: ReadModelStore) {}

  async onModuleInit(): Promise<void> {
    await this.store.ensureCollection(CDR_SITES);
    await this.store.ensureCollection(CDR_EVSES);
  }

  async apply(type: string, value: Uint8Array, revision: number): Promise<void> {
    if (type === 'LocationCreated' || type === 'LocationUpdated') {
      const { locationId, details } = decodeEventBinary(type, value);
      if (!details) return;
      await this.store.upsert<SiteDocument>(CDR_SITES.name, locationId, siteOf(locationId, details), revision);
    } else if (type === 'EvseAttached') {
      const { locationId, evse } = decodeEventBinary(type, value);
      if (!evse) return;
      const doc: EvseDocument = {
        id: `${locationId}|${evse.uid}`,
        uid: evse.uid,
        locationId,
        evseId: evse.evseId,
        connectors: evse.connectors.map((c) => ({ id: c.id, ocppConnectorId: c.ocppConnectorId, standard: c.standard, format: c.format, powerType: c.powerType })),
        detached: false,
      };
      await this.store.upsert<EvseDocument>(CDR_EVSES.name, doc.id, doc, revision);
    } else if (type === 'EvseDetached') {
      const { locationId, evseUid } = decodeEventBinary(type, value);
      const id = `${locationId}|${evseUid}`;
      const stored = await this.store.get<EvseDocument>(CDR_EVSES.name, id);
      if (stored) await this.store.upsert<EvseDocument>(CDR_EVSES.name, id, { ...stored.data, detached: true }, revision);
    }
  }

  /** The EVSE's current location (an EVSE is at one location at a time), or undefined when it is attached nowhere. */
  async place(evseUid: string): Promise<EvsePlace | undefined> {
    const found = await this.store.find<EvseDocument>(CDR_EVSES.name, { where: { uid: evseUid, detached: false }, limit: 1 });
    const evse = found.items[0]?.data;
    if (!evse) return undefined;
    const site = (await this.store.get<SiteDocument>(CDR_SITES.name, evse.locationId))?.data;
    return site ? { site, evse } : undefined;
  }
}

function siteOf(id: string, d: NonNullable<EventMessage<'LocationCreated'>['details']>): SiteDocument {
  return {
    id,
    name: d.name,
    address: d.address,
    city: d.city,
    postalCode: d.postalCode,
    state: d.state,
    country: d.country,
    latitude: d.coordinates?.latitude ?? '',
    longitude: d.coordinates?.longitude ?? '',
    timeZone: d.timeZone,
  };
}

/** roamgate.location into CdrLocations. */
@Controller()
export class CdrLocationConsumer {
  private readonly logger = new Logger('CdrLocations');

  constructor(private readonly locations: CdrLocations) {}

  @EventPattern(topicOf('location'), { group: CDR_LOCATIONS_GROUP } satisfies BusConsumerOptions)
  async handle(@Payload() message: DeliveredMessage): Promise<void> {
    const type = message.headers[EVENT_HEADERS.eventType] ?? '';
    if (!LOCATION_EVENTS.has(type)) return;
    const revision = Number(message.headers[EVENT_HEADERS.revision]);
    if (!Number.isSafeInteger(revision) || revision < 0) throw new Error(`${message.topic}@${message.partition}:${message.offset} lacks its revision header`);
    try {
      await this.locations.apply(type, message.value, revision);
    } catch (error) {
      this.logger.warn(`${type} of ${message.key} (attempt ${message.attempt}): ${String(error)}`);
      throw error;
    }
  }
}
