import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EventStore } from '@roamgate/event-store';
import {
  fromStoredEvent,
  inboundTokenKind,
  partnerDecider,
  partnerStreamName,
  toStoredEvent,
  type PartnerCommand,
  type PartnerEvent,
  type PartnerState,
} from '@roamgate/domain-ocpi';
import type { ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, EVENT_STORE, READ_MODELS, type EventCodec } from '@roamgate/runtime';
import { PARTNERS, partnerDocument, type PartnerDocument } from './partner-documents';

const codec: EventCodec<PartnerEvent> = {
  toStored: (event) => toStoredEvent(event) as ReturnType<EventCodec<PartnerEvent>['toStored']>,
  fromStored: (stored) => fromStoredEvent(stored) as PartnerEvent,
};

export interface TokenMatch {
  readonly partner: PartnerDocument;
  readonly kind: 'A' | 'PENDING' | 'C';
}

/**
 * Writes partner streams through the decider and keeps the ocpi_partners read model in step in the same call:
 * a token handed out in a response must authenticate the very next request, which an asynchronous projection
 * could not promise. The upsert is guarded by the stream revision, so replays are harmless.
 */
@Injectable()
export class PartnerRepository implements OnModuleInit {
  private readonly aggregates: AggregateRepository;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
  ) {
    this.aggregates = new AggregateRepository(store);
  }

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(PARTNERS);
  }

  async handle(partnerId: string, command: (state: PartnerState) => PartnerCommand | readonly PartnerCommand[]): Promise<PartnerState> {
    const result = await this.aggregates.handle(partnerStreamName(partnerId), partnerDecider, codec, (state) => {
      const commands = command(state);
      return Array.isArray(commands) ? commands : [commands as PartnerCommand];
    });
    if (result.events.length) await this.project(result.state, result.revision);
    return result.state;
  }

  async project(state: PartnerState, revision: number): Promise<void> {
    await this.readModels.upsert(PARTNERS.name, state.partnerId, partnerDocument(state), revision);
  }

  async get(partnerId: string): Promise<PartnerDocument | undefined> {
    return (await this.readModels.get<PartnerDocument>(PARTNERS.name, partnerId))?.data;
  }

  async list(offset: number, limit: number): Promise<{ items: PartnerDocument[]; total: number }> {
    const found = await this.readModels.find<PartnerDocument>(PARTNERS.name, { sort: { field: 'status', direction: 'asc' }, offset, limit });
    return { items: found.items.map((d) => d.data), total: found.total };
  }

  async findByTokenHash(hash: string): Promise<TokenMatch | undefined> {
    for (const field of ['inboundTokenHash', 'pendingTokenHash', 'tokenAHash'] as const) {
      const found = await this.readModels.find<PartnerDocument>(PARTNERS.name, { where: { [field]: hash }, limit: 2 });
      for (const { data } of found.items) {
        const kind = inboundTokenKind(stateOf(data), hash);
        if (kind) return { partner: data, kind };
      }
    }
    return undefined;
  }

  async load(partnerId: string): Promise<PartnerState> {
    return (await this.aggregates.load(partnerStreamName(partnerId), partnerDecider, codec)).state;
  }
}

function stateOf(doc: PartnerDocument): PartnerState {
  return {
    ...partnerDecider.initialState(),
    status: doc.status,
    partnerId: doc.id,
    tokenAHash: doc.tokenAHash ?? undefined,
    pendingTokenHash: doc.pendingTokenHash ?? undefined,
    inboundTokenHash: doc.inboundTokenHash ?? undefined,
  };
}
