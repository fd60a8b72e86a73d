export interface OutgoingMessage {
  readonly topic: string;
  /** Messages with the same key are delivered in publish order (one partition per key). */
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface DeliveredMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
  readonly partition: number;
  readonly offset: number;
  /** 1 on first delivery, incremented on each retry after the handler threw. */
  readonly attempt: number;
}

export interface SubscribeOptions {
  /** Consumer group: each message is handled by one member of each group. */
  readonly group: string;
  readonly topics: readonly string[];
  readonly handler: (message: DeliveredMessage) => Promise<void>;
  /**
   * Optional, for adapters that can: consecutive messages of one partition handed over together, in offset order,
   * their offsets committed once it resolved. When it throws, the same messages go through `handler` one at a
   * time, with the usual retries and dead-lettering.
   */
  readonly batchHandler?: (messages: readonly DeliveredMessage[]) => Promise<void>;
  /** Attempts before the message goes to the dead-letter topic; default 5. */
  readonly maxAttempts?: number;
  /** Delay before the first retry, doubled on every further retry; default 100 ms. */
  readonly retryBackoffMs?: number;
}

export interface BusSubscription {
  close(): Promise<void>;
}

export interface Bus {
  /** Resolves once the messages are accepted by the bus (durably, where the adapter is durable). */
  publish(messages: readonly OutgoingMessage[]): Promise<void>;
  subscribe(options: SubscribeOptions): Promise<BusSubscription>;
  /** True while the bus can accept and deliver messages (readiness). */
  isReady(): boolean;
  close(): Promise<void>;
}

/** Messages that exhausted their attempts are published here, with the error in headers. */
export const deadLetterTopic = (topic: string): string => `${topic}.dlq`;

export const DEAD_LETTER_HEADERS = {
  error: 'x-dlq-error',
  originalTopic: 'x-dlq-original-topic',
  originalPartition: 'x-dlq-original-partition',
  originalOffset: 'x-dlq-original-offset',
  group: 'x-dlq-group',
  attempts: 'x-dlq-attempts',
} as const;
