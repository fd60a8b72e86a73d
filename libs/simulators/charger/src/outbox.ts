export type Payload = object | (() => object);

export interface SendOptions {
  /**
   * Transaction messages survive a lost connection: queued while offline and delivered in order after the reconnect,
   * as OCPP requires. Anything else is dropped while offline.
   */
  readonly durable?: boolean;
  /**
   * Goes out at once if the socket is open, ahead of the queue: the BootNotification, which must be accepted before
   * anything queued may be sent.
   */
  readonly aheadOfQueue?: boolean;
}

export class OfflineError extends Error {
  constructor(action: string) {
    super(`${action} not sent: the charger is offline`);
    this.name = 'OfflineError';
  }
}

interface Pending {
  readonly action: string;
  readonly payload: Payload;
  readonly durable: boolean;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface Transport {
  /** The socket is open. */
  isConnected(): boolean;
  /** The socket is open and the CSMS accepted the charger: the queue may flow. */
  isOnline(): boolean;
  call(action: string, payload: object): Promise<unknown>;
}

/**
 * One outgoing CALL at a time, in production order (OCPP 1.6 section 4.1.1). A payload may be a function, evaluated
 * when the CALL goes out: OCPP 1.6 messages of a transaction need the transactionId the CSMS assigns in
 * StartTransaction.conf, which a message queued behind it does not know yet.
 */
export class Outbox {
  private readonly queue: Pending[] = [];
  private pumping = false;
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly transport: Transport) {}

  get size(): number {
    return this.queue.length;
  }

  send(action: string, payload: Payload, options: SendOptions = {}): Promise<unknown> {
    if (options.aheadOfQueue) {
      if (!this.transport.isConnected()) return Promise.reject(new OfflineError(action));
      return this.transport.call(action, typeof payload === 'function' ? payload() : payload);
    }
    const durable = options.durable ?? false;
    if (!durable && !this.transport.isOnline()) return Promise.reject(new OfflineError(action));
    return new Promise((resolve, reject) => {
      this.queue.push({ action, payload, durable, resolve, reject });
      void this.pump();
    });
  }

  /** The connection is back: deliver what waited. */
  resume(): void {
    void this.pump();
  }

  /** The connection is gone: what is not durable will never be sent. */
  dropTransient(): void {
    for (let index = this.queue.length - 1; index >= 0; index--) {
      const pending = this.queue[index]!;
      if (pending.durable || (index === 0 && this.pumping)) continue;
      this.queue.splice(index, 1);
      pending.reject(new OfflineError(pending.action));
    }
  }

  /** Resolves once nothing waits to be sent (at once when the queue is already empty). */
  idle(): Promise<void> {
    if (this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The charger is switched off: nothing more goes out. */
  discard(): void {
    for (const pending of this.queue.splice(0)) pending.reject(new OfflineError(pending.action));
    this.notifyIdle();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.queue.length > 0 && this.transport.isOnline()) {
        const pending = this.queue[0]!;
        try {
          const payload = typeof pending.payload === 'function' ? pending.payload() : pending.payload;
          const result = await this.transport.call(pending.action, payload);
          this.remove(pending);
          pending.resolve(result);
        } catch (error) {
          if (pending.durable && !this.transport.isOnline()) break;
          this.remove(pending);
          pending.reject(error);
        }
      }
    } finally {
      this.pumping = false;
      if (this.queue.length === 0) this.notifyIdle();
    }
  }

  private remove(pending: Pending): void {
    const index = this.queue.indexOf(pending);
    if (index >= 0) this.queue.splice(index, 1);
  }

  private notifyIdle(): void {
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }
}
