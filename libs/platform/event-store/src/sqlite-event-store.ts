import { join } from 'node:path';
import type { StatementSync } from 'node:sqlite';
import { immediateTransaction, openDatabase, WriterThread, type DatabaseSync } from '@roamgate/sqlite';
import {
  DuplicateEventIdError,
  WrongExpectedRevisionError,
  type AppendResult,
  type EventStore,
  type ExpectedRevision,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeToAllOptions,
  type Subscription,
} from './event-store.port';
import {
  SCHEMA,
  groupWriter,
  type AppendOutcome,
  type AppendRequest,
  type CommitGroup,
} from './sqlite-event-store.writer';

export interface SqliteEventStoreOptions {
  readonly file: string;
  /** How often subscriptions look for appends made by other processes sharing the file. */
  readonly pollIntervalMs?: number;
  /** FULL (default): an append that returned is on disk. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /**
   * Where the append transactions run. `worker` (default for a file): a worker thread with its own connection, so
   * neither the inserts nor the fsync block the event loop. `inline`: on the caller's thread (always for `:memory:`,
   * which a second connection could not see).
   */
  readonly writer?: 'worker' | 'inline';
  readonly now?: () => Date;
}

const COLUMNS = 'position, event_id, stream_id, revision, type, data, metadata, recorded_at';
const SUBSCRIPTION_PAGE = 500;
/**
 * Events this process committed last, for subscriptions that follow close behind the appends (the relay reads within
 * its linger of 20 ms), at most. Fewer once every subscription has read them (see rememberCommitted): kept longer,
 * under charger load they reached the old generation, whose collections stall the event loop.
 */
const RECENT_EVENTS = 512;

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

/** Runs commit groups: each resolves with one outcome per append once durable, or rejects when nothing was stored. */
interface Committer {
  commit(group: CommitGroup): Promise<readonly AppendOutcome[]>;
  close(): Promise<void>;
}

interface EventRow {
  position: number;
  event_id: string;
  stream_id: string;
  revision: number;
  type: string;
  data: string;
  metadata: string;
  recorded_at: string;
}

const toRecorded = (row: EventRow): RecordedEvent => ({
  id: row.event_id,
  type: row.type,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
  streamId: row.stream_id,
  revision: row.revision,
  position: row.position,
  recordedAt: row.recorded_at,
});

function settle(append: PendingAppend, outcome: AppendOutcome): void {
  if (outcome.ok) append.resolve({ nextExpectedRevision: outcome.nextExpectedRevision, position: outcome.position });
  else if (outcome.kind === 'wrong-revision') {
    append.reject(new WrongExpectedRevisionError(append.streamId, append.expectedRevision, outcome.actual));
  } else if (outcome.kind === 'duplicate-id') append.reject(new DuplicateEventIdError(append.streamId, outcome.eventId));
  else append.reject(new Error(`stream ${append.streamId}: append failed: ${outcome.message}`));
}

/**
 * Event store on one SQLite file. Several processes may share the file: appends take the write
 * lock up front (BEGIN IMMEDIATE), so the expected-revision check and the insert are one step
 * for all of them, and positions are handed out in commit order, which lets subscriptions read
 * `position > last` without ever skipping a late commit.
 *
 * Group commit: the appends made during one turn of the event loop are written in one transaction,
 * so they share one fsync. Each runs inside its own savepoint: its revision check sees the appends
 * before it in the group, and a failing append is rolled back alone. None resolves before the commit.
 * Subscription checkpoints ride along: a subscriber that handles many events in one turn writes its
 * checkpoint once; this process sees it at once, and a crash replays at most that turn's events.
 *
 * The transactions run on a worker thread (sqlite-event-store.worker.ts) with a connection of its own: the main
 * thread only serialises the events and awaits the outcome, and groups that arrive while the worker is in a commit
 * are written together in its next one. Reads and subscriptions use the main thread's connection (WAL: readers see
 * every commit at once); subscriptions are woken when the worker reports a commit.
 */
