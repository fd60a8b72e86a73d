import {
  DEAD_LETTER_HEADERS,
  deadLetterTopic,
  type Bus,
  type BusSubscription,
  type OutgoingMessage,
  type SubscribeOptions,
} from './bus.port';
import { MessageLog, type StoredMessage, type TopicPartition } from './message-log';

export interface InProcessBusOptions {
  /** SQLite file holding the log and the committed offsets; `:memory:` (default) lives as long as the bus. */
  readonly file?: string;
  /** Partitions given to each topic this bus creates; a topic keeps its count once created. Default 8. */
  readonly partitions?: number;
  /**
   * How often idle partitions are read again without a publish from this bus, so messages written
   * to the same file by another connection are picked up too. Default 1 s.
   */
  readonly pollIntervalMs?: number;
  /**
   * Durability of publish. FULL (default): publish resolves once the messages are on disk, because the relay
   * stores its checkpoint in the event store (fsynced) once publish resolves: a NORMAL publish lost to a power cut
   * would be an event that never reaches consumers. The sync runs on libuv's thread pool (MessageLog.durable), not
   * on the event loop; consumers are woken at the commit, before it. Offset commits are never waited for: losing
   * one only causes a redelivery, which consumers tolerate.
   */
  readonly publishSynchronous?: 'FULL' | 'NORMAL';
  /** Storage errors met while delivering; the partition is retried on the next poll. Default: process warning. */
  readonly onError?: (error: unknown) => void;
  /**
   * How often messages every group has consumed are deleted from the file, in slices of RETENTION_SLICE (a slice
   * that was full is followed by the next one shortly after). Default 10 s; 0 keeps every message.
   */
  readonly retentionIntervalMs?: number;
}

const DEFAULT_PARTITIONS = 8;
const DEFAULT_RETENTION_INTERVAL_MS = 10_000;
/**
 * Messages deleted per transaction: a few milliseconds of the event loop. Not more: a slice of 2,000 (~1 MB of
 * messages) overflowed SQLite's page cache and cost 30 ms on an idle machine, 500 cost 2.5 ms (docs/benchmarks.md,
 * round 10).
 */
const RETENTION_SLICE = 500;
const RETENTION_NEXT_SLICE_MS = 50;
const DEFAULT_POLL_INTERVAL_MS = 1_000;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_RETRY_BACKOFF_MS = 100;
const FETCH_SIZE = 100;

/**
 * Kafka's model in one process: topics split into partitions by key, a durable log per partition,
 * consumer groups with committed offsets, at-least-once delivery with retries and a dead-letter topic.
 * One process owns the file: groups are not coordinated across processes.
 */
export function openInProcessBus(options: InProcessBusOptions = {}): InProcessBus {
  return new InProcessBus(options);
}

class Member {
  closed = false;
  readonly topics: ReadonlySet<string>;
  readonly handler: SubscribeOptions['handler'];
  readonly batchHandler: SubscribeOptions['batchHandler'];
  readonly maxAttempts: number;
  readonly retryBackoffMs: number;

  constructor(
    readonly group: ConsumerGroup,
    options: SubscribeOptions,
  ) {
    this.topics = new Set(options.topics);
    this.handler = options.handler;
    this.batchHandler = options.batchHandler;
    this.maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    this.retryBackoffMs = options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS;
  }
}

class ConsumerGroup {
  readonly members: Member[] = [];
  readonly workers = new Map<string, PartitionWorker>();

  constructor(readonly name: string) {}

  /** Kafka's round-robin assignor: partitions in (topic, partition) order dealt to subscribed members in join order. */
  rebalance(): void {
    const workers = [...this.workers.values()].sort((a, b) =>
      a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
    );
    let cursor = 0;
    for (const worker of workers) {
      if (!this.members.some((member) => member.topics.has(worker.topic))) {
        worker.assign(undefined);
        continue;
      }
      let owner: Member | undefined;
      while (!owner) {
        const candidate = this.members[cursor++ % this.members.length]!;
        if (candidate.topics.has(worker.topic)) owner = candidate;
      }
      worker.assign(owner);
    }
  }
}

interface DeliveryContext {
  readonly log: MessageLog;
  readonly deadLettered: (appended: TopicPartition) => void;
  readonly onError: (error: unknown) => void;
}

/** Delivers one partition to one group: one message in flight, its offset committed after the handler resolves. */
class PartitionWorker {
  private owner: Member | undefined;
  private wakeRequested = false;
  /** A wake that must read the file: a poll for other processes' appends, a new owner, a retry. */
  private readRequested = false;
  private scheduled = false;
  private draining: Promise<void> | undefined;
  private delivering: { readonly member: Member; readonly done: Promise<unknown> } | undefined;
  private cancelBackoff: (() => void) | undefined;

  constructor(
    private readonly context: DeliveryContext,
    readonly group: string,
    readonly topic: string,
    readonly partition: number,
    private nextOffset: number,
  ) {}

