import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

export interface WalCheckpointerOptions {
  /** How often the thread checkpoints; default 1 s. */
  readonly intervalMs?: number;
  /**
   * The thread failed or stopped before `close()`: the caller's connection should checkpoint by itself again
   * (`PRAGMA wal_autocheckpoint = 1000`), or the WAL grows without bound.
   */
  readonly onStopped?: (error: Error) => void;
}

/**
 * WAL checkpoints of a database on a thread of its own, for a connection that commits on the event loop with
 * `PRAGMA wal_autocheckpoint = 0`. SQLite otherwise checkpoints inside whichever COMMIT takes the WAL past 1,000
 * pages: it copies them into the database file and syncs both files on the committing thread, 5-35 ms on a loaded
 * machine (docs/benchmarks.md, round 11). The thread has its own connection and runs PASSIVE checkpoints, which
 * neither wait for nor block the writer; the writer starts the WAL over at its next commit once a checkpoint got
 * through. Not for a file opened in exclusive locking mode: no second connection can open it.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private exited = false;
  private closing: Promise<void> | undefined;

  constructor(file: string, options: WalCheckpointerOptions = {}) {
    const intervalMs = options.intervalMs ?? 1_000;
    if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0) throw new RangeError(`intervalMs must be a positive integer, got ${intervalMs}`);
    this.worker = new Worker(join(__dirname, 'wal-checkpointer.worker.js'), { workerData: { file, intervalMs } });
    this.worker.unref();
    let reported = false;
    const stopped = (error: Error) => {
      if (reported || this.closing) return;
      reported = true;
      options.onStopped?.(error);
    };
    this.worker.on('error', (error) => stopped(new Error(`the WAL checkpointer of ${file} failed: ${error.message}`, { cause: error })));
    this.worker.on('exit', (code) => {
      this.exited = true;
      stopped(new Error(`the WAL checkpointer of ${file} stopped (exit code ${code})`));
    });
  }

  /** Stops the thread after the checkpoint in progress, if any, and closes its connection. */
  close(): Promise<void> {
    this.closing ??= this.exited
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          this.worker.once('exit', () => resolve());
          this.worker.ref();
          this.worker.postMessage('close');
        });
    return this.closing;
  }
}
