// Child process of the gateway load bench: chargers speaking OCPP 1.6J over plain `ws` with hand-built
// frames, so that the generator stays cheap next to the server it measures. Driven over IPC by
// gateway-load.bench.ts: `connect`, then `run`, then `close`.
import WebSocket from 'ws';
import { openFileLimit } from './process-stats';

export interface ConnectCommand {
  readonly cmd: 'connect';
  readonly url: string;
  readonly ids: readonly string[];
  readonly concurrency: number;
}

export interface RunCommand {
  readonly cmd: 'run';
  readonly meterValuesPerSec: number;
  readonly heartbeatIntervalS: number;
  /** Epoch ms at which every generator starts its warm-up, so that their windows line up. */
  readonly startAt: number;
  readonly warmupMs: number;
  readonly measureMs: number;
}

export type GeneratorCommand = ConnectCommand | RunCommand | { readonly cmd: 'close' };

/** How long after the window a MeterValues sent inside it may still be answered and count. */
export const SETTLE_MS = 1_000;

export interface ConnectReport {
  readonly kind: 'connected';
  readonly ready: number;
  readonly failed: number;
  readonly firstFailure: string;
  readonly openFileLimit: number;
}

export interface RunReport {
  readonly kind: 'ran';
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly meterValuesSent: number;
  readonly meterValuesAcked: number;
  readonly heartbeatsAcked: number;
  readonly callErrors: number;
  /** Calls that had to wait because the charger's previous call was still unanswered (OCPP-J allows one). */
  readonly queuedBehindOutstanding: number;
  readonly unanswered: number;
  readonly connectionsHeld: number;
  readonly connectionsLost: number;
}

/** Sent SETTLE_MS after the window (or once every MeterValues sent inside it was answered, if sooner). */
export interface SettledReport {
  readonly kind: 'settled';
  /** Of the MeterValues sent inside the window (RunReport.meterValuesSent), those answered other than with a CALLERROR: durably appended (the gateway answers after the append's fsync). */
  readonly measuredAcked: number;
  /** Send-to-answer latency of every MeterValues sent inside the window and answered, late answers included, in ms. */
  readonly latenciesMs: number[];
}

interface Outstanding {
  readonly messageId: string;
  readonly action: string;
  readonly sentAt: number;
  readonly measured: boolean;
  readonly answered: (payload: Record<string, unknown> | undefined) => void;
}

interface Queued {
  readonly action: string;
  readonly payload: () => Record<string, unknown>;
  readonly measured: boolean;
  readonly answered: (payload: Record<string, unknown> | undefined) => void;
}

let nextMessageId = 0;
const stats = {
  measuring: false,
  meterValuesSent: 0,
  meterValuesAcked: 0,
  measuredAcked: 0,
  heartbeatsAcked: 0,
  callErrors: 0,
  queuedBehindOutstanding: 0,
  connectionsLost: 0,
  latenciesMs: [] as number[],
};

class Charger {
  transactionId = 0;
  meterWh = 0;
  open = false;
  private outstanding: Outstanding | undefined;
  private readonly queue: Queued[] = [];

  constructor(
    readonly id: string,
    private readonly socket: WebSocket,
  ) {
    socket.on('message', (data: Buffer) => this.onMessage(data));
    socket.on('close', () => {
      if (this.open) stats.connectionsLost += 1;
      this.open = false;
    });
  }

  get unanswered(): number {
    return (this.outstanding === undefined ? 0 : 1) + this.queue.length;
  }

  /** MeterValues sent (or queued to be sent) inside the window and not answered yet. */
  get measuredUnanswered(): number {
    return (this.outstanding?.measured ? 1 : 0) + this.queue.filter((queued) => queued.measured).length;
  }

  call(action: string, payload: () => Record<string, unknown>, measured = false): Promise<Record<string, unknown> | undefined> {
    return new Promise((answered) => {
      const queued: Queued = { action, payload, measured, answered };
      if (this.outstanding !== undefined) {
        if (stats.measuring) stats.queuedBehindOutstanding += 1;
        this.queue.push(queued);
      } else this.send(queued);
    });
  }

  close(): void {
    this.open = false;
    this.socket.close(1000);
  }

  private send({ action, payload, measured, answered }: Queued): void {
    const messageId = String(++nextMessageId);
    this.outstanding = { messageId, action, sentAt: performance.now(), measured, answered };
    this.socket.send(JSON.stringify([2, messageId, action, payload()]));
  }

  private onMessage(data: Buffer): void {
    const frame = JSON.parse(data.toString('utf8')) as [number, string, ...unknown[]];
    const outstanding = this.outstanding;
    // The echo baseline answers with the CALL itself: whatever carries the outstanding id answers it.
    if (outstanding === undefined || frame[1] !== outstanding.messageId) return;
    this.outstanding = undefined;
    if (frame[0] === 4) stats.callErrors += 1;
    if (outstanding.action === 'MeterValues' && stats.measuring) stats.meterValuesAcked += 1;
    // A MeterValues sent inside the window counts whenever its answer comes, so a slow end of the window is measured.
    if (outstanding.measured) {
      // Anything but a CALLERROR: the gateway answers with a CALLRESULT, the echo baseline with the CALL itself.
      if (frame[0] !== 4) stats.measuredAcked += 1;
      stats.latenciesMs.push(performance.now() - outstanding.sentAt);
    }
    if (outstanding.action === 'Heartbeat' && stats.measuring) stats.heartbeatsAcked += 1;
    const next = this.queue.shift();
    if (next !== undefined) this.send(next);
    outstanding.answered(frame[0] === 3 && typeof frame[2] === 'object' ? (frame[2] as Record<string, unknown>) : undefined);
  }
}

