import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
