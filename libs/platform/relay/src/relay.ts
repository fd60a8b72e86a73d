import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus, OutgoingMessage } from '@roamgate/bus';
import type { EventStore, RecordedEvent, Subscription } from '@roamgate/event-store';

/** The messages one event becomes on the bus; null relays nothing (the checkpoint still advances). */
export type Route = (event: RecordedEvent) => OutgoingMessage | readonly OutgoingMessage[] | null;

export interface RelayLogger {
  warn(message: string): void;
  error(message: string): void;
}

export interface RelayOptions {
  readonly store: EventStore;
  readonly bus: Bus;
  readonly route: Route;
  /** Name of the durable checkpoint in the store; default 'relay'. */
  readonly checkpointId?: string;
  /**
   * Events published together in one bus.publish, with one checkpoint write after it; default 1. Larger batches
   * share the bus's and the checkpoint's fsync, at the price of republishing up to a batch after a crash.
   */
  readonly batchSize?: number;
  /**
   * With batchSize: after a batch smaller than batchSize, wait this long before the next, so that the events
   * appended meanwhile share one publish instead of each taking a publish (an fsync on a durable bus) of its
   * own. Default 0; adds up to this much to the time an event takes to reach the bus.
   */
  readonly lingerMs?: number;
  /** Wait before retrying a failed publish, doubled per try; default 100 ms. */
  readonly retryDelayMs?: number;
  /** Cap on that wait; default 30 s. */
  readonly maxRetryDelayMs?: number;
  readonly logger?: RelayLogger;
}

export interface RelayStatus {
  /** False once stopped, or when routing failed and the relay gave up (see lastError). */
  readonly running: boolean;
  /** Global position up to which every event has been published (0 before the first). */
  readonly position: number;
  /** True once the events present at start have been published. */
  readonly caughtUp: boolean;
  /** Failed tries of the publish in hand; 0 while publishing succeeds. */
  readonly failedTries: number;
  readonly lastError?: string;
}

export const EVENT_HEADERS = {
  eventId: 'roamgate-event-id',
  eventType: 'roamgate-event-type',
  streamId: 'roamgate-stream-id',
  revision: 'roamgate-stream-revision',
  position: 'roamgate-position',
} as const;

/** `charger-CP1` belongs to category `charger`. */
export const categoryOf = (streamId: string): string => streamId.split('-', 1)[0]!;
export const topicOf = (category: string): string => `roamgate.${category}`;

export const eventHeaders = (event: RecordedEvent): Record<string, string> => ({
  ...event.metadata,
  [EVENT_HEADERS.eventId]: event.id,
  [EVENT_HEADERS.eventType]: event.type,
  [EVENT_HEADERS.streamId]: event.streamId,
  [EVENT_HEADERS.revision]: String(event.revision),
  [EVENT_HEADERS.position]: String(event.position),
});

/** One topic per stream category, keyed by stream so each aggregate's events stay in order. */
export const defaultRoute =
  (encode: (event: RecordedEvent) => Uint8Array): Route =>
  (event) => ({
    topic: topicOf(categoryOf(event.streamId)),
    key: event.streamId,
    value: encode(event),
    headers: eventHeaders(event),
  });

class Stopping extends Error {}

/**
 * Publishes the store's global log to the bus, in position order, from a durable checkpoint
 * that advances only once the bus accepted the event's messages. A crash between append and
 * publish (or between publish and checkpoint) therefore republishes instead of losing: consumers
 * deduplicate by event id. A failing bus is retried, never skipped.
 */
export class Relay {
  private readonly subscription: Subscription;
  private readonly abort = new AbortController();
  private running = true;
  private caughtUp = false;
  private position = 0;
  private failedTries = 0;
  private lastError: string | undefined;

  constructor(private readonly options: RelayOptions) {
    const checkpointId = options.checkpointId ?? 'relay';
    const batchSize = options.batchSize ?? 1;
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    this.subscription = options.store.subscribeToAll({
      checkpointId,
      handler: (event) => this.relay(event),
      ...(batchSize > 1 ? { batchHandler: (events: readonly RecordedEvent[]) => this.relayBatch(events), maxBatchSize: batchSize } : {}),
      onError: (error, event) => this.failed(error, event),
    });
    this.subscription.caughtUp.then(
      () => (this.caughtUp = true),
      () => undefined,
    );
    options.store.getCheckpoint(checkpointId).then(
      (checkpoint) => (this.position = Math.max(this.position, checkpoint)),
      () => undefined,
    );
  }

  status(): RelayStatus {
    return {
      running: this.running,
      position: this.position,
      caughtUp: this.caughtUp,
      failedTries: this.failedTries,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  /** Resolves once the events present at start have been published. */
  whenCaughtUp(): Promise<void> {
    return this.subscription.caughtUp;
  }

  /** Waits for the publish in flight to finish (its checkpoint is then stored), then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.subscription.stop();
  }

  private async relay(event: RecordedEvent): Promise<void> {
    const messages = ([] as OutgoingMessage[]).concat(this.options.route(event) ?? []);
    if (messages.length > 0) await this.publish(messages, event);
    this.position = event.position;
  }

  /** A routing failure throws here; the subscription then relays the batch event by event and stops at the culprit. */
  private async relayBatch(events: readonly RecordedEvent[]): Promise<void> {
    const messages = events.flatMap((event) => ([] as OutgoingMessage[]).concat(this.options.route(event) ?? []));
    const last = events[events.length - 1]!;
    if (messages.length > 0) await this.publish(messages, last);
    this.position = last.position;
    const { lingerMs = 0, batchSize = 1 } = this.options;
    if (lingerMs > 0 && events.length < batchSize) await sleep(lingerMs, undefined, { signal: this.abort.signal }).catch(() => undefined);
  }

  private async publish(messages: readonly OutgoingMessage[], event: RecordedEvent): Promise<void> {
    const { bus, retryDelayMs = 100, maxRetryDelayMs = 30_000 } = this.options;
    for (;;) {
      if (this.abort.signal.aborted) throw new Stopping();
      try {
        await bus.publish(messages);
        this.failedTries = 0;
        return;
      } catch (error) {
        this.failedTries += 1;
        this.lastError = messageOf(error);
        const delay = Math.min(retryDelayMs * 2 ** (this.failedTries - 1), maxRetryDelayMs);
        this.options.logger?.warn(
          `publishing ${messages.length === 1 ? '' : `${messages.length} messages up to `}event ${event.id} (position ${event.position}) failed ${this.failedTries}x, retrying in ${delay} ms: ${this.lastError}`,
        );
        await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => undefined);
      }
    }
  }

  private failed(error: unknown, event: RecordedEvent): void {
    if (error instanceof Stopping) return;
    this.running = false;
    this.lastError = messageOf(error);
    this.options.logger?.error(
      `relay stopped at event ${event.id} (position ${event.position}, stream ${event.streamId}): ${this.lastError}`,
    );
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export const startRelay = (options: RelayOptions): Relay => new Relay(options);