export class SqliteEventStore implements EventStore {
  private readonly statements: {
    readStream: StatementSync;
    readAll: StatementSync;
    head: StatementSync;
    getCheckpoint: StatementSync;
  };
  /** Each live subscription with its reader (see readAfter). */
  private readonly subscriptions = new Map<SqliteSubscription, Reader>();
  /**
   * The last RECENT_EVENTS events appended through this store, by position (Map order: oldest first), as recorded
   * events with the data and metadata they were given (events are read-only: every subscription is handed the same
   * object). A subscription reading right behind the appends is served from here instead of a SQLite read that, after
   * every commit of the writer's connection, starts on a cold page cache.
   */
  private readonly recent = new Map<number, RecordedEvent>();
  /** The highest position this store committed. */
  private lastCommitted = 0;
  private pending: PendingAppend[] = [];
  private readonly pendingCheckpoints = new Map<string, number>();
  /** Checkpoints sent to the writer and not yet reported committed: the latest position sent for each. */
  private readonly checkpointsInFlight = new Map<string, number>();
  /** The commit the writer is working on; what is appended meanwhile waits for it and goes in the next one. */
  private inFlight: Promise<void> | undefined;
  private commitScheduled = false;
  private turns = 0;
  private turnTicking = false;
  private closed = false;

  constructor(
    private readonly db: DatabaseSync,
    private readonly committer: Committer,
    private readonly pollIntervalMs: number,
    private readonly now: () => Date,
  ) {
    this.statements = {
      readStream: db.prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      readAll: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      head: db.prepare('SELECT max(position) AS position FROM events'),
      getCheckpoint: db.prepare('SELECT position FROM checkpoints WHERE id = ?'),
    };
  }