const chargers: Charger[] = [];

function openCharger(url: string, id: string): Promise<Charger> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${url}/ocpp/${encodeURIComponent(id)}`, ['ocpp1.6'], { perMessageDeflate: false, handshakeTimeout: 30_000 });
    socket.once('open', () => {
      const charger = new Charger(id, socket);
      charger.open = true;
      resolve(charger);
    });
    socket.once('unexpected-response', (_request, response) => reject(new Error(`HTTP ${response.statusCode}`)));
    socket.once('error', reject);
  });
}

async function connectOne(url: string, id: string): Promise<Charger> {
  const charger = await openCharger(url, id);
  await charger.call('BootNotification', () => ({ chargePointVendor: 'Roamgate', chargePointModel: 'LoadBench', firmwareVersion: '1.0.0' }));
  const answer = await charger.call('StartTransaction', () => ({
    connectorId: 1,
    idTag: `TAG-${id}`.slice(0, 20),
    meterStart: 0,
    timestamp: new Date().toISOString(),
  }));
  charger.transactionId = typeof answer?.['transactionId'] === 'number' ? answer['transactionId'] : 0;
  return charger;
}

async function connect({ url, ids, concurrency }: ConnectCommand): Promise<ConnectReport> {
  let cursor = 0;
  let failed = 0;
  let firstFailure = '';
  const worker = async () => {
    while (cursor < ids.length) {
      const id = ids[cursor++]!;
      try {
        chargers.push(await connectOne(url, id));
      } catch (error) {
        failed += 1;
        firstFailure ||= `${id}: ${error instanceof Error ? error.message : String(error)}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return { kind: 'connected', ready: chargers.length, failed, firstFailure, openFileLimit: openFileLimit() };
}

const meterValues = (charger: Charger) => () => {
  charger.meterWh += 7;
  return {
    connectorId: 1,
    transactionId: charger.transactionId,
    meterValue: [
      {
        timestamp: new Date().toISOString(),
        sampledValue: [
          { value: String(charger.meterWh), measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' },
          { value: '11000', measurand: 'Power.Active.Import', unit: 'W', context: 'Sample.Periodic' },
        ],
      },
    ],
  };
};

/**
 * Sends MeterValues at a fixed total rate, dealt round-robin so each charger sends one every
 * chargers/rate seconds, and a Heartbeat from each charger every heartbeatIntervalS.
 */
async function run(command: RunCommand): Promise<RunReport> {
  const { meterValuesPerSec, heartbeatIntervalS, startAt, warmupMs, measureMs } = command;
  const live = chargers.filter((c) => c.open);
  const heartbeatsPerSec = live.length / heartbeatIntervalS;
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
  const start = performance.now();
  const windowStart = Date.now() + warmupMs;
  let meterSent = 0;
  let heartbeatsSent = 0;
  let meterCursor = 0;
  let heartbeatCursor = Math.floor(live.length / 2);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsedMs = performance.now() - start;
      if (elapsedMs >= warmupMs + measureMs) {
        clearInterval(timer);
        resolve();
        return;
      }
      const inWindow = elapsedMs >= warmupMs;
      stats.measuring = inWindow;
      if (live.length === 0) return;
      for (const due = Math.floor((meterValuesPerSec * elapsedMs) / 1000); meterSent < due; meterSent++) {
        const charger = live[meterCursor++ % live.length]!;
        if (!charger.open) continue;
        if (inWindow) stats.meterValuesSent += 1;
        void charger.call('MeterValues', meterValues(charger), inWindow);
      }
      for (const due = Math.floor((heartbeatsPerSec * elapsedMs) / 1000); heartbeatsSent < due; heartbeatsSent++) {
        const charger = live[heartbeatCursor++ % live.length]!;
        if (charger.open) void charger.call('Heartbeat', () => ({}));
      }
    }, 5);
  });
  stats.measuring = false;
  const { measuring: _m, measuredAcked: _a, latenciesMs: _l, ...counted } = stats;
  return {
    kind: 'ran',
    windowStart,
    windowEnd: windowStart + measureMs,
    ...counted,
    unanswered: live.reduce((n, c) => n + c.unanswered, 0),
    connectionsHeld: chargers.filter((c) => c.open).length,
  };
}

/** Waits for the answers to the window's MeterValues, SETTLE_MS at most, and reports them. */
async function settle(): Promise<SettledReport> {
  const deadline = performance.now() + SETTLE_MS;
  const pending = () => chargers.reduce((n, c) => n + c.measuredUnanswered, 0);
  while (pending() > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
  return {
    kind: 'settled',
    measuredAcked: stats.measuredAcked,
    latenciesMs: stats.latenciesMs,
  };
}

async function close(): Promise<void> {
  for (const charger of chargers) charger.close();
  setTimeout(() => process.exit(0), 3_000).unref();
  process.disconnect?.();
}

process.on('message', (command: GeneratorCommand) => {
  const reply = (work: Promise<ConnectReport | RunReport | SettledReport>) =>
    work.then(
      (report) => process.send?.(report),
      (error: unknown) => process.send?.({ kind: 'error', error: String(error) }),
    );
  if (command.cmd === 'connect') void reply(connect(command));
  else if (command.cmd === 'run') void reply(run(command)).then(() => reply(settle()));
  else void close();
});
