import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OfflineError, Outbox } from './outbox';

function transport() {
  const sent: { action: string; payload: object }[] = [];
  const state = { online: true, failNext: undefined as Error | undefined };
  return {
    sent,
    state,
    isOnline: () => state.online,
    isConnected: () => state.online,
    call: async (action: string, payload: object) => {
      if (state.failNext) {
        const error = state.failNext;
        state.failNext = undefined;
        state.online = false;
        throw error;
      }
      sent.push({ action, payload });
      return { ok: action };
    },
  };
}

describe('outbox', () => {
  it('sends in production order and resolves with the answers', async () => {
    const link = transport();
    const outbox = new Outbox(link);
    const answers = await Promise.all([outbox.send('A', { n: 1 }), outbox.send('B', { n: 2 })]);
    assert.deepEqual(answers, [{ ok: 'A' }, { ok: 'B' }]);
    assert.deepEqual(link.sent.map((m) => m.action), ['A', 'B']);
  });

  it('drops transient messages while offline and keeps durable ones for the reconnect', async () => {
    const link = transport();
    const outbox = new Outbox(link);
    link.state.online = false;
    await assert.rejects(outbox.send('Heartbeat', {}), OfflineError);
    const queued = outbox.send('MeterValues', { n: 1 }, { durable: true });
    assert.equal(outbox.size, 1);
    link.state.online = true;
    outbox.resume();
    assert.deepEqual(await queued, { ok: 'MeterValues' });
  });

  it('sends a durable message again when the connection broke under it', async () => {
    const link = transport();
    const outbox = new Outbox(link);
    link.state.failNext = Object.assign(new Error('Client disconnected'), { name: 'AbortError' });
    const delivered = outbox.send('StopTransaction', { n: 1 }, { durable: true });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(link.sent.length, 0);
    link.state.online = true;
    outbox.resume();
    await delivered;
    assert.deepEqual(link.sent.map((m) => m.action), ['StopTransaction']);
  });

  it('evaluates a payload function when the message goes out', async () => {
    const link = transport();
    const outbox = new Outbox(link);
    link.state.online = false;
    const context = { transactionId: undefined as number | undefined };
    const delivered = outbox.send('MeterValues', () => ({ transactionId: context.transactionId }), { durable: true });
    context.transactionId = 7;
    link.state.online = true;
    outbox.resume();
    await delivered;
    assert.deepEqual(link.sent[0]!.payload, { transactionId: 7 });
  });

  it('sends a message marked ahead of the queue at once, past waiting ones', async () => {
    const link = transport();
    const registered = { yes: false };
    const outbox = new Outbox({ ...link, isOnline: () => registered.yes, isConnected: () => true });
    const queued = outbox.send('StopTransaction', {}, { durable: true });
    assert.deepEqual(await outbox.send('BootNotification', {}, { aheadOfQueue: true }), { ok: 'BootNotification' });
    registered.yes = true;
    outbox.resume();
    await queued;
    assert.deepEqual(link.sent.map((m) => m.action), ['BootNotification', 'StopTransaction']);
  });

  it('resolves idle once the queue is empty', async () => {
    const link = transport();
    const outbox = new Outbox(link);
    link.state.online = false;
    const delivered = outbox.send('A', {}, { durable: true });
    let idle = false;
    const waiting = outbox.idle().then(() => (idle = true));
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(idle, false);
    link.state.online = true;
    outbox.resume();
    await Promise.all([delivered, waiting]);
    assert.equal(idle, true);
  });
});
