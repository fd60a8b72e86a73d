import { DatabaseSync } from 'node:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type { DatabaseSync } from 'node:sqlite';

export interface OpenOptions {
  /**
   * FULL makes every committed transaction fsync the WAL before returning, so an append that
   * returned survives power loss; NORMAL only survives a process crash.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** How long a writer waits for another process's write lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /**
   * For a file no other connection opens: SQLite takes its locks once and keeps them, and in WAL mode keeps the
   * WAL index in memory instead of the -shm file. Every statement outside a transaction otherwise takes and drops
   * a file lock, about half the cost of a primary-key read. Another connection to the file gets SQLITE_BUSY.
   */
  exclusive?: boolean;
}

/** Opens (and creates) a SQLite database in WAL mode; `:memory:` gives a private in-memory one. */
export function openDatabase(file: string, options: OpenOptions = {}): DatabaseSync {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  try {
    db.exec(`PRAGMA busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // Before journal_mode: a WAL opened in exclusive locking mode never creates its shared-memory index.
    if (options.exclusive) db.exec('PRAGMA locking_mode = EXCLUSIVE');
    if (file !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
    db.exec(`PRAGMA synchronous = ${options.synchronous ?? 'FULL'}`);
    db.exec('PRAGMA foreign_keys = ON');
    // Statement journals and sorts in memory: under charger load the event store's writer otherwise wrote a
    // temporary file (/var/tmp/etilqs_*) over a thousand times a second, for data no crash needs.
    db.exec('PRAGMA temp_store = MEMORY');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Runs fn inside BEGIN IMMEDIATE so the write lock is taken up front: two processes appending to
 * the same file serialise here instead of failing late with SQLITE_BUSY on upgrade.
 */
export function immediateTransaction<T>(db: DatabaseSync, fn: () => T): T {
  db.exec('BEGIN IMMEDIATE');
  try {
    const result = fn();
    db.exec('COMMIT');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

export { WalSync, type Fsync } from './wal-sync';
export { WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer';
export { serveWriter, WriterThread, type WriterMessage, type WriterReply } from './writer-thread';
