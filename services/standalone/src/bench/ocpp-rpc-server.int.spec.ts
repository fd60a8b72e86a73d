import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { RPCClient } from 'ocpp-rpc';
import { awaitExit, startChild } from './child-process';

// The bench's ocpp-rpc baselines must do the work the gateway's transport does: strict validation of every frame.
describe('ocpp-rpc baseline server of the gateway load bench', () => {
  for (const thread of ['main', 'worker'] as const) {
    it(`answers the load generator's calls and refuses an invalid frame (transport on the ${thread} thread)`, async () => {
      const server = startChild(join(__dirname, 'ocpp-rpc-server.js'), { env: { BENCH_OCPP_THREAD: thread } });
      let client: RPCClient | undefined;
      try {
        const { port } = await server.next<{ port: number }>('listening', 10_000);
        client = new RPCClient({ endpoint: `ws://127.0.0.1:${port}`, identity: 'BASELINE-1', protocols: ['ocpp1.6'], strictMode: true, reconnect: false } as never);
        await client.connect();
        const boot = (await client.call('BootNotification', { chargePointVendor: 'Roamgate', chargePointModel: 'Test' })) as { status: string };
        assert.equal(boot.status, 'Accepted');
        const ids = [];
        for (let n = 0; n < 2; n++) {
          const started = (await client.call('StartTransaction', { connectorId: 1, idTag: 'T', meterStart: 0, timestamp: new Date().toISOString() })) as { transactionId: number };
          ids.push(started.transactionId);
        }
        assert.deepEqual(ids, [1, 2]);
        // Strict mode: a MeterValues without its connector is refused before any answer is made.
        const raw = client as unknown as { sendRaw(message: string): void; on(event: string, listener: (event: { message: string; outbound: boolean }) => void): void };
        const answered = new Promise<string>((resolve) => raw.on('message', ({ message, outbound }) => outbound || resolve(String(message))));
        raw.sendRaw(JSON.stringify([2, 'bad-1', 'MeterValues', { meterValue: [{ timestamp: new Date().toISOString(), sampledValue: [{ value: '1' }] }] }]));
        const [type, messageId, code] = JSON.parse(await answered) as [number, string, string];
        // ocpp-rpc answers a missing required property with the 1.6J errata's spelling.
        assert.deepEqual([type, messageId, code], [4, 'bad-1', 'OccurrenceConstraintViolation']);
      } finally {
        await client?.close({ force: true }).catch(() => undefined);
        server.process.disconnect();
        await awaitExit(server, 5_000);
      }
    });
  }
});
