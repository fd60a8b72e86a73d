import { immediateTransaction, openDatabase, WalCheckpointer, WalSync, type DatabaseSync } from '@roamgate/sqlite';
import type { StatementSync } from 'node:sqlite';

export interface StoredMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

export interface NewMessage {
  readonly topic: string;
  readonly key: string;
  readonly value: Uint8Array;
  readonly headers: Readonly<Record<string, string>>;
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

interface MessageRow {
  offset: number;
  key: string;
  value: Uint8Array;
  headers: string;
}

/**
 * Messages kept in memory per partition at most (between this and twice as many), for the groups that read what was
 * just appended; fewer once every group of this process on the partition has consumed them.
 */
const TAIL_SIZE = 1_000;
/** SQLite's own `wal_autocheckpoint`, put back when the checkpointer thread stops. */
const SQLITE_DEFAULT_AUTOCHECKPOINT = 1_000;

interface PendingCommit {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  nextOffset: number;
}

/**
 * The bus's storage: an append-only log per topic-partition and the next offset each group will
 * read. Offsets come from log_ends rather than MAX(offset), so pruning never lets an offset be reused.
 *
 * Every group reads every message, mostly right after it was appended: the latest messages of each
 * partition this connection appended are kept in memory (a tail with consecutive offsets) and read from
 * there, so N groups do not mean N reads and N header parses. Offset commits are held until the
 * group's partition needs them written (before its next handler call, see `flushCommitsFor`), before
 * anything reads them, or the end of the turn, and written together: the consumers making progress at
 * the same time share one transaction, and a crash still redelivers at most the message in flight.
 */
export class MessageLog {
  private readonly db: DatabaseSync;
  private readonly walSync: WalSync | undefined;
  private readonly checkpointer: WalCheckpointer | undefined;
  private readonly partitionsByTopic = new Map<string, number>();
  private readonly tails = new Map<string, StoredMessage[]>();
  /** Per partition, the next offset of each group that joined it through this log, as the group commits. */
  private readonly consumed = new Map<string, Map<string, number>>();
  private readonly pendingCommits = new Map<string, PendingCommit>();
  private commitsScheduled = false;
  private readonly statements: Record<
    | 'topicPartitions'
    | 'createTopic'
    | 'createLogEnd'
    | 'claimOffset'
    | 'append'
    | 'read'
    | 'joinGroup'
    | 'committed'
    | 'commit'
    | 'retentionFloors'
    | 'pruneBelow'
    | 'oldest',
    StatementSync
  >;

