import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { BaseRpcContext, CustomTransportStrategy, MessageHandler, Server } from '@nestjs/microservices';
import type { Bus, BusSubscription, DeliveredMessage, SubscribeOptions } from '@roamgate/bus';
import { EVENT_HEADERS } from '@roamgate/relay';
import { lastValueFrom, Observable, throwError } from 'rxjs';
import { runWithTraceContext, traceContextFrom, type TraceContext } from './trace-context';

/**
 * The extras of an `@EventPattern(topic, extras)` handler on the bus:
 *
 * ```ts
 * @EventPattern('roamgate.session', { group: 'tariff-engine-cdrs' } satisfies BusConsumerOptions)
 * async onSession(@Payload() message: DeliveredMessage, @Ctx() context: BusContext) { ... }
 * ```
 *
 * Handlers with the same group share one subscription (one consumer group member), whatever their topics;
 * each group gets every message once (at least once: redelivery is normal, handlers deduplicate by event id).
 */
export interface BusConsumerOptions {
  /** Consumer group, `<service>-<purpose>`: its committed offsets are where a restarted process resumes. */
  readonly group: string;
  /**
   * The handler takes `readonly DeliveredMessage[]`: consecutive messages of one partition where the adapter can
   * (see SubscribeOptions.batchHandler), a single message otherwise or when a batch failed (then one at a time,
   * with retries and dead-lettering).
   */
  readonly batch?: boolean;
  /** Attempts before the dead-letter topic (SubscribeOptions.maxAttempts); one value per group. */
  readonly maxAttempts?: number;
  /** SubscribeOptions.retryBackoffMs; one value per group. */
  readonly retryBackoffMs?: number;
}

/** The second argument of a bus handler (`@Ctx()`): the message and the trace context the handler runs in. */
export class BusContext extends BaseRpcContext<[DeliveredMessage, TraceContext | undefined]> {
  getMessage(): DeliveredMessage {
    return this.args[0];
  }
  getTopic(): string {
    return this.args[0].topic;
  }
  /** Undefined for a batch handler: its messages each carry their own. */
  getTraceContext(): TraceContext | undefined {
    return this.args[1];
  }
}

/**
 * Without this Nest's default RPC filter would log the error and replace it with `{ status: 'error' }`; the bus
 * needs the error itself, to retry and to name it in the dead letter's headers.
 */
@Catch()
export class RethrowToBusFilter implements ExceptionFilter {
  catch(exception: unknown, _host: ArgumentsHost): Observable<never> {
    return throwError(() => exception);
  }
}

interface Registration {
  readonly topic: string;
  readonly options: BusConsumerOptions;
  readonly handler: MessageHandler;
}

/** The context a message's handler runs in: the message's trace, caused by (and by default correlated to) its event. */
export function traceContextOfMessage(message: DeliveredMessage): TraceContext {
  const eventId = message.headers[EVENT_HEADERS.eventId];
  return traceContextFrom(message.headers, eventId === undefined ? {} : { causationId: eventId, fallbackCorrelationId: eventId });
}

/**
 * A Nest transport whose `@EventPattern('<topic>', { group })` handlers consume through the Bus port, so they
 * run alike on the in-process bus and on Kafka, in the standalone process and in the cluster. Nest collects the
 * handlers of every controller (`addHandler`); `listen` subscribes one bus consumer per group, which keeps the
 * port's guarantees: at-least-once, order per key, retries with backoff, then the dead-letter topic.
 *
 * Each message's handler runs in the trace context of the message's headers, so the events it appends carry
 * the trace on (see tracingEventStore).
 */
export class BusTransport extends Server implements CustomTransportStrategy {
  private readonly consumersLogger = new Logger('BusConsumers');
  private readonly registrations: Registration[] = [];
  private readonly subscriptions: BusSubscription[] = [];
  private closed = false;

