/** JSON value as stored: events are kept as their schema's JSON form. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface NewEvent {
  /** Unique event id (UUID); consumers deduplicate on it. */
  readonly id: string;
  readonly type: string;
  readonly data: Json;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly data: Json;
  readonly metadata: Readonly<Record<string, string>>;
  readonly streamId: string;
  /** 0-based position of the event inside its stream. */
  readonly revision: number;
  /** Position in the global log; strictly increasing in append order. */
  readonly position: number;
  /** ISO-8601 time the store recorded the event. */
  readonly recordedAt: string;
}

/**
 * `no_stream`: the stream must not exist yet; a number: the revision of the stream's last event;
 * `stream_exists`: any existing stream; `any`: no check.
 */
export type ExpectedRevision = number | 'no_stream' | 'stream_exists' | 'any';

export interface AppendResult {
  /** Revision of the last appended event. */
  readonly nextExpectedRevision: number;
  /** Global position of the last appended event. */
  readonly position: number;
}

export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or -1 when the stream does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, actual ${actual}`);
  }
}

/**
 * An append carried an event id the store already holds (or the same id twice). Nothing of that
 * append is stored: ids are how consumers deduplicate, so the store never holds two events with one id.
 */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
  ) {
    super(`stream ${streamId}: event id ${eventId} is already stored`);
  }
}

export interface ReadStreamOptions {
  readonly fromRevision?: number;
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Read events whose position is greater than this (exclusive); 0 reads from the start. */
  readonly after?: number;
  readonly maxCount?: number;
}

export interface SubscribeToAllOptions {
  /**
   * Name of the durable checkpoint. The subscription starts after the stored checkpoint and
   * stores the position of every event whose handler resolved.
   */
  readonly checkpointId: string;
  readonly handler: (event: RecordedEvent) => Promise<void>;
  /**
   * Optional: consecutive events handed over together (at most maxBatchSize), the checkpoint stored once after
   * the batch resolved. When it throws, the same events go through `handler` one at a time, so a failure stops
   * the subscription at the exact event, as without batches.
   */
  readonly batchHandler?: (events: readonly RecordedEvent[]) => Promise<void>;
  /** Largest batch given to batchHandler; default 500. */
  readonly maxBatchSize?: number;
  /** Called when the handler throws; the subscription stops and does not advance past it. */
  readonly onError?: (error: unknown, event: RecordedEvent) => void;
}

export interface Subscription {
  /** Resolves once every event present at subscription time has been handled. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

export interface EventStore {
  /**
   * Appends all events or none. Rejects with WrongExpectedRevisionError when the stream's revision
   * does not match, and with DuplicateEventIdError when an event id is already stored. Resolves once
   * the events are durable; concurrent appends may share one commit, each with its own outcome.
   */
  append(
    streamId: string,
    events: readonly NewEvent[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;
  /** Events of one stream in revision order; empty when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options: SubscribeToAllOptions): Subscription;
  /** The stored checkpoint, or 0 when none. */
  getCheckpoint(checkpointId: string): Promise<number>;
  close(): Promise<void>;
}
