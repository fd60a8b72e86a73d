import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WebSocketServer, type WebSocket } from 'ws';
import { awaitExit, startChild, type Child } from './child-process';
import type { ConnectReport, GeneratorCommand, RunReport, SettledReport } from './load-generator';

interface Server {
  readonly url: string;
  /** Every CALL received, by action, and the chargers' transaction ids as they sent them in MeterValues. */
  readonly calls: Map<string, number>;
  readonly meterTransactionIds: Set<unknown>;
  close(): Promise<void>;
}

/**
 * A central system that answers the generator's calls as the gateway would (CALLRESULTs, a transaction id per
 * StartTransaction), except that every `refuseEvery`-th MeterValues gets a CALLERROR.
 */
async function startServer(refuseEvery: number): Promise<Server> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: (protocols) => (protocols.has('ocpp1.6') ? 'ocpp1.6' : false) });
  await once(wss, 'listening');
  const calls = new Map<string, number>();
  const meterTransactionIds = new Set<unknown>();
  let transactions = 0;
  let meterValues = 0;
  wss.on('connection', (socket: WebSocket) =>
    socket.on('message', (data: Buffer) => {
      const [, id, action, payload] = JSON.parse(data.toString('utf8')) as [number, string, string, Record<string, unknown>];
      calls.set(action, (calls.get(action) ?? 0) + 1);
      if (action === 'MeterValues') {
        meterTransactionIds.add(payload['transactionId']);
        if (++meterValues % refuseEvery === 0) {
          socket.send(JSON.stringify([4, id, 'InternalError', 'refused by the test', {}]));
          return;
        }
      }
      const answer = action === 'StartTransaction' ? { transactionId: ++transactions, idTagInfo: { status: 'Accepted' } } : {};
      socket.send(JSON.stringify([3, id, answer]));
    }),
  );
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    calls,
    meterTransactionIds,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

const startGenerator = (): Child => startChild(join(__dirname, 'load-generator.js'));
/** As the bench closes its generators: `close`, then killed if it has not exited 10 s later. */
async function closeGenerator(generator: Child): Promise<void> {
  generator.process.send({ cmd: 'close' } satisfies GeneratorCommand);
  await awaitExit(generator, 10_000);
}

describe('gateway bench: the load generator', () => {
  it('connects chargers with a transaction open, offers MeterValues at the asked rate and counts their answers', async () => {
    const server = await startServer(10);
    const generator = startGenerator();
    const send = (command: GeneratorCommand) => generator.process.send(command);
    try {
      const ids = Array.from({ length: 20 }, (_, i) => `GEN-${i}`);
      send({ cmd: 'connect', url: server.url, ids, concurrency: 5 });
      const connected = await generator.next<ConnectReport>('connected', 30_000);
      assert.deepEqual([connected.ready, connected.failed], [20, 0]);
      assert.equal(server.calls.get('BootNotification'), 20);
      assert.equal(server.calls.get('StartTransaction'), 20);

      send({ cmd: 'run', meterValuesPerSec: 200, heartbeatIntervalS: 1, startAt: Date.now() + 100, warmupMs: 300, measureMs: 1_000 });
      const ran = await generator.next<RunReport>('ran', 30_000);
      const settled = await generator.next<SettledReport>('settled', 30_000);
      // 200/s over the one-second window. The schedule is by elapsed time, checked on a 5 ms timer: what falls due in
      // the tick that crosses either edge of the window counts with that tick, so a timer late on a busy machine
      // moves a few MeterValues across the edges, never the rate.
      assert.ok(Math.abs(ran.meterValuesSent - 200) <= 30, `sent ${ran.meterValuesSent} in the window`);
      assert.equal(ran.windowEnd - ran.windowStart, 1_000);
      assert.deepEqual([ran.connectionsHeld, ran.connectionsLost], [20, 0]);
      // Every charger's MeterValues carry the transaction id its StartTransaction was given.
      assert.deepEqual([...server.meterTransactionIds].sort((a, b) => Number(a) - Number(b)), Array.from({ length: 20 }, (_, i) => i + 1));
      // 20 chargers, a Heartbeat each per second: about 26 over warm-up and window.
      assert.ok((server.calls.get('Heartbeat') ?? 0) >= 20, `heartbeats ${server.calls.get('Heartbeat')}`);
      // One MeterValues in ten is refused: counted as a CALLERROR, not as acknowledged, yet its latency is measured.
      assert.ok(ran.callErrors >= 1, 'the refused MeterValues are counted as CALLERRORs');
      assert.equal(settled.latenciesMs.length, ran.meterValuesSent);
      const refusedInWindow = ran.meterValuesSent - settled.measuredAcked;
      assert.ok(refusedInWindow >= Math.floor(ran.meterValuesSent / 10) - 2 && refusedInWindow <= Math.ceil(ran.meterValuesSent / 10) + 2, `refused in the window: ${refusedInWindow}`);
      assert.ok(settled.latenciesMs.every((ms) => ms >= 0 && ms < 5_000));
    } finally {
      await closeGenerator(generator);
      await server.close();
    }
  });

  it('reports a charger it could not connect, with the reason', async () => {
    const generator = startGenerator();
    try {
      // A server that refuses the upgrade answers HTTP 401 to the generator's handshake.
      const refusing = new WebSocketServer({ host: '127.0.0.1', port: 0, verifyClient: (_info, done) => done(false, 401) });
      await once(refusing, 'listening');
      try {
        generator.process.send({ cmd: 'connect', url: `ws://127.0.0.1:${(refusing.address() as AddressInfo).port}`, ids: ['GEN-X'], concurrency: 1 } satisfies GeneratorCommand);
        const connected = await generator.next<ConnectReport>('connected', 30_000);
        assert.deepEqual([connected.ready, connected.failed], [0, 1]);
        assert.equal(connected.firstFailure, 'GEN-X: HTTP 401');
      } finally {
        await new Promise((resolve) => refusing.close(resolve));
      }
    } finally {
      await closeGenerator(generator);
    }
  });
});