  constructor(private readonly bus: Bus) {
    super();
  }

  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    if (!isEventHandler) throw new Error(`@MessagePattern(${JSON.stringify(pattern)}): services do not use request/reply on the bus; use @EventPattern`);
    if (typeof pattern !== 'string') throw new Error(`@EventPattern(${JSON.stringify(pattern)}): the pattern is a topic name`);
    const options = extras as Partial<BusConsumerOptions>;
    if (typeof options.group !== 'string' || options.group === '') {
      throw new Error(`@EventPattern('${pattern}'): a consumer group is required: @EventPattern('${pattern}', { group: '<service>-<purpose>' })`);
    }
    callback.isEventHandler = true;
    callback.extras = extras;
    this.registrations.push({ topic: pattern, options: options as BusConsumerOptions, handler: callback });
    this.messageHandlers.set(`${options.group}:${pattern}:${this.registrations.length}`, callback);
  }

  /** Topics per group, for /api/v1/system and tests. */
  groups(): ReadonlyMap<string, readonly string[]> {
    const groups = new Map<string, string[]>();
    for (const { topic, options } of this.registrations) groups.set(options.group, [...new Set([...(groups.get(options.group) ?? []), topic])]);
    return groups;
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      const byGroup = new Map<string, Registration[]>();
      for (const registration of this.registrations) byGroup.set(registration.options.group, [...(byGroup.get(registration.options.group) ?? []), registration]);
      for (const [group, registrations] of byGroup) {
        if (this.closed) break;
        this.subscriptions.push(await this.bus.subscribe(this.subscribeOptions(group, registrations)));
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  /** Stops consuming: waits for the handlers in flight (their offsets are committed), leaves the groups. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const subscriptions = this.subscriptions.splice(0);
    await Promise.all(subscriptions.map((subscription) => subscription.close()));
  }

  on(): never {
    throw new Error('BusTransport has no events to listen to');
  }

  unwrap<T>(): T {
    return this.bus as T;
  }

  private subscribeOptions(group: string, registrations: readonly Registration[]): SubscribeOptions {
    const single = (name: 'maxAttempts' | 'retryBackoffMs'): number | undefined => {
      const values = new Set(registrations.map((r) => r.options[name]).filter((v) => v !== undefined));
      if (values.size > 1) throw new Error(`consumer group ${group}: its @EventPattern handlers set different ${name} (${[...values].join(', ')})`);
      return values.values().next().value;
    };
    const maxAttempts = single('maxAttempts');
    const retryBackoffMs = single('retryBackoffMs');
    const topics = [...new Set(registrations.map((r) => r.topic))];
    const batched = registrations.some((r) => r.options.batch === true);
    return {
      group,
      topics,
      handler: (message) => this.deliver(registrations, message),
      ...(batched ? { batchHandler: (messages: readonly DeliveredMessage[]) => this.deliverBatch(registrations, messages) } : {}),
      ...(maxAttempts === undefined ? {} : { maxAttempts }),
      ...(retryBackoffMs === undefined ? {} : { retryBackoffMs }),
    };
  }

  private async deliver(registrations: readonly Registration[], message: DeliveredMessage): Promise<void> {
    const trace = traceContextOfMessage(message);
    await runWithTraceContext(trace, async () => {
      for (const registration of registrations) {
        if (registration.topic !== message.topic) continue;
        const data = registration.options.batch === true ? [message] : message;
        await this.invoke(registration, data, new BusContext([message, trace]));
      }
    });
  }

  private async deliverBatch(registrations: readonly Registration[], messages: readonly DeliveredMessage[]): Promise<void> {
    const first = messages[0];
    if (first === undefined) return;
    for (const registration of registrations) {
      if (registration.options.batch === true) {
        const mine = messages.filter((m) => m.topic === registration.topic);
        if (mine.length > 0) await this.invoke(registration, mine, new BusContext([mine[0]!, undefined]));
        continue;
      }
      for (const message of messages) {
        if (message.topic !== registration.topic) continue;
        const trace = traceContextOfMessage(message);
        await runWithTraceContext(trace, () => this.invoke(registration, message, new BusContext([message, trace])));
      }
    }
  }

  private async invoke(registration: Registration, data: DeliveredMessage | readonly DeliveredMessage[], context: BusContext): Promise<void> {
    try {
      const result: unknown = await registration.handler(data, context);
      if (result instanceof Observable) await lastValueFrom(result, { defaultValue: undefined });
    } catch (error) {
      const { topic, partition, offset, attempt } = context.getMessage();
      const what = Array.isArray(data) ? `a batch from ${topic}/${partition}@${offset}` : `${topic}/${partition}@${offset} (attempt ${attempt})`;
      this.consumersLogger.warn(`${registration.options.group}: handling ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
      throw error;
    }
  }

  protected override handleError(error: string): void {
    this.consumersLogger.error(error);
  }
}

/** Re-exported so services declare bus consumers with one import and one @nestjs/microservices version. */
export { Ctx, EventPattern, Payload } from '@nestjs/microservices';