  assign(owner: Member | undefined): void {
    if (owner === this.owner) return;
    this.owner = owner;
    this.cancelBackoff?.();
    if (owner) this.wake();
  }

  /**
   * Delivery always starts on a later turn of the event loop, never inside publish or subscribe. `appended`: woken by
   * an append through this bus, so the drain may stop where the in-memory tail ends instead of reading the file to
   * find nothing newer.
   */
  wake(cause: 'appended' | 'read' = 'read'): void {
    this.wakeRequested = true;
    if (cause === 'read') this.readRequested = true;
    if (this.draining || this.scheduled || !this.owner) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.draining || !this.owner) return;
      this.draining = this.drain()
        .catch(this.context.onError)
        .finally(() => {
          this.draining = undefined;
          if (this.wakeRequested) this.wake();
        });
    });
  }

  async deliveryTo(member: Member): Promise<void> {
    if (this.delivering?.member === member) await this.delivering.done;
  }

  async stopped(): Promise<void> {
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.wakeRequested && this.owner) {
      this.wakeRequested = false;
      const readFile = this.readRequested;
      this.readRequested = false;
      for (;;) {
        if (!readFile && this.context.log.isTailEnd(this.topic, this.partition, this.nextOffset)) break;
        const batch = this.context.log.read(this.topic, this.partition, this.nextOffset, FETCH_SIZE);
        if (batch.length === 0) break;
        if (await this.processBatch(batch)) continue;
        for (const message of batch) {
          if (!(await this.process(message))) return;
        }
      }
    }
  }

  /** True when the owner has a batch handler and it handled the whole batch; the offsets are then committed. */
  private async processBatch(batch: readonly StoredMessage[]): Promise<boolean> {
    const member = this.owner;
    if (member?.batchHandler === undefined) return false;
    this.context.log.flushCommitsFor(this.group, this.topic, this.partition);
    const done = member.batchHandler(batch.map((message) => ({ ...message, attempt: 1 }))).then(
      () => true,
      () => false,
    );
    this.delivering = { member, done };
    const handled = await done.finally(() => {
      this.delivering = undefined;
    });
    if (!handled) return false;
    const next = batch[batch.length - 1]!.offset + 1;
    this.context.log.commit(this.group, this.topic, this.partition, next);
    this.nextOffset = next;
    return true;
  }

  /** False when the partition was taken away during a retry with no member left to take it over. */
  private async process(message: StoredMessage): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const member = this.owner;
      if (!member) return false;
      const done = this.attempt(member, message, attempt);
      this.delivering = { member, done };
      const outcome = await done.finally(() => {
        this.delivering = undefined;
      });
      if (outcome === 'handled') return true;
      await this.backoff(member.retryBackoffMs * 2 ** (attempt - 1));
    }
  }

  private async attempt(member: Member, message: StoredMessage, attempt: number): Promise<'handled' | 'retry'> {
    // The previous message's commit is on disk before the next handler runs: a crash redelivers only the message in flight.
    this.context.log.flushCommitsFor(this.group, this.topic, this.partition);
    try {
      await member.handler({ ...message, attempt });
    } catch (error) {
      if (attempt < member.maxAttempts) return 'retry';
      this.deadLetter(message, error, attempt);
      return 'handled';
    }
    this.context.log.commit(this.group, this.topic, this.partition, message.offset + 1);
    this.nextOffset = message.offset + 1;
    return 'handled';
  }

  private deadLetter(message: StoredMessage, error: unknown, attempts: number): void {
    const headers: Record<string, string> = {
      ...message.headers,
      [DEAD_LETTER_HEADERS.error]: error instanceof Error ? error.message : String(error),
      [DEAD_LETTER_HEADERS.originalTopic]: message.topic,
      [DEAD_LETTER_HEADERS.originalPartition]: String(message.partition),
      [DEAD_LETTER_HEADERS.originalOffset]: String(message.offset),
      [DEAD_LETTER_HEADERS.group]: this.group,
      [DEAD_LETTER_HEADERS.attempts]: String(attempts),
    };
    const appended = this.context.log.appendAndCommit(
      { topic: deadLetterTopic(message.topic), key: message.key, value: message.value, headers },
      this.group,
      message,
    );
    this.nextOffset = message.offset + 1;
    this.context.deadLettered(appended);
  }

  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.cancelBackoff = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.cancelBackoff = done;
    });
  }
}

