import { immediateTransaction, openDatabase, type DatabaseSync } from '@roamgate/sqlite';
import type { StatementSync } from 'node:sqlite';
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

export interface SqliteEventStoreOptions {
  readonly file: string;
  /** How often subscriptions look for appends made by other processes sharing the file. */
  readonly pollIntervalMs?: number;
  /** FULL (default): an append that returned is on disk. */
  readonly synchronous?: 'FULL' | 'NORMAL';
  readonly now?: () => Date;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (stream_id, revision)
  );
  CREATE TABLE IF NOT EXISTS checkpoints (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL
  );
`;

const COLUMNS = 'position, event_id, stream_id, revision, type, data, metadata, recorded_at';
const SUBSCRIPTION_PAGE = 500;

interface PendingAppend {
  readonly streamId: string;
  readonly events: readonly NewEvent[];
  readonly expectedRevision: ExpectedRevision;
  readonly resolve: (result: AppendResult) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly result: AppendResult } | { readonly ok: false; readonly error: unknown };

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

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Error && /UNIQUE constraint failed: events\.event_id/.test(error.message);

function checkExpected(streamId: string, expected: ExpectedRevision, actual: number): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === -1) ||
    (expected === 'stream_exists' && actual >= 0) ||
    expected === actual;
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
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
 */
export class SqliteEventStore implements EventStore {
  private readonly statements: {
    lastRevision: StatementSync;
    insert: StatementSync;
    readStream: StatementSync;
    readAll: StatementSync;
    head: StatementSync;
    getCheckpoint: StatementSync;
    saveCheckpoint: StatementSync;
    savepoint: StatementSync;
    release: StatementSync;
    rollbackTo: StatementSync;
  };
  private readonly subscriptions = new Set<SqliteSubscription>();
  private pending: PendingAppend[] = [];
  private readonly pendingCheckpoints = new Map<string, number>();
  private commitScheduled = false;
  private closed = false;

  constructor(
    private readonly db: DatabaseSync,
    private readonly pollIntervalMs: number,
    private readonly now: () => Date,
  ) {
    immediateTransaction(db, () => db.exec(SCHEMA));
    this.statements = {
      lastRevision: db.prepare('SELECT max(revision) AS revision FROM events WHERE stream_id = ?'),
      insert: db.prepare(
        'INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      readStream: db.prepare(
        `SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`,
      ),
      readAll: db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`),
      head: db.prepare('SELECT max(position) AS position FROM events'),
      getCheckpoint: db.prepare('SELECT position FROM checkpoints WHERE id = ?'),
      saveCheckpoint: db.prepare(
        'INSERT INTO checkpoints (id, position) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET position = excluded.position',
      ),
      savepoint: db.prepare('SAVEPOINT append'),
      release: db.prepare('RELEASE append'),
      rollbackTo: db.prepare('ROLLBACK TO append'),
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

  private commitPending(): void {
    this.commitScheduled = false;
    const group = this.pending;
    this.pending = [];
    const checkpoints = [...this.pendingCheckpoints];
    this.pendingCheckpoints.clear();
    if (group.length === 0 && checkpoints.length === 0) return;
    const recordedAt = this.now().toISOString();
    let outcomes: Outcome[];
    try {
      outcomes = immediateTransaction(this.db, () => {
        for (const [id, position] of checkpoints) this.statements.saveCheckpoint.run(id, position);
        return group.map((append) => this.appendInSavepoint(append, recordedAt));
      });
    } catch (error) {
      for (const [id, position] of checkpoints) if (!this.pendingCheckpoints.has(id)) this.pendingCheckpoints.set(id, position);
      for (const append of group) append.reject(error);
      return;
    }
    group.forEach((append, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) append.resolve(outcome.result);
      else append.reject(outcome.error);
    });
    if (outcomes.some((outcome) => outcome.ok)) for (const subscription of this.subscriptions) subscription.wake();
  }

  private appendInSavepoint({ streamId, events, expectedRevision }: PendingAppend, recordedAt: string): Outcome {
    const { lastRevision, insert, savepoint, release, rollbackTo } = this.statements;
    savepoint.run();
    try {
      const actual = (lastRevision.get(streamId) as { revision: number | null }).revision ?? -1;
      checkExpected(streamId, expectedRevision, actual);
      let revision = actual;
      let position = 0;
      for (const event of events) {
        revision += 1;
        try {
          const data = JSON.stringify(event.data);
          const metadata = JSON.stringify(event.metadata ?? {});
          position = Number(insert.run(event.id, streamId, revision, event.type, data, metadata, recordedAt).lastInsertRowid);
        } catch (error) {
          throw isUniqueViolation(error) ? new DuplicateEventIdError(streamId, event.id) : error;
        }
      }
      release.run();
      return { ok: true, result: { nextExpectedRevision: revision, position } };
    } catch (error) {
      rollbackTo.run();
      release.run();
      return { ok: false, error };
    }
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

  subscribeToAll(options: SubscribeToAllOptions): Subscription {
    this.assertOpen();
    const { maxBatchSize } = options;
    if (maxBatchSize !== undefined && !(Number.isSafeInteger(maxBatchSize) && maxBatchSize > 0)) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
    }
    const { readAll, head } = this.statements;
    const log: SubscribedLog = {
      head: () => (head.get() as { position: number | null }).position ?? 0,
      readAfter: (position, maxCount) => (readAll.all(position, maxCount) as unknown as EventRow[]).map(toRecorded),
      checkpoint: (id) => this.checkpointOf(id),
      saveCheckpoint: (id, position) => {
        this.pendingCheckpoints.set(id, position);
        this.scheduleCommit();
      },
    };
    const subscription = new SqliteSubscription(log, options, this.pollIntervalMs, () => {
      this.subscriptions.delete(subscription);
      // A stopped subscription's checkpoint is on disk when stop() resolves, for whoever resumes it.
      if (!this.closed && this.pendingCheckpoints.has(options.checkpointId)) this.commitPending();
    });
    this.subscriptions.add(subscription);
    return subscription;
  }

  async getCheckpoint(checkpointId: string): Promise<number> {
    this.assertOpen();
    return this.checkpointOf(checkpointId);
  }

  private checkpointOf(checkpointId: string): number {
    const pending = this.pendingCheckpoints.get(checkpointId);
    if (pending !== undefined) return pending;
    return (this.statements.getCheckpoint.get(checkpointId) as { position: number } | undefined)?.position ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    this.closed = true;
    this.commitPending();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('event store is closed');
  }
}

/** What a subscription needs from the store, synchronously. */
interface SubscribedLog {
  head(): number;
  readAfter(position: number, maxCount: number): RecordedEvent[];
  checkpoint(checkpointId: string): number;
  saveCheckpoint(checkpointId: string, position: number): void;
}

/**
 * Delivers in position order, one handler call at a time; woken at once by appends through this
 * store, and by polling for appends made through other connections to the file.
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
            await batchHandler(batch);
            const last = batch[batch.length - 1]!;
            this.log.saveCheckpoint(checkpointId, last.position);
            position = last.position;
            continue;
          } catch {
            // Handled again one at a time below, so that a failure stops at its event.
          }
        }
        for (const event of batch) {
          if (this.stopped) break;
          try {
            await handler(event);
            this.log.saveCheckpoint(checkpointId, event.position);
          } catch (error) {
            this.fail(error, event);
            return;
          }
          position = event.position;
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
  const db = openDatabase(options.file, { synchronous: options.synchronous ?? 'FULL' });
  return new SqliteEventStore(db, options.pollIntervalMs ?? 100, options.now ?? (() => new Date()));
}
