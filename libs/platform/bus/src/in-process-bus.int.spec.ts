import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync, StatementSync, type SQLInputValue } from 'node:sqlite';
import { after, describe, it } from 'node:test';
import type { DeliveredMessage } from './bus.port';
import { openInProcessBus } from './in-process-bus';
import { busContract } from './testing/bus.contract';
import { waitFor } from './testing/wait-for';

const dir = mkdtempSync(join(tmpdir(), 'roamgate-bus-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const busFile = () => join(dir, `${randomUUID()}.db`);

const encoder = new TextEncoder();
const body = (m: DeliveredMessage) => new TextDecoder().decode(m.value);
const numbered = (topic: string, from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ topic, key: 'k', value: encoder.encode(String(from + i)) }));

busContract('in-process, :memory:', async () => {
  const bus = openInProcessBus();
  return { bus, cleanup: () => bus.close() };
});

busContract('in-process, file', async () => {
  const bus = openInProcessBus({ file: busFile() });
  return { bus, cleanup: () => bus.close() };
});

describe('in-process bus on a file', () => {
  it('after a restart delivers what was not handled, and nothing that was', async () => {
    const file = busFile();
    const first = openInProcessBus({ file });
    const handled: string[] = [];
    await first.subscribe({
      group: 'projector',
      topics: ['sessions'],
      maxAttempts: 100,
      retryBackoffMs: 60_000,
      handler: async (m) => {
        if (Number(body(m)) >= 5) throw new Error('not yet');
        handled.push(body(m));
      },
    });
    await first.publish(numbered('sessions', 0, 10));
    await waitFor(() => handled.length === 5, 'the first half');
    await first.close();

    const second = openInProcessBus({ file });
    const redelivered: string[] = [];
    await second.subscribe({ group: 'projector', topics: ['sessions'], handler: async (m) => void redelivered.push(body(m)) });
    await waitFor(() => redelivered.length === 5, 'the second half');
    await second.close();

    assert.deepEqual(handled, ['0', '1', '2', '3', '4']);
    assert.deepEqual(redelivered, ['5', '6', '7', '8', '9']);
  });

  it('after a crash keeps published messages and committed offsets', async () => {
    const file = busFile();
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `
        const { openInProcessBus } = require(${JSON.stringify(join(__dirname, 'in-process-bus.js'))});
        const bus = openInProcessBus({ file: process.argv[1] });
        const value = (i) => new TextEncoder().encode(String(i));
        bus.publish(Array.from({ length: 10 }, (_, i) => ({ topic: 'sessions', key: 'k', value: value(i) }))).then(() =>
          bus.subscribe({
            group: 'projector',
            topics: ['sessions'],
            handler: async (m) => {
              if (new TextDecoder().decode(m.value) === '5') process.kill(process.pid, 'SIGKILL');
            },
          }),
        );
        `,
        file,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(child.signal, 'SIGKILL', child.stderr);

    const bus = openInProcessBus({ file });
    const delivered: DeliveredMessage[] = [];
    await bus.subscribe({ group: 'projector', topics: ['sessions'], handler: async (m) => void delivered.push(m) });
    await waitFor(() => delivered.length === 5, 'the messages from the one in flight at the crash');
    await bus.close();

    assert.deepEqual(delivered.map(body), ['5', '6', '7', '8', '9']);
  });

  it('prunes only what every group has consumed, and keeps offsets growing', async () => {
    const bus = openInProcessBus({ file: busFile(), partitions: 1 });
    const fast: string[] = [];
    const slow: string[] = [];
    await bus.subscribe({ group: 'fast', topics: ['tariffs'], handler: async (m) => void fast.push(body(m)) });
    const slowSubscription = await bus.subscribe({
      group: 'slow',
      topics: ['tariffs'],
      handler: async (m) => void slow.push(body(m)),
    });
    await bus.publish(numbered('tariffs', 0, 4));
    await waitFor(() => fast.length === 4 && slow.length === 4, 'both groups');
    await slowSubscription.close();
    await bus.publish(numbered('tariffs', 4, 10));
    await waitFor(() => fast.length === 10, 'the fast group');

    assert.equal(bus.prune(), 4, 'the slow group still needs 4..9');
    assert.equal(bus.prune(), 0);

    const late: DeliveredMessage[] = [];
    await bus.subscribe({ group: 'slow', topics: ['tariffs'], handler: async (m) => void late.push(m) });
    await waitFor(() => late.length === 6, 'the slow group catching up');
    assert.equal(bus.prune(), 6);
    await bus.publish(numbered('tariffs', 10, 11));
    await waitFor(() => late.length === 7, 'a message after pruning');
    await bus.close();

    assert.deepEqual(late.map(body), ['4', '5', '6', '7', '8', '9', '10']);
    assert.deepEqual(
      late.map((m) => m.offset),
      [4, 5, 6, 7, 8, 9, 10],
    );
  });

  it('keeps a topic’s partition count across restarts, so keys keep their partition', async () => {
    const file = busFile();
    const first = openInProcessBus({ file, partitions: 4 });
    const before: DeliveredMessage[] = [];
    await first.subscribe({ group: 'g', topics: ['chargers'], handler: async (m) => void before.push(m) });
    await first.publish([{ topic: 'chargers', key: 'CP-1', value: encoder.encode('a') }]);
    await waitFor(() => before.length === 1, 'first delivery');
    await first.close();

    const second = openInProcessBus({ file, partitions: 16 });
    const later: DeliveredMessage[] = [];
    await second.subscribe({ group: 'g', topics: ['chargers'], handler: async (m) => void later.push(m) });
    await second.publish([{ topic: 'chargers', key: 'CP-1', value: encoder.encode('b') }]);
    await waitFor(() => later.length === 1, 'second delivery');
    await second.close();

    assert.equal(later[0]!.partition, before[0]!.partition);
    assert.equal(later[0]!.offset, before[0]!.offset + 1);
  });
});

