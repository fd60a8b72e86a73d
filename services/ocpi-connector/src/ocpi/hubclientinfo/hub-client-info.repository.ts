import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { timestampFromMs } from '@roamgate/contracts';
import { domainEvent, toStoredEvent } from '@roamgate/domain-ocpi';
import { newEventId, type EventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import type { OcpiClientInfo } from './client-info.dto';

export const HUB_CLIENTS = { name: 'ocpi_hub_clients', indexes: ['partnerId', 'status', 'lastUpdated'] } as const;

export type HubClientDocument = {
  /** The hub the information came from. */
  readonly partnerId: string;
  readonly countryCode: string;
  readonly partyId: string;
  readonly status: string;
  readonly lastUpdated: string;
  readonly clientInfo: OcpiClientInfo;
};

/** One stream per party a hub reports on; category `hubclientinfo`, so its events go to roamgate.hubclientinfo. */
export const hubClientStreamName = (partnerId: string, countryCode: string, partyId: string): string =>
  `hubclientinfo-${partnerId}|${countryCode.toUpperCase()}|${partyId.toUpperCase()}`;
const documentId = (partnerId: string, countryCode: string, partyId: string): string => hubClientStreamName(partnerId, countryCode, partyId).slice('hubclientinfo-'.length);

const utc = (value: string): Date => new Date(/(Z|[+-]\d{2}:\d{2})$/.test(value) ? value : `${value}Z`);

/**
 * What hubs told us about the parties behind them (mod_hub_client_info): HubClientInfoStored events are the
 * record, the ocpi_hub_clients read model is written in the same call so a GET right after the PUT sees it.
 */
@Injectable()
export class HubClientInfoRepository implements OnModuleInit {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(HUB_CLIENTS);
  }

  async put(partnerId: string, info: OcpiClientInfo, now = new Date()): Promise<void> {
    const event = domainEvent('HubClientInfoStored', {
      partnerId,
      occurredAt: timestampFromMs(now.getTime()),
      countryCode: info.country_code.toUpperCase(),
      partyId: info.party_id.toUpperCase(),
      role: info.role,
      status: info.status,
      lastUpdated: timestampFromMs(utc(info.last_updated).getTime()),
      clientInfoJson: JSON.stringify(info),
    });
    const appended = await this.store.append(hubClientStreamName(partnerId, info.country_code, info.party_id), [{ id: newEventId(), ...toStoredEvent(event) } as never], {
      expectedRevision: 'any',
    });
    const doc: HubClientDocument = {
      partnerId,
      countryCode: info.country_code.toUpperCase(),
      partyId: info.party_id.toUpperCase(),
      status: info.status,
      lastUpdated: utc(info.last_updated).toISOString(),
      clientInfo: info,
    };
    await this.readModels.upsert(HUB_CLIENTS.name, documentId(partnerId, info.country_code, info.party_id), doc, appended.nextExpectedRevision);
  }

  async get(partnerId: string, countryCode: string, partyId: string): Promise<OcpiClientInfo | undefined> {
    return (await this.readModels.get<HubClientDocument>(HUB_CLIENTS.name, documentId(partnerId, countryCode, partyId)))?.data.clientInfo;
  }

  async list(partnerId: string, offset: number, limit: number): Promise<{ items: HubClientDocument[]; total: number }> {
    const found = await this.readModels.find<HubClientDocument>(HUB_CLIENTS.name, { where: { partnerId }, sort: { field: 'lastUpdated', direction: 'asc' }, offset, limit });
    return { items: found.items.map((d) => d.data), total: found.total };
  }
}
