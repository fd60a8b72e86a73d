import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EventStore, RecordedEvent } from '@roamgate/event-store';
import { openSqliteEventStore } from '@roamgate/event-store';
import { AggregateRepository, Decider, EventCodec } from './aggregate';

type Added = { type: 'Added'; data: { by: number } };
type Add = { type: 'Add'; by: number; limit: number };
const counter: Decider<number, Add, Added> = {
  initialState: () => 0,
  evolve: (state, event) => state + event.data.by,
  decide: (command, state) => {
    if (state + command.by > command.limit) throw new Error(`limit ${command.limit} exceeded`);
    return [{ type: 'Added', data: { by: command.by } }];
  },
};
const codec: EventCodec<Added> = {
  toStored: (e) => ({ type: e.type, data: e.data }),
  fromStored: (r: RecordedEvent) => ({ type: 'Added', data: r.data as { by: number } }),
};

describe('AggregateRepository', () => {
  it('appends what the decider decides and returns the new state and revision', async () => {
    const store = await openSqliteEventStore({ file: ':memory:' });
    const repo = new AggregateRepository(store);
    const first = await repo.handle('counter-1', counter, codec, () => [{ type: 'Add', by: 2, limit: 10 }, { type: 'Add', by: 3, limit: 10 }], { correlationId: 'c1' });
    assert.equal(first.state, 5);
    assert.equal(first.revision, 1);
    const events = await store.readStream('counter-1');
    assert.deepEqual(events.map((e) => e.data), [{ by: 2 }, { by: 3 }]);
    assert.equal(events[0]!.metadata.correlationId, 'c1');
    assert.match(events[0]!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7/);
    await store.close();
  });

  it('decides again on the fresh state when a concurrent writer wins, so invariants hold', async () => {
    const store = await openSqliteEventStore({ file: ':memory:' });
    const repo = new AggregateRepository(store);
    await repo.handle('counter-2', counter, codec, () => [{ type: 'Add', by: 1, limit: 10 }]);
    let interfered = false;
    const racing: EventStore = Object.create(store, {
      append: {
        value: async (...args: Parameters<EventStore['append']>) => {
          if (!interfered) {
            interfered = true;
            await store.append('counter-2', [{ id: 'other-writer', type: 'Added', data: { by: 8 } }], { expectedRevision: 0 });
          }
          return store.append(...args);
        },
      },
    });
    await assert.rejects(new AggregateRepository(racing).handle('counter-2', counter, codec, () => [{ type: 'Add', by: 2, limit: 10 }]), /limit 10 exceeded/);
    const state = await repo.load('counter-2', counter, codec);
    assert.deepEqual(state, { state: 9, revision: 1 });
    await store.close();
  });

  it('appends nothing when the decider decides nothing', async () => {
    const store = await openSqliteEventStore({ file: ':memory:' });
    const result = await new AggregateRepository(store).handle('counter-3', counter, codec, () => []);
    assert.deepEqual(result, { events: [], state: 0, revision: -1 });
    assert.deepEqual(await store.readStream('counter-3'), []);
    await store.close();
  });

  it('with cachedStreams, decides on the state it kept, reading only after a write from elsewhere or a refusal', async () => {
    const store = await openSqliteEventStore({ file: ':memory:' });
    const reads: (number | undefined)[] = [];
    const spying: EventStore = Object.create(store, {
      readStream: {
        value: (streamId: string, options?: { fromRevision?: number }) => {
          reads.push(options?.fromRevision);
          return store.readStream(streamId, options);
        },
      },
    });
    const repo = new AggregateRepository(spying, { cachedStreams: 1 });
    const add = (by: number, limit = 100) => () => [{ type: 'Add' as const, by, limit }];
    await repo.handle('counter-4', counter, codec, add(1));
    await repo.handle('counter-4', counter, codec, add(2));
    assert.deepEqual(reads, [undefined], 'the second decision used the kept state');
    await store.append('counter-4', [{ id: 'other-writer', type: 'Added', data: { by: 10 } }], { expectedRevision: 1 });
    const third = await repo.handle('counter-4', counter, codec, add(4));
    assert.deepEqual(third, { events: [{ type: 'Added', data: { by: 4 } }], state: 17, revision: 3 });
    assert.deepEqual(reads, [undefined, 2], 'the conflict made it read what the other writer appended');
    await assert.rejects(repo.handle('counter-4', counter, codec, add(1, 17)), /limit 17 exceeded/);
    assert.deepEqual(reads, [undefined, 2, 4], 'a refusal on the kept state is checked against the stream');
    assert.deepEqual(
      (await store.readStream('counter-4')).map((e) => e.data),
      [{ by: 1 }, { by: 2 }, { by: 10 }, { by: 4 }],
    );

    await repo.handle('counter-5', counter, codec, add(1));
    assert.deepEqual(await repo.load('counter-4', counter, codec), { state: 17, revision: 3 });
    assert.deepEqual(reads.slice(3), [undefined, undefined], 'the least recently used stream was dropped');
    await store.close();
  });

  it('with cachedStreams, drops a stream not used since it was kept before one that was', async () => {
    const store = await openSqliteEventStore({ file: ':memory:' });
    const reads: { streamId: string; from: number | undefined }[] = [];
    const spying: EventStore = Object.create(store, {
      readStream: {
        value: (streamId: string, options?: { fromRevision?: number }) => {
          reads.push({ streamId, from: options?.fromRevision });
          return store.readStream(streamId, options);
        },
      },
    });
    const repo = new AggregateRepository(spying, { cachedStreams: 2 });
    const add = () => [{ type: 'Add' as const, by: 1, limit: 100 }];
    await repo.handle('counter-a', counter, codec, add);
    await repo.handle('counter-b', counter, codec, add);
    await repo.handle('counter-a', counter, codec, add);
    await repo.handle('counter-c', counter, codec, add);
    reads.length = 0;
    assert.deepEqual(await repo.load('counter-a', counter, codec), { state: 2, revision: 1 });
    assert.deepEqual(await repo.load('counter-c', counter, codec), { state: 1, revision: 0 });
    assert.deepEqual(await repo.load('counter-b', counter, codec), { state: 1, revision: 0 });
    assert.deepEqual(reads, [
      { streamId: 'counter-a', from: 2 },
      { streamId: 'counter-c', from: 1 },
      { streamId: 'counter-b', from: undefined },
    ], 'a and c were kept (read from their kept revision on), b was dropped (read whole)');
    await store.close();
  });
});
