import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { timestampFromMs } from '@roamgate/contracts';
import { domainEvent, fromStoredEvent, ocpiCallStreamName, toStoredEvent } from '@roamgate/domain-ocpi';
import { DuplicateEventIdError, newEventId, type EventStore, type RecordedEvent, type Subscription } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_STORE, READ_MODELS, runWithTraceContext, traceContextFrom } from '@roamgate/runtime';
import { CredentialsService } from '../credentials/credentials.service';
import { OcpiClient, OcpiCallError } from '../transport/ocpi-client';
import { keptTraceHeaders } from '../transport/trace';
import { PartnerRepository } from '../../partners/partner.repository';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { backoffDelayMs } from './backoff';
import { derivedEventId } from './derived-id';
import { evolveEntry, OUTBOX, OUTBOX_EVENT_TYPES, type OutboxEntry, type OutboxEvent, type OutboxStatus, type PushMethod } from './outbox-entry';
import { PUSH_SETTINGS, type PushSettings } from './push-settings';

export interface PushRequest {
  readonly partnerId: string;
  /** The partner's receiver module, e.g. "sessions". */
  readonly module: string;
  readonly objectId: string;
  readonly method: PushMethod;
  /** Appended to the module endpoint URL; "" for a POST to the endpoint itself. */
  readonly path: string;
  /** undefined: no body (a DELETE). */
  readonly body: unknown;
  /** The consumed event this push comes from: queuing it twice is a no-op. */
  readonly sourceEventId: string;
  readonly sessionId?: string;
}

/** What an outcome listener hears: the entry after the outcome, and the id of the event that recorded it. */
export interface PushOutcome {
  readonly entry: OutboxEntry;
  readonly eventId: string;
  readonly event: OutboxEvent;
}

export class OutboxEntryNotFoundError extends Error {}
export class OutboxEntryNotDeadError extends Error {}

const CHECKPOINT = 'ocpi-connector:outbox';

/**
 * The push outbox, one queue per partner, kept as events on the partner's `ocpi-<partnerId>` stream
 * (OcpiPushQueued, OcpiPushAttemptFailed, OcpiPushDelivered, OcpiPushRetryRequested) so that a crash loses
 * nothing: the entry is appended before the consumed message is acknowledged, and every outcome is appended
 * before the next attempt. The ocpi_outbox read model is written in the same step and, for a crash between the
 * two writes, caught up from the store on start (a store subscription; both writes are revision-guarded).
 *
 * Entries of one object (partner, module, object id) go out strictly in queue order: a failing entry holds the
 * ones behind it, a dead-lettered one too until an operator retries it, because a PATCH overtaking its PUT
 * would be refused or, worse, applied to a stale object. Different objects do not wait for each other.
 */
