import {
  DEAD_LETTER_HEADERS,
  deadLetterTopic,
  type Bus,
  type BusSubscription,
  type DeliveredMessage,
  type OutgoingMessage,
  type SubscribeOptions,
} from '@roamgate/bus';
import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type Consumer,
  type EachMessagePayload,
  type Message,
  type Producer,
} from 'kafkajs';
import { kafkaLogCreator, type KafkaBusLogger } from './kafka-logging';
import { toDelivered, toKafkaMessage } from './kafka-messages';

export interface KafkaBusOptions {
  /** Bootstrap brokers: `host:port` entries, or one comma-separated string as in KAFKA_BROKERS. */
  readonly brokers: string | readonly string[];
  /** Names this process to the broker (client.id): shows in broker logs and quotas. */
  readonly clientId: string;
  /** Partitions of the topics this bus creates; a topic that exists keeps its count. Default 4. */
  readonly partitions?: number;
  /** Replication factor of created topics; default -1, the broker's default.replication.factor. */
  readonly replicationFactor?: number;
  /** A member that sends no heartbeat for this long leaves its group; default 10 s. */
  readonly sessionTimeoutMs?: number;
  /** Default 1 s; kept well under sessionTimeoutMs. */
  readonly heartbeatIntervalMs?: number;
  /**
   * Longest a fetch waits on a quiet partition. Data ends the wait at once, so this bounds how soon
   * a consumer takes part in a rebalance, not delivery latency. Default 500 ms.
   */
  readonly maxWaitTimeMs?: number;
  /** How often the broker connection is checked for isReady(); default 5 s. */
  readonly healthCheckIntervalMs?: number;
  /** A check without an answer for this long makes isReady() false; default 2 s. */
  readonly healthCheckTimeoutMs?: number;
  /** kafkajs warnings and errors go here; default: stderr. */
  readonly logger?: KafkaBusLogger;
}

const DEFAULT_PARTITIONS = 4;
const DEFAULT_MAX_ATTEMPTS = 5;
const DEFAULT_RETRY_BACKOFF_MS = 100;

/** Connects the producer and the admin client, so the bus is ready once this resolves. */
export async function openKafkaBus(options: KafkaBusOptions): Promise<KafkaBus> {
  const bus = new KafkaBus(options);
  try {
    await bus.connect();
  } catch (error) {
    await bus.close();
    throw error;
  }
  return bus;
}

export class KafkaBus implements Bus {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly partitions: number;
  private readonly replicationFactor: number;
  private readonly members = new Set<GroupMember>();
  private readonly topics = new Map<string, Promise<void>>();
  private producerConnected = false;
  private brokerReachable = false;
  private healthTimer: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly options: KafkaBusOptions) {
    this.partitions = options.partitions ?? DEFAULT_PARTITIONS;
    if (!Number.isInteger(this.partitions) || this.partitions < 1) {
      throw new RangeError(`partitions must be a positive integer, got ${this.partitions}`);
    }
    this.replicationFactor = options.replicationFactor ?? -1;
    const brokers = typeof options.brokers === 'string' ? options.brokers.split(',') : [...options.brokers];
    this.kafka = new Kafka({
      clientId: options.clientId,
      brokers: brokers.map((broker) => broker.trim()).filter(Boolean),
      logLevel: logLevel.WARN,
      logCreator: kafkaLogCreator(options.logger),
    });
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Java's murmur2 partitioner: a key lands on the same partition whichever client publishes it.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.admin = this.kafka.admin();
    this.producer.on(this.producer.events.CONNECT, () => (this.producerConnected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.producerConnected = false));
  }

  /** Called by openKafkaBus. */
  async connect(): Promise<void> {
    await Promise.all([this.producer.connect(), this.admin.connect()]);
    await this.checkBroker();
    const interval = this.options.healthCheckIntervalMs ?? 5_000;
    this.healthTimer = setInterval(() => void this.checkBroker(), interval);
    this.healthTimer.unref();
  }

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    await this.send(messages);
  }

  /** Also used for dead letters while closing: members still finishing their handlers may need it. */
  private async send(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    for (const message of messages) {
      const kafkaMessage = toKafkaMessage(message);
      const topicMessages = byTopic.get(message.topic);
      if (topicMessages) topicMessages.push(kafkaMessage);
      else byTopic.set(message.topic, [kafkaMessage]);
    }
    await this.ensureTopics([...byTopic.keys()]);
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, topicMessages]) => ({ topic, messages: topicMessages })),
    });
  }

  async subscribe(options: SubscribeOptions): Promise<BusSubscription> {
    this.assertOpen();
    if (!options.group) throw new TypeError('subscribe needs a group');
    if (options.topics.length === 0) throw new TypeError('subscribe needs at least one topic');
    const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
    }
    // Created up front with this bus's partition count; auto-creation would leave it to the broker.
    await this.ensureTopics(options.topics);
    const consumer = this.kafka.consumer({
      groupId: options.group,
      sessionTimeout: this.options.sessionTimeoutMs ?? 10_000,
      heartbeatInterval: this.options.heartbeatIntervalMs ?? 1_000,
      maxWaitTimeInMs: this.options.maxWaitTimeMs ?? 500,
      allowAutoTopicCreation: false,
    });
    const member = new GroupMember(consumer, options, maxAttempts, (message, error, attempts) =>
      this.deadLetter(options.group, message, error, attempts),
    );
    this.members.add(member);
    try {
      await member.start();
    } catch (error) {
      await this.leave(member);
      throw error;
    }
    return { close: () => this.leave(member) };
  }

  isReady(): boolean {
    return (
      !this.closing &&
      this.producerConnected &&
      this.brokerReachable &&
      [...this.members].every((member) => !member.stoppedForGood)
    );
  }

  /** Consumers leave their groups first (after their in-flight handlers), then the producer flushes and disconnects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.healthTimer);
      await Promise.allSettled([...this.members].map((member) => this.leave(member)));
      await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
    })();
    return this.closing;
  }

  private async leave(member: GroupMember): Promise<void> {
    await member.close();
    this.members.delete(member);
  }

  private async deadLetter(group: string, message: DeliveredMessage, error: unknown, attempts: number): Promise<void> {
    await this.send([
      {
        topic: deadLetterTopic(message.topic),
        key: message.key,
        value: message.value,
        headers: {
          ...message.headers,
          [DEAD_LETTER_HEADERS.error]: error instanceof Error ? error.message : String(error),
          [DEAD_LETTER_HEADERS.originalTopic]: message.topic,
          [DEAD_LETTER_HEADERS.originalPartition]: String(message.partition),
          [DEAD_LETTER_HEADERS.originalOffset]: String(message.offset),
          [DEAD_LETTER_HEADERS.group]: group,
          [DEAD_LETTER_HEADERS.attempts]: String(attempts),
        },
      },
    ]);
  }

  private ensureTopics(topics: readonly string[]): Promise<unknown> {
    return Promise.all(topics.map((topic) => this.ensureTopic(topic)));
  }

  private ensureTopic(topic: string): Promise<void> {
    let created = this.topics.get(topic);
    if (!created) {
      created = this.createTopic(topic).catch((error: unknown) => {
        this.topics.delete(topic);
        throw error;
      });
      this.topics.set(topic, created);
    }
    return created;
  }

  /**
   * Several service processes start at once and create the same topics: the loser of that race sees
   * TOPIC_ALREADY_EXISTS or, while the winner's partitions get leaders, UNKNOWN_TOPIC_OR_PARTITION.
   * Both are retried until the topic's metadata shows every partition with a leader.
   */
  private async createTopic(topic: string, deadline = Date.now() + 30_000): Promise<void> {
    for (;;) {
      try {
        await this.admin.createTopics({
          topics: [{ topic, numPartitions: this.partitions, replicationFactor: this.replicationFactor }],
          waitForLeaders: true,
        });
        const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
        if (topics[0]?.partitions.every((p) => p.leader >= 0)) return;
      } catch (error) {
        const { retriable, type } = error as { retriable?: boolean; type?: string };
        if (!(retriable || type === 'TOPIC_ALREADY_EXISTS') || Date.now() > deadline) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  private probing: Promise<void> | undefined;

  /** kafkajs retries a lost broker for many seconds before failing: readiness does not wait for that. */
  private async checkBroker(): Promise<void> {
    if (this.probing) return;
    this.probing = this.admin.describeCluster().then(
      () => {
        this.brokerReachable = true;
      },
      () => {
        this.brokerReachable = false;
      },
    );
    void this.probing.finally(() => (this.probing = undefined));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.brokerReachable = false;
        resolve();
      }, this.options.healthCheckTimeoutMs ?? 2_000);
    });
    await Promise.race([this.probing, timedOut]);
    clearTimeout(timer);
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('bus is closed');
  }
}