describe('in-process bus durability', () => {
  it('resolves a FULL publish once the WAL is synced, off the event loop, and delivers from the commit on', async () => {
    // Every FileHandle shares one prototype: hold its datasync (what WalSync calls) until the test lets it go.
    const probe = await open(__filename, 'r');
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void> };
    await probe.close();
    const original = proto.datasync;
    const held: (() => void)[] = [];
    proto.datasync = function (this: unknown) {
      return new Promise<void>((resolve) => held.push(resolve)).then(() => original.call(this));
    };
    const bus = openInProcessBus({ file: busFile() });
    try {
      const delivered: string[] = [];
      await bus.subscribe({ group: 'g', topics: ['t'], handler: async (m) => void delivered.push(body(m)) });
      let published = false;
      const publish = bus.publish(numbered('t', 0, 2)).then(() => (published = true));
      await waitFor(() => delivered.length === 2, 'delivery before the sync finished', 5_000);
      await waitFor(() => held.length === 1, 'the sync to start', 5_000);
      assert.equal(published, false, 'publish waits for the sync');
      held[0]!();
      await publish;
      assert.deepEqual(delivered, ['0', '1']);
      const unsynced = openInProcessBus({ file: busFile(), publishSynchronous: 'NORMAL' });
      await unsynced.publish(numbered('t', 0, 1));
      await unsynced.close();
      assert.equal(held.length, 1, 'a NORMAL publish does not sync');
    } finally {
      proto.datasync = original;
      for (const release of held) release();
      await bus.close();
    }
  });
});