@Injectable()
export class Outbox implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OcpiOutbox');
  private readonly listeners = new Map<string, ((outcome: PushOutcome) => Promise<void>)[]>();
  private readonly inFlight = new Set<string>();
  private readonly deliveries = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private subscription: Subscription | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(PUSH_SETTINGS) private readonly settings: PushSettings,
    @Inject(OCPI_SETTINGS) private readonly ocpi: OcpiSettings,
    private readonly partners: PartnerRepository,
    private readonly credentials: CredentialsService,
    private readonly client: OcpiClient,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(OUTBOX);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = this.store.subscribeToAll({
      checkpointId: CHECKPOINT,
      handler: async (event) => {
        if (OUTBOX_EVENT_TYPES.has(event.type)) await this.project(event);
      },
      onError: (error, event) => this.logger.error(`outbox projection stopped at ${event.streamId}@${event.revision}: ${String(error)}`),
    });
    await this.subscription.caughtUp;
    this.timer = setInterval(() => this.wake(), this.settings.pollIntervalMs);
    this.timer.unref();
    this.wake();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    await Promise.all([...this.deliveries]);
    await this.subscription?.stop();
  }

  /** Called after an outcome of `module` was recorded (possibly twice for one outcome: listeners must be idempotent). */
  onOutcome(module: string, listener: (outcome: PushOutcome) => Promise<void>): void {
    this.listeners.set(module, [...(this.listeners.get(module) ?? []), listener]);
  }

  async enqueue(request: PushRequest): Promise<OutboxEntry> {
    const entryId = derivedEventId(`push|${request.sourceEventId}|${request.partnerId}|${request.module}|${request.objectId}|${request.method}`);
    const event = domainEvent('OcpiPushQueued', {
      partnerId: request.partnerId,
      occurredAt: timestampFromMs(Date.now()),
      entryId,
      module: request.module,
      objectId: request.objectId,
      method: request.method,
      path: request.path,
      bodyJson: request.body === undefined ? '' : JSON.stringify(request.body),
      sourceEventId: request.sourceEventId,
      sessionId: request.sessionId ?? '',
    });
    try {
      await this.append(request.partnerId, entryId, event as OutboxEvent);
    } catch (error) {
      if (!(error instanceof DuplicateEventIdError)) throw error;
    }
    this.wake();
    return (await this.get(entryId))!;
  }

  async get(entryId: string): Promise<OutboxEntry | undefined> {
    return (await this.readModels.get<OutboxEntry>(OUTBOX.name, entryId))?.data;
  }

  async list(partnerId: string, status: OutboxStatus | undefined, offset: number, limit: number): Promise<{ items: OutboxEntry[]; total: number }> {
    const found = await this.readModels.find<OutboxEntry>(OUTBOX.name, {
      where: status ? { partnerStatus: `${partnerId}|${status}` } : { partnerId },
      sort: { field: 'seq', direction: 'asc' },
      offset,
      limit,
    });
    return { items: found.items.map((d) => d.data), total: found.total };
  }

  /** Sends a dead-lettered entry back to the queue. */
  async retry(partnerId: string, entryId: string, requestedBy = 'api'): Promise<OutboxEntry> {
    const entry = await this.get(entryId);
    if (!entry || entry.partnerId !== partnerId) throw new OutboxEntryNotFoundError(`partner ${partnerId} has no outbox entry ${entryId}`);
    if (entry.status !== 'dead') throw new OutboxEntryNotDeadError(`outbox entry ${entryId} is ${entry.status}, not dead`);
    const event = domainEvent('OcpiPushRetryRequested', { partnerId, occurredAt: timestampFromMs(Date.now()), entryId, requestedBy });
    await this.append(partnerId, newEventId(), event as OutboxEvent);
    this.wake();
    return (await this.get(entryId))!;
  }

  /** Resolves when no entry is due or in flight (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.ticking || this.deliveries.size > 0) {
      await this.ticking;
      await Promise.all([...this.deliveries]);
    }
  }

  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    this.ticking = this.tick()
      .catch((error: unknown) => this.logger.error(`outbox: ${String(error)}`))
      .finally(() => {
        this.ticking = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async tick(): Promise<void> {
    const pending = await this.readModels.find<OutboxEntry>(OUTBOX.name, { where: { status: 'pending' }, sort: { field: 'seq', direction: 'asc' }, limit: 2_000 });
    if (pending.items.length === 0) return;
    const dead = await this.readModels.find<OutboxEntry>(OUTBOX.name, { where: { status: 'dead' }, sort: { field: 'seq', direction: 'asc' }, limit: 10_000 });
    const blockedFrom = new Map<string, number>();
    for (const { data } of dead.items) if (!blockedFrom.has(data.objectKey)) blockedFrom.set(data.objectKey, data.seq);
    const heads = new Map<string, OutboxEntry>();
    for (const { data } of pending.items) if (!heads.has(data.objectKey)) heads.set(data.objectKey, data);
    const now = Date.now();
    for (const entry of heads.values()) {
      if (this.stopped || this.deliveries.size >= this.settings.concurrency) break;
      if (this.inFlight.has(entry.objectKey)) continue;
      if ((blockedFrom.get(entry.objectKey) ?? Number.POSITIVE_INFINITY) < entry.seq) continue;
      if (entry.nextAttemptAt && Date.parse(entry.nextAttemptAt) > now) continue;
      this.inFlight.add(entry.objectKey);
      // In the context of the work that queued the entry, not of whatever woke the loop.
      const delivery = runWithTraceContext(traceContextFrom(entry.trace ?? {}), () => this.deliver(entry))
        .catch((error: unknown) => this.logger.error(`outbox entry ${entry.id}: ${String(error)}`))
        .finally(() => {
          this.inFlight.delete(entry.objectKey);
          this.deliveries.delete(delivery);
          this.wake();
        });
      this.deliveries.add(delivery);
    }
  }

  private async deliver(entry: OutboxEntry): Promise<void> {
    const attempt = entry.attempts + 1;
    let httpStatus = 0;
    let ocpiStatus = 0;
    let failure: string;
    try {
      const partner = await this.partners.get(entry.partnerId);
      if (!partner || partner.status !== 'REGISTERED') throw new Error(`partner ${entry.partnerId} is not registered`);
      const endpoint = partner.endpoints.find((e) => e.identifier === entry.module && e.role === 'RECEIVER');
      if (!endpoint) throw new Error(`partner ${entry.partnerId} lists no ${entry.module} RECEIVER endpoint`);
      const to = partner.party ?? partner.roles[0];
      const response = await this.client.request({
        method: entry.method,
        url: `${endpoint.url.replace(/\/+$/, '')}${entry.path}`,
        token: this.credentials.outboundToken(partner),
        encodeToken: !partner.acceptsUnencodedTokens,
        ...(entry.body === '' ? {} : { body: JSON.parse(entry.body) as unknown }),
        partnerId: entry.partnerId,
        module: entry.module,
        routing: { from: { countryCode: this.ocpi.countryCode, partyId: this.ocpi.partyId }, ...(to ? { to: { countryCode: to.countryCode, partyId: to.partyId } } : {}) },
        ...(entry.sessionId ? { sessionId: entry.sessionId } : {}),
      });
      const event = domainEvent('OcpiPushDelivered', {
        partnerId: entry.partnerId,
        occurredAt: timestampFromMs(Date.now()),
        entryId: entry.id,
        attempt,
        httpStatus: response.httpStatus,
        ocpiStatusCode: response.envelope.status_code,
        locationUrl: response.headers.get('location') ?? '',
      });
      await this.append(entry.partnerId, newEventId(), event as OutboxEvent);
      return;
    } catch (error) {
      if (error instanceof OcpiCallError) {
        httpStatus = error.httpStatus;
        ocpiStatus = error.statusCode ?? 0;
      }
      failure = error instanceof Error ? error.message : String(error);
    }
    const dead = attempt >= this.settings.maxAttempts;
    const next = Date.now() + backoffDelayMs(attempt, this.settings);
    const event = domainEvent('OcpiPushAttemptFailed', {
      partnerId: entry.partnerId,
      occurredAt: timestampFromMs(Date.now()),
      entryId: entry.id,
      attempt,
      httpStatus,
      ocpiStatusCode: ocpiStatus,
      error: failure,
      ...(dead ? {} : { nextAttemptAt: timestampFromMs(next) }),
      deadLettered: dead,
    });
    await this.append(entry.partnerId, newEventId(), event as OutboxEvent);
    if (dead) this.logger.warn(`outbox entry ${entry.id} (${entry.method} ${entry.module} ${entry.objectId} for ${entry.partnerId}) dead-lettered after ${attempt} attempts: ${failure}`);
    else setTimeout(() => this.wake(), Math.max(0, next - Date.now()) + 5).unref();
  }

  private async append(partnerId: string, eventId: string, event: OutboxEvent): Promise<void> {
    const stored = toStoredEvent(event as never);
    const appended = await this.store.append(ocpiCallStreamName(partnerId), [{ id: eventId, ...stored } as never], { expectedRevision: 'any' });
    await this.apply(event, eventId, appended.nextExpectedRevision, appended.position, keptTraceHeaders());
  }

  private async project(recorded: RecordedEvent): Promise<void> {
    const event = fromStoredEvent({ type: recorded.type, data: recorded.data as never }) as unknown as OutboxEvent;
    await this.apply(event, recorded.id, recorded.revision, recorded.position, recorded.metadata);
  }

  private async apply(event: OutboxEvent, eventId: string, revision: number, position: number, metadata: Readonly<Record<string, string>>): Promise<void> {
    const stored = await this.readModels.get<OutboxEntry>(OUTBOX.name, event.data.entryId);
    if (stored && stored.revision >= revision) return;
    const entry = evolveEntry(stored?.data, event, position, keptTraceHeaders(metadata));
    if (!entry) return;
    await this.readModels.upsert(OUTBOX.name, entry.id, entry, revision);
    if (event.type === 'OcpiPushDelivered' || event.type === 'OcpiPushAttemptFailed') {
      for (const listener of this.listeners.get(entry.module) ?? []) await listener({ entry, eventId, event });
    }
  }
}
