import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, StatementSync, type SQLInputValue } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import { openSqliteEventStore, type SqliteEventStore } from './sqlite-event-store';
import { eventStoreContract, spawnNode, type NodeChild } from './testing';

const tempFile = () => {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-event-store-'));
  return { dir, file: join(dir, 'events.sqlite') };
};

eventStoreContract('sqlite', async () => {
  const { dir, file } = tempFile();
  const store = await openSqliteEventStore({ file, pollIntervalMs: 20 });
  return {
    store,
    reopen: () => openSqliteEventStore({ file, pollIntervalMs: 20 }),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

eventStoreContract('sqlite, transactions on the calling thread', async () => {
  const { dir, file } = tempFile();
  const store = await openSqliteEventStore({ file, pollIntervalMs: 20, writer: 'inline' });
  return {
    store,
    reopen: () => openSqliteEventStore({ file, pollIntervalMs: 20, writer: 'inline' }),
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('sqlite event store group commit', () => {
  it('commits the appends of one event-loop turn in one transaction, each resolving once committed', async () => {
    const { dir, file } = tempFile();
    let transactions = 0;
    const store = await openSqliteEventStore({
      file,
      now: () => {
        transactions += 1;
        return new Date();
      },
    });
    const reader = new DatabaseSync(file, { readOnly: true });
    try {
      const committed = (id: string) => reader.prepare('SELECT count(*) AS n FROM events WHERE event_id = ?').get(id) as { n: number };
      const visibleAtResolve: boolean[] = [];
      const ids = Array.from({ length: 200 }, () => randomUUID());
      const appends = ids.map((id) =>
        store
          .append(`group-${randomUUID()}`, [{ id, type: 'Grouped', data: {} }], { expectedRevision: 'no_stream' })
          .then(() => visibleAtResolve.push(committed(id).n === 1)),
      );
      await Promise.resolve();
      assert.equal(committed(ids[0]!).n + committed(ids[199]!).n, 0, 'nothing is committed before the turn ends');
      await Promise.all(appends);
      assert.equal(transactions, 1, 'one transaction for the 200 appends');
      assert.deepEqual(new Set(visibleAtResolve), new Set([true]), 'every append is visible to another connection when it resolves');

      await store.append(`group-${randomUUID()}`, [{ id: randomUUID(), type: 'Grouped', data: {} }], { expectedRevision: 'no_stream' });
      assert.equal(transactions, 2, 'a later append gets its own transaction');
    } finally {
      reader.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the checkpoint of a subscriber that handles many events in one turn once, on disk when stop() resolves', async () => {
    const { dir, file } = tempFile();
    const store = await openSqliteEventStore({ file });
    const reader = new DatabaseSync(file, { readOnly: true });
    const run = StatementSync.prototype.run;
    let checkpointWrites = 0;
    StatementSync.prototype.run = function (this: StatementSync, ...args: SQLInputValue[]) {
      if (this.sourceSQL.startsWith('INSERT INTO checkpoints')) checkpointWrites += 1;
      return Reflect.apply(run, this, args) as ReturnType<StatementSync['run']>;
    } as StatementSync['run'];
    try {
      const stream = `checkpointed-${randomUUID()}`;
      await store.append(stream, Array.from({ length: 300 }, () => ({ id: randomUUID(), type: 'Counted', data: {} })), { expectedRevision: 'no_stream' });
      let handled = 0;
      const subscription = store.subscribeToAll({ checkpointId: 'counter', handler: async () => void handled++ });
      await subscription.caughtUp;
      const last = (await store.readAll()).at(-1)!.position;
      assert.equal(await store.getCheckpoint('counter'), last, 'seen in this process at once');
      await subscription.stop();
      assert.equal(handled, 300);
      assert.ok(checkpointWrites <= 2, `${checkpointWrites} checkpoint writes for 300 handled events`);
      assert.equal((reader.prepare("SELECT position FROM checkpoints WHERE id = 'counter'").get() as { position: number }).position, last);
    } finally {
      StatementSync.prototype.run = run;
      reader.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('commits appends still waiting for their turn when the store closes', async () => {
    const { dir, file } = tempFile();
    const store = await openSqliteEventStore({ file });
    const stream = `closing-${randomUUID()}`;
    const appended = store.append(stream, [{ id: randomUUID(), type: 'Closing', data: {} }], { expectedRevision: 'no_stream' });
    await store.close();
    assert.equal((await appended).nextExpectedRevision, 0);
    const reopened = await openSqliteEventStore({ file });
    try {
      assert.equal((await reopened.readStream(stream)).length, 1);
    } finally {
      await reopened.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sqlite event store shared by two processes', () => {
  const { dir, file } = tempFile();
  const streamId = `race-${randomUUID()}`;
  const racers: NodeChild[] = [];
  let store: SqliteEventStore;

  before(async () => {
    store = await openSqliteEventStore({ file });
    await store.append(streamId, [{ id: randomUUID(), type: 'Seeded', data: {} }], { expectedRevision: 'no_stream' });
    for (let i = 0; i < 2; i++) racers.push(spawnNode(join(__dirname, 'testing/fixtures/append-racer.js'), [file, streamId]));
    for (const racer of racers) assert.equal(await racer.nextLine(), 'ready');
  });

  after(async () => {
    for (const racer of racers) racer.child.stdin!.end();
    await Promise.all(racers.map((r) => r.exited));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets exactly one process win each race for the same expected revision', async () => {
    const rounds = 40;
    for (let round = 0; round < rounds; round++) {
      for (const racer of racers) racer.child.stdin!.write(`${round}\n`);
      const outcomes = await Promise.all(racers.map(async (r) => JSON.parse(await r.nextLine())));
      const winners = outcomes.filter((o) => o.ok);
      assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(outcomes)}`);
      assert.equal(winners[0].revision, round + 1);
      assert.deepEqual(
        outcomes.filter((o) => !o.ok).map((o) => o.actual),
        [round + 1],
      );
    }
    const recorded = await store.readStream(streamId);
    assert.deepEqual(
      recorded.map((e) => e.revision),
      Array.from({ length: rounds + 1 }, (_, i) => i),
    );
  });
});

describe('sqlite event store subscriptions right behind the appends', () => {
  it('are served from memory only for what some subscription has not read yet', async () => {
    const { dir, file } = tempFile();
    const store = await openSqliteEventStore({ file, pollIntervalMs: 10 });
    const fast: number[] = [];
    const slow: number[] = [];
    let releaseSlow!: () => void;
    const slowGate = new Promise<void>((resolve) => (releaseSlow = resolve));
    const append = (i: number) => store.append(`s-${i}`, [{ id: randomUUID(), type: 'E', data: { i } }], { expectedRevision: 'no_stream' });
    const until = async (done: () => boolean, what: string) => {
      const deadline = Date.now() + 5_000;
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const fastSub = store.subscribeToAll({ checkpointId: 'fast', handler: async (event) => void fast.push(event.position) });
    const slowSub = store.subscribeToAll({
      checkpointId: 'slow',
      handler: async (event) => {
        await slowGate;
        slow.push(event.position);
      },
    });
    try {
      for (let i = 1; i <= 5; i++) await append(i);
      await until(() => fast.length === 5, 'the fast subscription');
      await append(6);
      // The slow one is still on its first event: every row after the position it asked to read after stays.
      assert.equal(store.recentEventsHeld(), 6);
      releaseSlow();
      await until(() => slow.length === 6 && fast.length === 6, 'both subscriptions');
      await new Promise((resolve) => setTimeout(resolve, 30));
      await append(7);
      assert.ok(store.recentEventsHeld() <= 2, `read by both: only the newest rows are kept, held ${store.recentEventsHeld()}`);
      await until(() => slow.length === 7 && fast.length === 7, 'the last append');
      assert.deepEqual(slow, [1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(fast, slow);
    } finally {
      await fastSub.stop();
      await slowSub.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('deliver exactly what is stored, in position order, when another connection appends in between', async () => {
    const { dir, file } = tempFile();
    const store = await openSqliteEventStore({ file, pollIntervalMs: 10 });
    const other = await openSqliteEventStore({ file, pollIntervalMs: 10 });
    const seen: unknown[] = [];
    const subscription = store.subscribeToAll({ checkpointId: 'behind', handler: async (event) => void seen.push(event) });
    // A second subscriber that only sees the other connection's appends: it must not wait on the first one's reads.
    const seenOther: string[] = [];
    const otherOnly = store.subscribeToAll({ checkpointId: 'other-only', handler: async (event) => void (event.type === 'B' && seenOther.push(event.streamId)) });
    try {
      for (let round = 0; round < 30; round++) {
        const appends = [
          store.append(`a-${round % 3}`, [1, 2, 3].map((n) => ({ id: randomUUID(), type: 'A', data: { round, n, nested: { at: [round, null] } }, metadata: { m: String(round) } })), { expectedRevision: 'any' }),
          // Refused appends leave no event and no hole in the positions of the appends around them.
          store.append(`a-${round % 3}`, [{ id: randomUUID(), type: 'Refused', data: {} }], { expectedRevision: 'no_stream' }).catch(() => undefined),
          other.append(`b-${round}`, [{ id: randomUUID(), type: 'B', data: { round } }], { expectedRevision: 'no_stream' }),
          store.append(`c-${round}`, [{ id: randomUUID(), type: 'C', data: { round, text: "é\u0000" } }], { expectedRevision: 'no_stream' }),
        ];
        await Promise.all(appends);
        if (round % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 15));
      }
      const stored = await store.readAll();
      assert.equal(stored.length, 30 * 5);
      assert.equal(stored.filter((e) => e.type === 'Refused').length, 0);
      const deadline = Date.now() + 10_000;
      while (seen.length < stored.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(seen, stored);
      while (seenOther.length < 30 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(seenOther, Array.from({ length: 30 }, (_, round) => `b-${round}`));
      const tail = [`b-tail-1`, `b-tail-2`];
      for (const streamId of tail) await other.append(streamId, [{ id: randomUUID(), type: 'B', data: {} }], { expectedRevision: 'no_stream' });
      const tailDeadline = Date.now() + 5_000;
      while (seenOther.length < 32 && Date.now() < tailDeadline) await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(seenOther.slice(30), tail, 'appends of the other connection alone, after this store\'s last commit');
    } finally {
      await otherOnly.stop();
      await subscription.stop();
      await other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
