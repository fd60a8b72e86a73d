import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { EventStore } from '@roamgate/event-store';
import { fromStoredEvent, inScope, partnerStreamName, scopeDecider, toStoredEvent, type EvsePlace, type ScopeEvent, type ScopeState, type SetScope } from '@roamgate/domain-ocpi';
import type { ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, EVENT_STORE, READ_MODELS, type EventCodec } from '@roamgate/runtime';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';

export const OCPI_SCOPES = { name: 'ocpi_scopes', indexes: [] } as const;

type ScopeDocument = { readonly [K in keyof ScopeState]: ScopeState[K] } & { readonly id: string };

const codec: EventCodec<ScopeEvent> = {
  toStored: (event) => toStoredEvent(event) as ReturnType<EventCodec<ScopeEvent>['toStored']>,
  fromStored: (stored) => fromStoredEvent(stored) as ScopeEvent,
};

export class UnknownPartnerError extends Error {}

/**
 * The partners' launch scopes. A scope is a PartnerScopeSet event on the partner's stream (the audit: who, why,
 * which plan), folded by the scope decider; ocpi_scopes is written in the same call so the next request sees it.
 * A partner that never had a scope sees everything or nothing by OCPI_UNSCOPED_PARTNERS (see settings).
 */
@Injectable()
export class ScopeService implements OnModuleInit {
  private readonly aggregates: AggregateRepository;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
  ) {
    this.aggregates = new AggregateRepository(store);
  }

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(OCPI_SCOPES);
  }

  /** Applies a scope (idempotent: the same scope twice records nothing). Returns the scope and whether it changed. */
  async set(command: Omit<SetScope, 'type'>): Promise<{ scope: ScopeState; changed: boolean }> {
    const stream = partnerStreamName(command.partnerId);
    const [first] = await this.store.readStream(stream, { maxCount: 1 });
    if (!first) throw new UnknownPartnerError(`unknown partner ${command.partnerId}`);
    const result = await this.aggregates.handle(stream, scopeDecider as never, codec, () => [{ type: 'SetScope', ...command }]);
    const scope = result.state as ScopeState;
    if (result.events.length) await this.readModels.upsert<ScopeDocument>(OCPI_SCOPES.name, command.partnerId, { id: command.partnerId, ...scope }, result.revision);
    return { scope, changed: result.events.length > 0 };
  }

  async get(partnerId: string): Promise<ScopeState> {
    const stored = (await this.readModels.get<ScopeDocument>(OCPI_SCOPES.name, partnerId))?.data;
    if (stored) return stored;
    return scopeDecider.initialState();
  }

  /** Whether the scope (from `get`) lets the partner see and command the EVSE; OCPI_UNSCOPED_PARTNERS when none is set. */
  allowsIn(scope: ScopeState, evse: EvsePlace): boolean {
    return inScope(scope, evse, this.settings.unscopedPartnersSeeAll);
  }

  /** Projects a PartnerScopeSet seen on the bus (another process wrote it): keeps ocpi_scopes current everywhere. */
  async follow(partnerId: string): Promise<ScopeState> {
    const loaded = await this.aggregates.load(partnerStreamName(partnerId), scopeDecider as never, codec);
    const scope = loaded.state as ScopeState;
    if (scope.set) await this.readModels.upsert<ScopeDocument>(OCPI_SCOPES.name, partnerId, { id: partnerId, ...scope }, loaded.revision);
    return scope;
  }
}