describe('in-process bus batch delivery', () => {
  it('hands consecutive messages of a partition to batchHandler in offset order and commits their offsets after it', async () => {
    const file = busFile();
    const first = openInProcessBus({ file, partitions: 2 });
    const batches: DeliveredMessage[][] = [];
    const single: string[] = [];
    await first.subscribe({
      group: 'projector',
      topics: ['sessions'],
      handler: async (m) => void single.push(body(m)),
      batchHandler: async (messages) => void batches.push([...messages]),
    });
    const published = Array.from({ length: 150 }, (_, i) => ({ topic: 'sessions', key: `k${i % 7}`, value: encoder.encode(String(i)) }));
    await first.publish(published);
    await waitFor(() => batches.flat().length === 150, 'all 150 in batches');
    await first.close();

    assert.deepEqual(single, []);
    assert.ok(batches.some((b) => b.length > 1), 'messages of a partition came together');
    for (const batch of batches) {
      assert.equal(new Set(batch.map((m) => m.partition)).size, 1, 'one partition per batch');
      batch.slice(1).forEach((m, i) => assert.equal(m.offset, batch[i]!.offset + 1, 'consecutive offsets'));
    }
    for (const key of new Set(published.map((m) => m.key))) {
      assert.deepEqual(
        batches.flat().filter((m) => m.key === key).map(body),
        published.filter((m) => m.key === key).map((m) => new TextDecoder().decode(m.value)),
        `${key} in publish order`,
      );
    }

    const second = openInProcessBus({ file, partitions: 2 });
    const redelivered: string[] = [];
    await second.subscribe({ group: 'projector', topics: ['sessions'], handler: async (m) => void redelivered.push(body(m)) });
    await second.publish([{ topic: 'sessions', key: 'k0', value: encoder.encode('new') }]);
    await waitFor(() => redelivered.length === 1, 'the new message');
    await second.close();
    assert.deepEqual(redelivered, ['new'], 'the batched offsets were committed');
  });

  it('hands a failed batch to the handler message by message, with retries and dead-lettering as usual', async () => {
    const bus = openInProcessBus({ partitions: 1 });
    const handled: [string, number][] = [];
    const deadLettered: string[] = [];
    let batchCalls = 0;
    await bus.subscribe({
      group: 'projector',
      topics: ['sessions'],
      maxAttempts: 2,
      retryBackoffMs: 1,
      batchHandler: async () => {
        batchCalls += 1;
        throw new Error('batch failed');
      },
      handler: async (m) => {
        if (body(m) === '3') throw new Error('three is bad');
        handled.push([body(m), m.attempt]);
      },
    });
    await bus.subscribe({ group: 'dlq-reader', topics: ['sessions.dlq'], handler: async (m) => void deadLettered.push(body(m)) });
    await bus.publish(numbered('sessions', 0, 6));
    await waitFor(() => handled.length === 5 && deadLettered.length === 1, 'the five good ones and the dead letter');
    await bus.close();
    assert.ok(batchCalls >= 1);
    assert.deepEqual(handled, [
      ['0', 1],
      ['1', 1],
      ['2', 1],
      ['4', 1],
      ['5', 1],
    ]);
    assert.deepEqual(deadLettered, ['3']);
  });

  it('answers a consumer caught up with what this bus appended from memory, without reading the file', async () => {
    const bus = openInProcessBus({ file: busFile(), pollIntervalMs: 600_000 });
    const handled: string[] = [];
    await bus.subscribe({ group: 'projector', topics: ['sessions'], handler: async (m) => void handled.push(body(m)) });
    await bus.publish(numbered('sessions', 0, 1));
    await waitFor(() => handled.length === 1, 'the first message');
    const all = StatementSync.prototype.all;
    let fileReads = 0;
    StatementSync.prototype.all = function (this: StatementSync, ...args: SQLInputValue[]) {
      if (this.sourceSQL.includes('FROM messages')) fileReads += 1;
      return Reflect.apply(all, this, args) as ReturnType<StatementSync['all']>;
    } as StatementSync['all'];
    try {
      for (let i = 1; i <= 20; i++) {
        await bus.publish(numbered('sessions', i, i + 1));
        await waitFor(() => handled.length === i + 1, `message ${i}`);
      }
    } finally {
      StatementSync.prototype.all = all;
      await bus.close();
    }
    assert.equal(handled.length, 21);
    assert.equal(fileReads, 0);
  });

  it('delivers, in offset order, what another bus on the same file appended before, between and after its own', async () => {
    const file = busFile();
    const local = openInProcessBus({ file, pollIntervalMs: 20 });
    const other = openInProcessBus({ file, pollIntervalMs: 20 });
    const handled: string[] = [];
    try {
      await local.subscribe({ group: 'projector', topics: ['sessions'], handler: async (m) => void handled.push(body(m)) });
      await other.publish(numbered('sessions', 0, 1));
      await local.publish(numbered('sessions', 1, 2));
      await waitFor(() => handled.length === 2, 'the first two');
      await other.publish(numbered('sessions', 2, 3));
      await local.publish(numbered('sessions', 3, 4));
      await other.publish(numbered('sessions', 4, 5));
      await waitFor(() => handled.length === 5, 'all five');
    } finally {
      await local.close();
      await other.close();
    }
    assert.deepEqual(handled, ['0', '1', '2', '3', '4']);
  });
});

describe('in-process bus retention', () => {
  it('prunes in slices, oldest first, never past what every group consumed', async () => {
    const bus = openInProcessBus({ file: busFile(), partitions: 1, retentionIntervalMs: 0 });
    const seen: string[] = [];
    await bus.subscribe({ group: 'g', topics: ['sliced'], handler: async (m) => void seen.push(body(m)) });
    await bus.publish(numbered('sliced', 0, 10));
    await waitFor(() => seen.length === 10, 'the group');
    assert.deepEqual([bus.prune(3), bus.prune(3), bus.prune(100), bus.prune(100)], [3, 3, 4, 0]);
    await bus.close();
  });

  it('deletes consumed messages by itself, a slice at a time, and keeps what a group still needs', async () => {
    const file = busFile();
    const bus = openInProcessBus({ file, partitions: 2, retentionIntervalMs: 20 });
    const seen: string[] = [];
    await bus.subscribe({ group: 'g', topics: ['kept'], handler: async (m) => void seen.push(body(m)) });
    const total = 5_000;
    for (let from = 0; from < total; from += 500) await bus.publish(numbered('kept', from, from + 500).map((m, i) => ({ ...m, key: `k${i % 7}` })));
    await waitFor(() => seen.length === total, 'the group', 30_000);
    const reader = new DatabaseSync(file, { readOnly: true });
    const stored = () => (reader.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n;
    try {
      await waitFor(() => stored() === 0, 'retention to delete every consumed message', 10_000);
      // A group that has not read a message holds it back.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const idle = await bus.subscribe({ group: 'idle', topics: ['held'], handler: () => released });
      await bus.publish(numbered('held', 0, 3));
      await new Promise((resolve) => setTimeout(resolve, 100));
      assert.equal(stored(), 3, 'messages the idle group has not finished are kept');
      release();
      await idle.close();
    } finally {
      reader.close();
      await bus.close();
    }
  });
});