  append(
    streamId: string,
    events: readonly NewEvent[],
    options: { readonly expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    try {
      this.assertOpen();
      if (events.length === 0) throw new Error(`stream ${streamId}: append needs at least one event`);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ streamId, events, expectedRevision: options.expectedRevision, resolve, reject });
      this.scheduleCommit();
    });
  }

  private scheduleCommit(): void {
    if (this.commitScheduled) return;
    this.commitScheduled = true;
    setImmediate(() => this.commitPending());
  }

  /** Sends what is pending to the writer, unless a commit is in flight: then it is sent when that one settles. */
  private commitPending(): void {
    this.commitScheduled = false;
    if (this.inFlight !== undefined) return;
    const checkpoints = [...this.pendingCheckpoints];
    this.pendingCheckpoints.clear();
    const group: PendingAppend[] = [];
    const appends: AppendRequest[] = [];
    for (const append of this.pending) {
      try {
        const events = append.events.map((event) => ({
          id: event.id,
          type: event.type,
          data: JSON.stringify(event.data),
          metadata: JSON.stringify(event.metadata ?? {}),
        }));
        appends.push({ streamId: append.streamId, expectedRevision: append.expectedRevision, events });
        group.push(append);
      } catch (error) {
        append.reject(error);
      }
    }
    this.pending = [];
    if (group.length === 0 && checkpoints.length === 0) return;
    for (const [id, position] of checkpoints) this.checkpointsInFlight.set(id, position);
    const recordedAt = this.now().toISOString();
    let failed = false;
    this.inFlight = this.committer.commit({ recordedAt, checkpoints, appends }).then(
      (outcomes) => {
        for (const [id, position] of checkpoints) if (this.checkpointsInFlight.get(id) === position) this.checkpointsInFlight.delete(id);
        this.rememberCommitted(recordedAt, group, outcomes);
        group.forEach((append, i) => settle(append, outcomes[i]!));
        if (outcomes.some((outcome) => outcome.ok)) for (const subscription of this.subscriptions.keys()) subscription.wake();
      },
      (error: unknown) => {
        for (const [id, position] of checkpoints) {
          if (this.checkpointsInFlight.get(id) === position) this.checkpointsInFlight.delete(id);
          if (!this.pendingCheckpoints.has(id) && !this.checkpointsInFlight.has(id)) this.pendingCheckpoints.set(id, position);
        }
        for (const append of group) append.reject(error);
        failed = true;
      },
    ).then(() => {
      this.inFlight = undefined;
      // Checkpoints put back after a failed commit wait for the next append or checkpoint, as they would inline.
      if (this.pending.length > 0 || (!failed && this.pendingCheckpoints.size > 0)) this.commitPending();
    });
  }

  /**
   * Keeps the rows of the appends that committed. The events of one append have consecutive positions (AUTOINCREMENT
   * within one transaction, a failed append rolled back to its savepoint with the sequence), ending at its position.
   */
  private rememberCommitted(recordedAt: string, group: readonly PendingAppend[], outcomes: readonly AppendOutcome[]): void {
    group.forEach(({ streamId, events }, i) => {
      const outcome = outcomes[i]!;
      if (!outcome.ok) return;
      const first = events.length - 1;
      events.forEach((event, j) => {
        const position = outcome.position - first + j;
        this.lastCommitted = Math.max(this.lastCommitted, position);
        this.recent.set(position, {
          id: event.id,
          type: event.type,
          data: event.data,
          metadata: event.metadata ?? {},
          streamId,
          revision: outcome.nextExpectedRevision - first + j,
          position,
          recordedAt,
        });
      });
    });
    // What every subscription has read goes now, so that rows normally live milliseconds and die young.
    let floor = Number.POSITIVE_INFINITY;
    for (const reader of this.subscriptions.values()) floor = Math.min(floor, reader.after);
    for (const position of this.recent.keys()) {
      if (this.recent.size <= RECENT_EVENTS && position > floor) break;
      this.recent.delete(position);
    }
  }

  /**
   * The events after `position`, from the recent rows while they follow on without a gap (a gap is an append of
   * another process sharing the file, or a row already dropped): a prefix of what SQLite returns, so never a skip.
   */
  private readAfter(position: number, maxCount: number, reader: Reader): RecordedEvent[] {
    reader.after = position;
    const events: RecordedEvent[] = [];
    for (let next = position + 1; events.length < maxCount; next += 1) {
      const event = this.recent.get(next);
      if (event === undefined) break;
      events.push(event);
    }
    if (events.length > 0) return events;
    // Caught up with this store's own commits: only another process could have appended since, and the file is
    // read for that at most once per poll interval, as an idle subscription would.
    const now = performance.now();
    if (position === this.lastCommitted && now - reader.lastFileRead < this.pollIntervalMs) return events;
    reader.lastFileRead = now;
    return (this.statements.readAll.all(position, maxCount) as unknown as EventRow[]).map(toRecorded);
  }

  /** Resolves once the checkpoint is committed, or its commit failed (it is then written with a later one). */
  private async checkpointWritten(checkpointId: string): Promise<void> {
    const unwritten = () => this.pendingCheckpoints.has(checkpointId) || this.checkpointsInFlight.has(checkpointId);
    if (!unwritten()) return;
    // The commit of this turn is sent in the check phase; a commit in flight sends what waits for it when it settles.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.inFlight !== undefined && unwritten()) await this.inFlight;
  }

  /** Counts the check phases of the event loop that passed while someone was asking; see SqliteSubscription. */
  private turn(): number {
    if (!this.turnTicking) {
      this.turnTicking = true;
      setImmediate(() => {
        this.turnTicking = false;
        this.turns += 1;
      });
    }
    return this.turns;
  }

  /** Sends what is pending and waits until it and every commit before it are settled. */
  private async flush(): Promise<void> {
    this.commitPending();
    while (this.inFlight !== undefined) await this.inFlight;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const rows = this.statements.readStream.all(streamId, options.fromRevision ?? 0, options.maxCount ?? -1);
    return (rows as unknown as EventRow[]).map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const rows = this.statements.readAll.all(options.after ?? 0, options.maxCount ?? -1);
    return (rows as unknown as EventRow[]).map(toRecorded);
  }

  /** How many recently committed events are held in memory for subscriptions (for tests and diagnostics). */
  recentEventsHeld(): number {
    return this.recent.size;
  }

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    this.assertOpen();
    const { maxBatchSize } = options;
    if (maxBatchSize !== undefined && !(Number.isSafeInteger(maxBatchSize) && maxBatchSize > 0)) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
    }
    const { head } = this.statements;
    const reader: Reader = { lastFileRead: 0, after: -1 };
    const log: SubscribedLog = {
      head: () => (head.get() as { position: number | null }).position ?? 0,
      readAfter: (position, maxCount) => this.readAfter(position, maxCount, reader),
      checkpoint: (id) => this.checkpointOf(id),
      saveCheckpoint: (id, position) => {
        this.pendingCheckpoints.set(id, position);
        this.scheduleCommit();
      },
      checkpointWritten: (id) => this.checkpointWritten(id),
      turn: () => this.turn(),
    };
    const subscription = new SqliteSubscription(log, options, this.pollIntervalMs, async () => {
      this.subscriptions.delete(subscription);
      // A stopped subscription's checkpoint is on disk when stop() resolves, for whoever resumes it.
      const { checkpointId } = options;
      if (!this.closed && (this.pendingCheckpoints.has(checkpointId) || this.checkpointsInFlight.has(checkpointId))) {
        await this.flush();
      }
    });
    this.subscriptions.set(subscription, reader);
    return subscription;
  }

  async getCheckpoint(checkpointId: string): Promise<number> {
    this.assertOpen();
    return this.checkpointOf(checkpointId);
  }

  private checkpointOf(checkpointId: string): number {
    const pending = this.pendingCheckpoints.get(checkpointId) ?? this.checkpointsInFlight.get(checkpointId);
    if (pending !== undefined) return pending;
    return (this.statements.getCheckpoint.get(checkpointId) as { position: number } | undefined)?.position ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions.keys()].map((s) => s.stop()));
    this.closed = true;
    await this.flush();
    await this.committer.close();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }
}

