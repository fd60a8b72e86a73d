import { EventEmitter } from 'node:events';
import { RPCClient } from 'ocpp-rpc';
import type { OcppProtocol } from './model';
import { Outbox } from './outbox';
import type { Scheduler } from './scheduler';

export interface ConnectionOptions {
  readonly url: string;
  readonly id: string;
  readonly protocol: OcppProtocol;
  readonly password?: string;
  readonly callTimeoutMs?: number;
  /** Whether the CSMS accepted the charger's BootNotification: until then only the boot goes out. */
  readonly registered: () => boolean;
}

export interface ConnectionEvents {
  open: [];
  offline: [];
  failure: [error: unknown];
  badFrameAnswered: [reply: unknown[]];
}

const RECONNECT_RETRY_MS = 1_000;
const CLOSE_WAIT_MS = 2_000;

type ClientOptions = ConstructorParameters<typeof RPCClient>[0];

/**
 * The charger's WebSocket through ocpp-rpc's strict client (so the simulator never sends a schema-invalid frame by
 * accident), the outbox in front of it, and the ways a connection ends: reconnects, abrupt drops, reboots.
 */
export class Connection extends EventEmitter<ConnectionEvents> {
  readonly outbox: Outbox;
  readonly counters = { messagesSent: 0, messagesReceived: 0, reconnects: 0 };
  private readonly client: RPCClient;
  private online = false;
  private everOpened = false;
  private closed = false;
  private badFrame: { id: string; notJson: boolean } | undefined;
  private badFrameAnswered = false;

  constructor(
    options: ConnectionOptions,
    private readonly scheduler: Scheduler,
  ) {
    super();
    this.client = new RPCClient({
      endpoint: options.url.replace(/\/+$/, ''),
      identity: options.id,
      protocols: [options.protocol],
      strictMode: true,
      callTimeoutMs: options.callTimeoutMs ?? 30_000,
      // ocpp-rpc reconnects by itself when the CSMS drops the connection; drops the charger causes are handled here.
      reconnect: true,
      backoff: { initialDelay: 500, maxDelay: 10_000, factor: 2, randomisationFactor: 0.25 },
      ...(options.password === undefined ? {} : { password: options.password }),
    } as Partial<ClientOptions> as ClientOptions);
    this.outbox = new Outbox({
      isConnected: () => this.online,
      isOnline: () => this.online && options.registered(),
      call: (action, payload) => this.client.call(action, payload),
    });
    this.listen();
  }

  get isOnline(): boolean {
    return this.online;
  }

  handle(action: string, handler: (params: unknown) => object | Promise<object>): void {
    this.client.handle(action, async ({ params }) => (await handler(params)) as Record<string, unknown>);
  }

  /** The first connection: rejects when the CSMS refuses it (e.g. HTTP 401). */
  async connect(): Promise<void> {
    await this.client.connect();
  }

  /** Connects again, retrying every second until it works or the connection is closed for good. */
  async reconnect(): Promise<void> {
    if (this.closed) return;
    try {
      await this.client.connect();
    } catch (error) {
      if (this.closed) return;
      this.emit('failure', error);
      this.scheduler.after(RECONNECT_RETRY_MS, () => void this.reconnect());
    }
  }

  /** Kills the socket without a close frame, as a charger losing its modem does. */
  async drop(): Promise<void> {
    this.goOffline();
    await this.client.close({ force: true });
  }

  /** Closes cleanly without giving up: `reconnect` follows (a reboot). */
  async restart(): Promise<void> {
    this.goOffline();
    await this.client.close({ code: 1000, reason: 'Reset' });
    await this.reconnect();
  }

  /** Sends a frame as is, bypassing strict validation, and recognises the CSMS's answer to it. */
  sendBadFrame(id: string, frame: string, notJson: boolean): void {
    this.badFrame = { id, notJson };
    this.client.sendRaw(frame);
    this.counters.messagesSent++;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.online = false;
    this.outbox.discard();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.client.close({ code: 1000, reason: 'Simulator stopped' }),
      new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  private goOffline(): void {
    if (!this.online) return;
    this.online = false;
    this.outbox.dropTransient();
    this.emit('offline');
  }

  private listen(): void {
    this.client.on('open', () => {
      if (this.closed) return;
      this.online = true;
      if (this.everOpened) this.counters.reconnects++;
      this.everOpened = true;
      this.emit('open');
      this.outbox.resume();
    });
    this.client.on('disconnect', () => this.goOffline());
    this.client.on('call', ({ outbound }: { outbound: boolean }) => {
      if (outbound) this.counters.messagesSent++;
      else this.counters.messagesReceived++;
    });
    this.client.on('response', ({ outbound, payload }: { outbound: boolean; payload: unknown[] }) => {
      if (outbound || !this.badFrame) return;
      const answersBadFrame = payload[1] === this.badFrame.id || (this.badFrame.notJson && payload[1] === '-1');
      if (!answersBadFrame) return;
      this.badFrameAnswered = true;
      this.emit('badFrameAnswered', payload);
    });
    this.client.on('badMessage', ({ error }: { error: Error }) => {
      // ocpp-rpc finds an answer to a CALL it did not make a bad message; to the bad frame it is expected.
      if (this.badFrameAnswered) {
        this.badFrameAnswered = false;
        return;
      }
      this.emit('failure', error);
    });
    this.client.on('strictValidationFailure', ({ error, outbound, isCall }: { error: Error; outbound: boolean; isCall: boolean }) => {
      // A call of ours that fails validation rejects its promise and is counted there.
      if (outbound !== isCall) this.emit('failure', error);
    });
  }
}
