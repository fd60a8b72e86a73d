import { open, type FileHandle } from 'node:fs/promises';

/** Flushes an open file to disk; by default `FileHandle.datasync` (fdatasync), on libuv's thread pool. */
export type Fsync = (handle: FileHandle) => Promise<void>;

const noop = (): void => undefined;

/**
 * Group commit with the disk wait off the event loop, for a WAL-mode connection opened with synchronous=NORMAL:
 * SQLite writes each commit's frames to the `-wal` file without syncing it, and `durable()` fdatasyncs that file on
 * libuv's thread pool. What was committed before `durable()` was called is on disk once it resolves: the same
 * guarantee synchronous=FULL gives at COMMIT (FULL syncs the same file after the same writes), without the event loop
 * waiting for the disk. Calls made while a sync runs share the next one, so a busy connection syncs about once per
 * disk round trip whatever its commit rate. SQLite itself still syncs around checkpoints (synchronous=NORMAL does).
 *
 * A failed sync rejects its callers; the next call tries again.
 */
export class WalSync {
  private readonly walFile: string;
  private handle: Promise<FileHandle> | undefined;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private closed = false;

  /** `databaseFile` is the database's own path; its WAL is `<databaseFile>-wal`. */
  constructor(
    databaseFile: string,
    private readonly fsync: Fsync = (handle) => handle.datasync(),
  ) {
    this.walFile = `${databaseFile}-wal`;
  }

  /** Resolves once every commit made before the call is on disk. */
  durable(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.walFile}: closed`));
    if (this.queued) return this.queued;
    const running = this.running;
    if (!running) return this.start();
    // A sync already running may have started before the caller's commit: the caller needs the next one.
    const queued = running.then(noop, noop).then(() => {
      this.queued = undefined;
      return this.start();
    });
    this.queued = queued;
    return queued;
  }

  /** Waits for the syncs asked for, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queued?.catch(noop);
    await this.running?.catch(noop);
    const handle = this.handle;
    this.handle = undefined;
    await (await handle?.catch(() => undefined))?.close();
  }

  private start(): Promise<void> {
    const run = this.syncOnce().finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async syncOnce(): Promise<void> {
    // Opened on first use: SQLite creates the -wal file at the first commit. Only the -wal file is opened here:
    // closing a descriptor of the database file would drop SQLite's POSIX locks on it.
    this.handle ??= open(this.walFile, 'r');
    let handle: FileHandle;
    try {
      handle = await this.handle;
    } catch (error) {
      this.handle = undefined;
      throw error;
    }
    await this.fsync(handle);
  }
}