/** The transactions on the caller's thread, over the store's own connection. */
function inlineCommitter(db: DatabaseSync): Committer {
  const write = groupWriter(db);
  return {
    commit: (group) => {
      try {
        return Promise.resolve(write([group])[0]!);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    close: () => Promise.resolve(),
  };
}

/** The transactions on a worker thread with its own connection; see sqlite-event-store.worker.ts. */
function threadCommitter(file: string, synchronous: 'FULL' | 'NORMAL'): Committer {
  const thread = new WriterThread<CommitGroup, readonly AppendOutcome[]>(join(__dirname, 'sqlite-event-store.worker.js'), { file, synchronous }, 'the event store writer');
  return { commit: (group) => thread.write(group), close: () => thread.close() };
}

/** What the store knows of a subscription's reading. */
interface Reader {
  /** When it last read the file. */
  lastFileRead: number;
  /** The position it last asked to read after (-1 until it first asks): rows up to it are no longer needed for it. */
  after: number;
}

/** What a subscription needs from the store, synchronously. */
interface SubscribedLog {
  head(): number;
  readAfter(position: number, maxCount: number): RecordedEvent[];
  checkpoint(checkpointId: string): number;
  saveCheckpoint(checkpointId: string, position: number): void;
  checkpointWritten(checkpointId: string): Promise<void>;
  /** Changes once a turn of the event loop has passed since the previous call. */
  turn(): number;
}

/**
 * Delivers in position order, one handler call at a time; woken at once by appends through this
 * store, and by polling for appends made through other connections to the file.
 *
 * Checkpoints are committed with the appends of their turn. A handler that spans turns (it waited for I/O: a broker,
 * a partner) has its checkpoint committed before the next one is called, so a crash replays at most the events in
 * flight, as when the commit ran on the event loop at the end of each turn.
 */
class SqliteSubscription implements Subscription {
  readonly caughtUp: Promise<void>;
  private readonly caughtUpSettled: { resolve: () => void; reject: (error: unknown) => void };
  private readonly done: Promise<void>;
  private stopped = false;
  private wakeUp: (() => void) | undefined;

  constructor(
    private readonly log: SubscribedLog,
    private readonly options: SubscribeToAllOptions,
    private readonly pollIntervalMs: number,
    onDone: () => void,
  ) {
    let settled!: SqliteSubscription['caughtUpSettled'];
    this.caughtUp = new Promise<void>((resolve, reject) => (settled = { resolve, reject }));
    this.caughtUp.catch(() => undefined);
    this.caughtUpSettled = settled;
    this.done = this.run()
      .catch((error: unknown) => this.caughtUpSettled.reject(error))
      .finally(onDone);
  }

  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    await this.done;
  }

  private async run(): Promise<void> {
    const { checkpointId, handler } = this.options;
    const head = this.log.head();
    let position = this.log.checkpoint(checkpointId);
    while (!this.stopped) {
      if (position >= head) this.caughtUpSettled.resolve();
      let page: RecordedEvent[];
      try {
        page = this.log.readAfter(position, SUBSCRIPTION_PAGE);
      } catch {
        // A reader in WAL mode only fails on transient I/O trouble: try again on the next tick.
        page = [];
      }
      if (page.length === 0) {
        await this.idle();
        continue;
      }
      const { batchHandler, maxBatchSize = SUBSCRIPTION_PAGE } = this.options;
      for (let start = 0; start < page.length && !this.stopped; start += maxBatchSize) {
        const batch = page.slice(start, start + maxBatchSize);
        if (batchHandler !== undefined) {
          try {
            const turn = this.log.turn();
            await batchHandler(batch);
            const last = batch[batch.length - 1]!;
            this.log.saveCheckpoint(checkpointId, last.position);
            position = last.position;
            if (this.log.turn() !== turn) await this.log.checkpointWritten(checkpointId);
            continue;
          } catch {
            // Handled again one at a time below, so that a failure stops at its event.
          }
        }
        for (const event of batch) {
          if (this.stopped) break;
          const turn = this.log.turn();
          try {
            await handler(event);
            this.log.saveCheckpoint(checkpointId, event.position);
          } catch (error) {
            this.fail(error, event);
            return;
          }
          position = event.position;
          if (this.log.turn() !== turn) await this.log.checkpointWritten(checkpointId);
        }
      }
    }
    if (position >= head) this.caughtUpSettled.resolve();
    else this.caughtUpSettled.reject(new Error(`subscription ${checkpointId} stopped before catching up`));
  }

  private fail(error: unknown, event: RecordedEvent): void {
    this.stopped = true;
    this.caughtUpSettled.reject(error);
    try {
      this.options.onError?.(error, event);
    } catch {
      // the subscription is stopping anyway; a throwing error callback must not crash the process
    }
  }

  private idle(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.wakeUp?.(), this.pollIntervalMs);
      this.wakeUp = () => {
        this.wakeUp = undefined;
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

export async function openSqliteEventStore(options: SqliteEventStoreOptions): Promise<SqliteEventStore> {
  const synchronous = options.synchronous ?? 'FULL';
  const db = openDatabase(options.file, { synchronous });
  immediateTransaction(db, () => db.exec(SCHEMA));
  const inline = options.file === ':memory:' || options.writer === 'inline';
  const committer = inline ? inlineCommitter(db) : threadCommitter(options.file, synchronous);
  return new SqliteEventStore(db, committer, options.pollIntervalMs ?? 100, options.now ?? (() => new Date()));
}
