import assert from 'node:assert/strict';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { startTestGateway, type TestGateway } from './testing/harness';

/** A charger on a raw socket, counting the pings it gets; `autoPong: false` makes it one that never answers them. */
async function charger(gateway: TestGateway, id: string, autoPong: boolean): Promise<{ ws: WebSocket; pings: () => number; closed: Promise<unknown> }> {
  const ws = new WebSocket(`${gateway.endpoint}/${id}`, ['ocpp1.6'], { autoPong });
  let pings = 0;
  ws.on('ping', () => (pings += 1));
  const closed = once(ws, 'close');
  await once(ws, 'open');
  return { ws, pings: () => pings, closed };
}

describe('OCPP keep-alive (OCPP-J §5.3), a ping after 2 quiet seconds', () => {
  let gateway: TestGateway;

  before(async () => {
    gateway = await startTestGateway({ OCPP_PING_INTERVAL_S: '2' });
    for (const id of ['QUIET1', 'DEAF1', 'BUSY1']) await gateway.register(id);
  });

  after(async () => {
    await gateway?.close();
  });

  it('pings a quiet charger and keeps it while it answers', { timeout: 20_000 }, async () => {
    const quiet = await charger(gateway, 'QUIET1', true);
    await sleep(5_000);
    assert.ok(quiet.pings() >= 2, `pinged ${quiet.pings()} times in 5 s`);
    assert.equal(quiet.ws.readyState, WebSocket.OPEN);
    quiet.ws.close();
    await quiet.closed;
  });

  it('drops a charger that does not answer a ping, and records the disconnection', { timeout: 20_000 }, async () => {
    const deaf = await charger(gateway, 'DEAF1', false);
    const started = Date.now();
    await deaf.closed;
    assert.ok(deaf.pings() >= 1, 'pinged before being dropped');
    // A ping after 2 quiet seconds, the drop when the next one falls due unanswered.
    assert.ok(Date.now() - started < 8_000, `dropped after ${Date.now() - started} ms`);
    await gateway.waitForEvents('charger-DEAF1', 'ChargerDisconnected', 1);
  });

  it('does not ping a charger whose frames keep arriving', { timeout: 20_000 }, async () => {
    const busy = await charger(gateway, 'BUSY1', true);
    for (let i = 0; i < 10; i++) {
      const answered = once(busy.ws, 'message');
      busy.ws.send(JSON.stringify([2, `hb${i}`, 'Heartbeat', {}]));
      await answered;
      await sleep(300);
    }
    assert.equal(busy.pings(), 0, 'a charger sending a frame every 300 ms was pinged');
    const quietFrom = Date.now();
    await once(busy.ws, 'ping');
    assert.ok(Date.now() - quietFrom < 4_000, 'pinged once it went quiet');
    busy.ws.close();
    await busy.closed;
  });
});