type DeadLetter = (message: DeliveredMessage, error: unknown, attempts: number) => Promise<void>;

/** One kafkajs consumer: one member of its group, handling one message at a time. */
class GroupMember {
  stoppedForGood = false;
  private closing: Promise<void> | undefined;
  private delivering: Promise<void> | undefined;
  private cancelBackoff: (() => void) | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SubscribeOptions,
    private readonly maxAttempts: number,
    private readonly deadLetter: DeadLetter,
  ) {
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) this.stoppedForGood = true;
    });
  }

  /** Resolves once the member has joined its group and holds its share of the partitions. */
  async start(): Promise<void> {
    await this.consumer.connect();
    // A new group starts at the earliest offset, so what was published before it joined is not lost.
    await this.consumer.subscribe({ topics: [...this.options.topics], fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 1,
      eachMessage: (payload) => {
        const delivery = this.deliver(payload);
        this.delivering = delivery.catch(() => undefined);
        return delivery;
      },
    });
  }

  /** Waits for the handler in flight; a message waiting for a retry is not committed and goes to the partition's next owner. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.cancelBackoff?.();
      await this.consumer.disconnect();
      await this.delivering;
    })();
    return this.closing;
  }

  private async deliver({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    if (this.closing) return;
    const delivered = toDelivered(topic, partition, message);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.handler({ ...delivered, attempt });
        break;
      } catch (error) {
        if (attempt >= this.maxAttempts) {
          await this.deadLetter(delivered, error, attempt);
          break;
        }
      }
      const backoffMs = (this.options.retryBackoffMs ?? DEFAULT_RETRY_BACKOFF_MS) * 2 ** (attempt - 1);
      await this.backoff(backoffMs, heartbeat);
      if (this.closing) return;
    }
    // The offset is committed only once the handler resolved (or the message was dead-lettered): at-least-once.
    await this.consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }

  /**
   * Heartbeats while waiting, so a long backoff does not cost the member its partitions; a
   * heartbeat that finds the group rebalancing throws, and the message goes to the partition's next owner.
   */
  private async backoff(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const until = performance.now() + ms;
    while (!this.closing) {
      const left = until - performance.now();
      if (left <= 0) return;
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.cancelBackoff = undefined;
          resolve();
        };
        const timer = setTimeout(done, Math.min(left, 1_000));
        this.cancelBackoff = done;
      });
      if (!this.closing) await heartbeat();
    }
  }
}