export class InProcessBus implements Bus {
  private readonly log: MessageLog;
  private readonly publishSynchronous: 'FULL' | 'NORMAL';
  private readonly groups = new Map<string, ConsumerGroup>();
  private readonly context: DeliveryContext;
  private readonly pollTimer: NodeJS.Timeout;
  private retentionTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: InProcessBusOptions = {}) {
    const partitions = options.partitions ?? DEFAULT_PARTITIONS;
    if (!Number.isInteger(partitions) || partitions < 1) {
      throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
    }
    this.publishSynchronous = options.publishSynchronous ?? 'FULL';
    this.log = new MessageLog(options.file ?? ':memory:', partitions, (error) => this.context.onError(error));
    this.context = {
      log: this.log,
      deadLettered: (appended) => this.wakeConsumersOf([appended]),
      onError:
        options.onError ??
        ((error) => process.emitWarning(`in-process bus delivery failed: ${String(error)}`, 'RoamgateBusWarning')),
    };
    this.pollTimer = setInterval(() => this.wakeAll(), options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS);
    this.pollTimer.unref();
    const retentionIntervalMs = options.retentionIntervalMs ?? DEFAULT_RETENTION_INTERVAL_MS;
    if (!Number.isSafeInteger(retentionIntervalMs) || retentionIntervalMs < 0) {
      throw new RangeError(`retentionIntervalMs must be a non-negative integer, got ${retentionIntervalMs}`);
    }
    if (retentionIntervalMs > 0) this.scheduleRetention(retentionIntervalMs, retentionIntervalMs);
  }

  private scheduleRetention(delayMs: number, intervalMs: number): void {
    this.retentionTimer = setTimeout(() => {
      if (this.closing) return;
      let full = false;
      try {
        full = this.log.prune(RETENTION_SLICE) >= RETENTION_SLICE;
      } catch (error) {
        this.context.onError(error);
      }
      this.scheduleRetention(full ? RETENTION_NEXT_SLICE_MS : intervalMs, intervalMs);
    }, delayMs);
    this.retentionTimer.unref();
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    if (messages.length === 0) return;
    const appended = this.log.append(messages.map(toNewMessage));
    this.wakeConsumersOf(appended, 'appended');
    if (this.publishSynchronous === 'FULL') await this.log.durable();
  }

  async subscribe(options: SubscribeOptions): Promise<BusSubscription> {
    this.assertOpen();
    if (!options.group) throw new TypeError('subscribe needs a group');
    if (options.topics.length === 0) throw new TypeError('subscribe needs at least one topic');
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
    }
    let group = this.groups.get(options.group);
    if (!group) {
      group = new ConsumerGroup(options.group);
      this.groups.set(group.name, group);
    }
    for (const topic of options.topics) {
      if (group.workers.has(workerId(topic, 0))) continue;
      this.log.join(group.name, topic).forEach((nextOffset, partition) => {
        group.workers.set(
          workerId(topic, partition),
          new PartitionWorker(this.context, group.name, topic, partition, nextOffset),
        );
      });
    }
    const member = new Member(group, options);
    group.members.push(member);
    group.rebalance();
    return { close: () => this.leave(member) };
  }

  isReady(): boolean {
    return !this.closing && this.log.isOpen;
  }

  /** Waits for in-flight handlers; a message waiting for a retry is redelivered after a restart. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.pollTimer);
      clearTimeout(this.retentionTimer);
      const members = [...this.groups.values()].flatMap((group) => group.members);
      await Promise.all(members.map((member) => this.leave(member)));
      const workers = [...this.groups.values()].flatMap((group) => [...group.workers.values()]);
      await Promise.all(workers.map((worker) => worker.stopped()));
      await this.log.close();
    })();
    return this.closing;
  }

  /**
   * Retention: deletes the messages that every group registered on their partition has consumed (at most `limit`,
   * oldest first), and returns how many. A group registered but gone for good holds retention back until removed.
   * The bus does this by itself every retentionIntervalMs.
   */
  prune(limit?: number): number {
    this.assertOpen();
    return this.log.prune(limit);
  }

  private wakeConsumersOf(appended: readonly TopicPartition[], cause: 'appended' | 'read' = 'read'): void {
    const touched = new Set(appended.map(({ topic, partition }) => workerId(topic, partition)));
    for (const group of this.groups.values()) {
      for (const id of touched) group.workers.get(id)?.wake(cause);
    }
  }

  private wakeAll(): void {
    for (const group of this.groups.values()) for (const worker of group.workers.values()) worker.wake();
  }

  private async leave(member: Member): Promise<void> {
    if (member.closed) return;
    member.closed = true;
    const { group } = member;
    group.members.splice(group.members.indexOf(member), 1);
    group.rebalance();
    await Promise.all([...group.workers.values()].map((worker) => worker.deliveryTo(member)));
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('bus is closed');
  }
}

function toNewMessage(message: OutgoingMessage) {
  if (typeof message.topic !== 'string' || message.topic.length === 0) throw new TypeError('message needs a topic');
  if (typeof message.key !== 'string') throw new TypeError(`message on ${message.topic} needs a string key`);
  if (!(message.value instanceof Uint8Array)) throw new TypeError(`message on ${message.topic} needs a Uint8Array value`);
  const headers = message.headers ?? {};
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') throw new TypeError(`header ${name} on ${message.topic} must be a string`);
  }
  return { topic: message.topic, key: message.key, value: message.value, headers };
}

const workerId = (topic: string, partition: number): string => `${topic}\u0000${partition}`;
