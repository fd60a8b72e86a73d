import { Worker, type MessagePort } from 'node:worker_threads';

/** What the calling side sends a writer thread. */
export type WriterMessage<Q> = { readonly kind: 'write'; readonly id: number; readonly request: Q } | { readonly kind: 'close' };

/** What a writer thread answers for the requests it wrote together: one result per id, or why none was written. */
export type WriterReply<R> =
  | { readonly kind: 'written'; readonly ids: readonly number[]; readonly results: readonly R[] }
  | { readonly kind: 'failed'; readonly ids: readonly number[]; readonly message: string };

/**
 * The calling side of a SQLite writer on a worker thread (the thread runs `serveWriter`): each request is answered
 * by its id, and the thread keeps the process alive only while requests are in flight.
 */
export class WriterThread<Q, R> {
  private worker: Worker | undefined;
  private failure: Error | undefined;
  private nextId = 1;
  private readonly sent = new Map<number, { resolve: (result: R) => void; reject: (error: unknown) => void }>();

  /** `name` says whose writer it is in errors ("the event store writer"). */
  constructor(script: string, workerData: unknown, private readonly name: string) {
    const worker = new Worker(script, { workerData });
    worker.on('message', (reply: WriterReply<R>) => this.onReply(reply));
    worker.on('error', (error) => this.failAll(error));
    worker.on('exit', () => this.failAll(new Error(`${name} stopped`)));
    worker.unref();
    this.worker = worker;
  }

  write(request: Q): Promise<R> {
    const worker = this.worker;
    if (worker === undefined) return Promise.reject(this.failure ?? new Error(`${this.name} is closed`));
    const id = this.nextId++;
    if (this.sent.size === 0) worker.ref();
    const result = new Promise<R>((resolve, reject) => this.sent.set(id, { resolve, reject }));
    worker.postMessage({ kind: 'write', id, request } satisfies WriterMessage<Q>);
    return result;
  }

  /** Resolves once the thread wrote what it was sent and closed its connection. */
  async close(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined) return;
    this.failure = new Error(`${this.name} is closed`);
    worker.ref();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage({ kind: 'close' } satisfies WriterMessage<Q>);
    await exited;
  }

  private onReply(reply: WriterReply<R>): void {
    reply.ids.forEach((id, i) => {
      const waiter = this.sent.get(id);
      this.sent.delete(id);
      if (waiter === undefined) return;
      if (reply.kind === 'written') waiter.resolve(reply.results[i]!);
      else waiter.reject(new Error(`${this.name} failed: ${reply.message}`));
    });
    if (this.sent.size === 0) this.worker?.unref();
  }

  private failAll(error: Error): void {
    this.failure ??= error;
    this.worker = undefined;
    for (const waiter of this.sent.values()) waiter.reject(error);
    this.sent.clear();
  }
}

/**
 * The thread side of a WriterThread: the requests that arrived while it was writing are written together, in one
 * call of `writeAll` (one transaction, one fsync); `close` runs after the last of them.
 */
export function serveWriter<Q, R>(port: MessagePort, writeAll: (requests: readonly Q[]) => readonly R[], close: () => void): void {
  let queued: { readonly id: number; readonly request: Q }[] = [];
  let scheduled = false;

  const writeQueued = (): void => {
    scheduled = false;
    const batch = queued;
    queued = [];
    if (batch.length === 0) return;
    const ids = batch.map((b) => b.id);
    let reply: WriterReply<R>;
    try {
      reply = { kind: 'written', ids, results: writeAll(batch.map((b) => b.request)) };
    } catch (error) {
      reply = { kind: 'failed', ids, message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  };

  port.on('message', (message: WriterMessage<Q>) => {
    if (message.kind === 'close') {
      writeQueued();
      close();
      port.close();
      return;
    }
    queued.push({ id: message.id, request: message.request });
    if (!scheduled) {
      scheduled = true;
      setImmediate(writeQueued);
    }
  });
}
