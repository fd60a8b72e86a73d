import { immediateTransaction, openDatabase, type DatabaseSync } from '@roamgate/sqlite';
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
 * The bus's storage: an append-only log per topic-partition and the next offset each group will
 * read. Offsets come from log_ends rather than MAX(offset), so pruning never lets an offset be reused.
 */
export class MessageLog {
  private readonly db: DatabaseSync;
  private readonly partitionsByTopic = new Map<string, number>();
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
    | 'pruneBelow',
    StatementSync
  >;

  constructor(
    file: string,
    private readonly defaultPartitions: number,
  ) {
    // NORMAL suits offset commits (a lost one is a redelivery); append raises it per call when asked.
    this.db = openDatabase(file, { synchronous: 'NORMAL' });
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
    };
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  /** Appends in one transaction; `synchronous` decides whether it is fsynced before returning. */
  append(messages: readonly NewMessage[], synchronous: 'FULL' | 'NORMAL'): TopicPartition[] {
    const appendAll = () => this.transaction(() => this.appendMany(messages));
    if (synchronous === 'NORMAL') return appendAll();
    this.db.exec('PRAGMA synchronous = FULL');
    try {
      return appendAll();
    } finally {
      this.db.exec('PRAGMA synchronous = NORMAL');
    }
  }

  read(topic: string, partition: number, fromOffset: number, limit: number): StoredMessage[] {
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
    return this.transaction(() => {
      const partitions = this.ensureTopic(topic);
      const next: number[] = [];
      for (let partition = 0; partition < partitions; partition++) {
        this.statements.joinGroup.run(group, topic, partition);
        const row = this.statements.committed.get(group, topic, partition) as { next_offset: number };
        next.push(row.next_offset);
      }
      return next;
    });
  }

  commit(group: string, topic: string, partition: number, nextOffset: number): void {
    this.statements.commit.run(nextOffset, group, topic, partition);
  }

  /** Both or neither: a crash in between would otherwise dead-letter the message twice or skip it. */
  appendAndCommit(message: NewMessage, group: string, consumed: StoredMessage): TopicPartition {
    return this.transaction(() => {
      const [appended] = this.appendMany([message]) as [TopicPartition];
      this.commit(group, consumed.topic, consumed.partition, consumed.offset + 1);
      return appended;
    });
  }

  prune(): number {
    return this.transaction(() => {
      let pruned = 0;
      const floors = this.statements.retentionFloors.all() as unknown as (TopicPartition & { floor: number })[];
      for (const { topic, partition, floor } of floors) {
        pruned += Number(this.statements.pruneBelow.run(topic, partition, floor).changes);
      }
      return pruned;
    });
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }

  /** Offsets are claimed once per partition the messages go to, then handed out in message order. */
  private appendMany(messages: readonly NewMessage[]): TopicPartition[] {
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
      this.statements.append.run(topic, partition, claim.next++, key, value, JSON.stringify(headers));
      return { topic, partition };
    });
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

/** FNV-1a over UTF-16 code units: stable across processes and restarts. */
export function partitionOf(key: string, partitions: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}