  constructor(
    file: string,
    private readonly defaultPartitions: number,
    private readonly onCommitError: (error: unknown) => void = (error) =>
      process.emitWarning(`in-process bus offset commit failed: ${String(error)}`, 'RoamgateBusWarning'),
  ) {
    // NORMAL suits offset commits (a lost one is a redelivery); appends are made durable by `durable()`, off the
    // event loop.
    this.db = openDatabase(file, { synchronous: 'NORMAL' });
    if (file !== ':memory:') {
      this.walSync = new WalSync(file);
      // Checkpoints on a thread of their own: the retention deletes and the relay's appends no longer copy the WAL
      // into the file, and sync both, inside their COMMIT on the event loop.
      this.db.exec('PRAGMA wal_autocheckpoint = 0');
      this.checkpointer = new WalCheckpointer(file, {
        onStopped: (error) => {
          if (this.db.isOpen) this.db.exec(`PRAGMA wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT}`);
          onCommitError(error);
        },
      });
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS topics (
        topic TEXT PRIMARY KEY,
        partitions INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE IF NOT EXISTS log_ends (
        topic TEXT NOT NULL,
        "partition" INTEGER NOT NULL,
        next_offset INTEGER NOT NULL,
        PRIMARY KEY (topic, "partition")
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS messages (
        topic TEXT NOT NULL,
        "partition" INTEGER NOT NULL,
        "offset" INTEGER NOT NULL,
        key TEXT NOT NULL,
        value BLOB NOT NULL,
        headers TEXT NOT NULL,
        PRIMARY KEY (topic, "partition", "offset")
      ) STRICT;
      CREATE TABLE IF NOT EXISTS committed_offsets (
        "group" TEXT NOT NULL,
        topic TEXT NOT NULL,
        "partition" INTEGER NOT NULL,
        next_offset INTEGER NOT NULL,
        PRIMARY KEY ("group", topic, "partition")
      ) STRICT, WITHOUT ROWID;
    `);
    const sql = (text: string) => this.db.prepare(text);
    this.statements = {
      topicPartitions: sql('SELECT partitions FROM topics WHERE topic = ?'),
      createTopic: sql('INSERT INTO topics (topic, partitions) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      createLogEnd: sql('INSERT INTO log_ends (topic, "partition", next_offset) VALUES (?, ?, 0) ON CONFLICT DO NOTHING'),
      claimOffset: sql(
        'UPDATE log_ends SET next_offset = next_offset + ? WHERE topic = ? AND "partition" = ? RETURNING next_offset - ? AS "offset"',
      ),
      append: sql('INSERT INTO messages (topic, "partition", "offset", key, value, headers) VALUES (?, ?, ?, ?, ?, ?)'),
      read: sql(
        'SELECT "offset", key, value, headers FROM messages WHERE topic = ? AND "partition" = ? AND "offset" >= ? ORDER BY "offset" LIMIT ?',
      ),
      joinGroup: sql(
        'INSERT INTO committed_offsets ("group", topic, "partition", next_offset) VALUES (?, ?, ?, 0) ON CONFLICT DO NOTHING',
      ),
      committed: sql('SELECT next_offset FROM committed_offsets WHERE "group" = ? AND topic = ? AND "partition" = ?'),
      commit: sql('UPDATE committed_offsets SET next_offset = ? WHERE "group" = ? AND topic = ? AND "partition" = ?'),
      retentionFloors: sql(
        'SELECT topic, "partition", MIN(next_offset) AS floor FROM committed_offsets GROUP BY topic, "partition"',
      ),
      pruneBelow: sql('DELETE FROM messages WHERE topic = ? AND "partition" = ? AND "offset" < ?'),
      oldest: sql('SELECT MIN("offset") AS oldest FROM messages WHERE topic = ? AND "partition" = ?'),
    };
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  /** Appends in one transaction, committed but not synced: see `durable()`. */
  append(messages: readonly NewMessage[]): TopicPartition[] {
    const stored = this.transaction(() => this.appendMany(messages));
    for (const message of stored) this.remember(message);
    return stored.map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * True when `offset` is just past the last message this connection appended to the partition: nothing newer was
   * appended here. Another connection (process) may have appended since; the bus's poll reads the file for those.
   */
  isTailEnd(topic: string, partition: number, offset: number): boolean {
    const last = this.tails.get(partitionId(topic, partition))?.at(-1);
    return last !== undefined && last.offset + 1 === offset;
  }

  /** How many messages of the partition are held in memory (for tests and diagnostics). */
  tailSize(topic: string, partition: number): number {
    return this.tails.get(partitionId(topic, partition))?.length ?? 0;
  }

  read(topic: string, partition: number, fromOffset: number, limit: number): StoredMessage[] {
    const tail = this.tails.get(partitionId(topic, partition));
    const first = tail?.[0]?.offset;
    if (tail !== undefined && first !== undefined && fromOffset >= first && fromOffset - first < tail.length) {
      return tail.slice(fromOffset - first, fromOffset - first + limit);
    }
    const rows = this.statements.read.all(topic, partition, fromOffset, limit) as unknown as MessageRow[];
    return rows.map((row) => ({
      topic,
      partition,
      offset: row.offset,
      key: row.key,
      value: row.value,
      headers: JSON.parse(row.headers) as Record<string, string>,
    }));
  }

  /**
   * Creates the topic when new and registers the group on each of its partitions; returns the
   * offset the group reads next on each. A new group starts at the earliest retained message
   * (Kafka's auto.offset.reset=earliest) and from then on holds back pruning of what it has not read.
   */
  join(group: string, topic: string): number[] {
    this.flushCommits();
    return this.transaction(() => {
      const partitions = this.ensureTopic(topic);
      const next: number[] = [];
      for (let partition = 0; partition < partitions; partition++) {
        this.statements.joinGroup.run(group, topic, partition);
        const row = this.statements.committed.get(group, topic, partition) as { next_offset: number };
        next.push(row.next_offset);
        this.consumedBy(topic, partition).set(group, row.next_offset);
      }
      return next;
    });
  }

  /** Written later, with other commits; see the class comment. */
  commit(group: string, topic: string, partition: number, nextOffset: number): void {
    this.noteConsumed(group, topic, partition, nextOffset);
    const id = `${group}\u0000${partitionId(topic, partition)}`;
    const pending = this.pendingCommits.get(id);
    if (pending === undefined) this.pendingCommits.set(id, { group, topic, partition, nextOffset });
    else pending.nextOffset = Math.max(pending.nextOffset, nextOffset);
    if (this.commitsScheduled) return;
    this.commitsScheduled = true;
    setImmediate(() => {
      this.commitsScheduled = false;
      try {
        this.flushCommits();
      } catch (error) {
        this.onCommitError(error);
      }
    });
  }

  /** Writes the pending commits when one of them is this group's on this partition. */
  flushCommitsFor(group: string, topic: string, partition: number): void {
    if (this.pendingCommits.has(`${group}\u0000${partitionId(topic, partition)}`)) this.flushCommits();
  }

  /** Writes the offset commits not written yet; on failure they stay pending for the next try. */
  flushCommits(): void {
    if (this.pendingCommits.size === 0 || !this.db.isOpen) return;
    const commits = [...this.pendingCommits.values()];
    this.transaction(() => {
      for (const { group, topic, partition, nextOffset } of commits) this.statements.commit.run(nextOffset, group, topic, partition);
    });
    for (const commit of commits) {
      const id = `${commit.group}\u0000${partitionId(commit.topic, commit.partition)}`;
      if (this.pendingCommits.get(id)?.nextOffset === commit.nextOffset) this.pendingCommits.delete(id);
    }
  }

  /** Both or neither: a crash in between would otherwise dead-letter the message twice or skip it. */
  appendAndCommit(message: NewMessage, group: string, consumed: StoredMessage): TopicPartition {
    this.flushCommits();
    const [appended] = this.transaction(() => {
      const stored = this.appendMany([message]);
      this.statements.commit.run(consumed.offset + 1, group, consumed.topic, consumed.partition);
      return stored;
    });
    this.noteConsumed(group, consumed.topic, consumed.partition, consumed.offset + 1);
    this.remember(appended!);
    return { topic: appended!.topic, partition: appended!.partition };
  }

  /**
   * Deletes messages every registered group has consumed, oldest first, at most `limit` of them (one transaction,
   * so a large backlog is deleted a slice at a time instead of holding the file and the event loop at once).
   */
  prune(limit = Number.MAX_SAFE_INTEGER): number {
    this.flushCommits();
    return this.transaction(() => {
      let pruned = 0;
      const floors = this.statements.retentionFloors.all() as unknown as (TopicPartition & { floor: number })[];
      for (const { topic, partition, floor } of floors) {
        if (pruned >= limit) break;
        const oldest = (this.statements.oldest.get(topic, partition) as { oldest: number | null }).oldest;
        if (oldest === null || oldest >= floor) continue;
        const below = Math.min(floor, oldest + (limit - pruned));
        pruned += Number(this.statements.pruneBelow.run(topic, partition, below).changes);
      }
      return pruned;
    });
  }

  /**
   * Resolves once everything committed before the call (appends, offset commits) is on disk: the WAL is synced on
   * libuv's thread pool, so the event loop goes on meanwhile, and calls made during a sync share the next one.
   */
  durable(): Promise<void> {
    return this.walSync?.durable() ?? Promise.resolve();
  }

  async close(): Promise<void> {
    if (!this.db.isOpen) return;
    try {
      this.flushCommits();
      await this.walSync?.close();
      await this.checkpointer?.close();
    } finally {
      if (this.db.isOpen) this.db.close();
    }
  }

  /** Offsets are claimed once per partition the messages go to, then handed out in message order. */
  private appendMany(messages: readonly NewMessage[]): StoredMessage[] {
    const placed = messages.map((message) => ({ message, partition: partitionOf(message.key, this.ensureTopic(message.topic)) }));
    const counts = new Map<string, { topic: string; partition: number; count: number; next: number }>();
    for (const { message, partition } of placed) {
      const id = `${message.topic}\u0000${partition}`;
      const known = counts.get(id);
      if (known) known.count += 1;
      else counts.set(id, { topic: message.topic, partition, count: 1, next: 0 });
    }
    for (const claim of counts.values()) {
      claim.next = (this.statements.claimOffset.get(claim.count, claim.topic, claim.partition, claim.count) as { offset: number }).offset;
    }
    return placed.map(({ message: { topic, key, value, headers }, partition }) => {
      const claim = counts.get(`${topic}\u0000${partition}`)!;
      const offset = claim.next++;
      this.statements.append.run(topic, partition, offset, key, value, JSON.stringify(headers));
      return { topic, partition, offset, key, value, headers: Object.freeze({ ...headers }) };
    });
  }

  /** Extends the partition's tail when the message follows it; otherwise (another writer came between) starts it anew. */
  private remember(message: StoredMessage): void {
    const id = partitionId(message.topic, message.partition);
    const tail = this.tails.get(id);
    if (tail === undefined || tail.length === 0 || tail[tail.length - 1]!.offset + 1 !== message.offset) {
      this.tails.set(id, [message]);
      return;
    }
    tail.push(message);
    if (tail.length >= 2 * TAIL_SIZE) tail.splice(0, TAIL_SIZE);
    // What every group here has consumed goes: in memory only as long as consumers lag (milliseconds, normally), so
    // the messages die young instead of reaching the old generation and making major collections more frequent.
    const floor = this.floorOf(id);
    let drop = 0;
    while (drop < tail.length - 1 && tail[drop]!.offset < floor) drop++;
    if (drop > 0) tail.splice(0, drop);
  }

  private consumedBy(topic: string, partition: number): Map<string, number> {
    const id = partitionId(topic, partition);
    let groups = this.consumed.get(id);
    if (groups === undefined) this.consumed.set(id, (groups = new Map()));
    return groups;
  }

  private noteConsumed(group: string, topic: string, partition: number, nextOffset: number): void {
    const groups = this.consumedBy(topic, partition);
    if ((groups.get(group) ?? -1) < nextOffset) groups.set(group, nextOffset);
  }

  /** The lowest next offset of the groups that joined the partition here; 0 (keep everything) when none did. */
  private floorOf(id: string): number {
    const groups = this.consumed.get(id);
    if (groups === undefined || groups.size === 0) return 0;
    let floor = Number.MAX_SAFE_INTEGER;
    for (const next of groups.values()) if (next < floor) floor = next;
    return floor;
  }

  /** A topic keeps the partition count it was created with, so a key keeps its partition across restarts. */
  private ensureTopic(topic: string): number {
    const known = this.partitionsByTopic.get(topic);
    if (known !== undefined) return known;
    this.statements.createTopic.run(topic, this.defaultPartitions);
    const { partitions } = this.statements.topicPartitions.get(topic) as { partitions: number };
    for (let partition = 0; partition < partitions; partition++) this.statements.createLogEnd.run(topic, partition);
    this.partitionsByTopic.set(topic, partitions);
    return partitions;
  }

  private transaction<T>(fn: () => T): T {
    try {
      return immediateTransaction(this.db, fn);
    } catch (error) {
      // ensureTopic may have cached a topic whose creation was rolled back.
      this.partitionsByTopic.clear();
      throw error;
    }
  }
}

const partitionId = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/** FNV-1a over UTF-16 code units: stable across processes and restarts. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
