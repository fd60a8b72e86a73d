import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { OcppVersion, timestampFromDate } from '@roamgate/contracts';
import { dedupKeyOfSessionStarted, domainEvent, toStoredEvent, type DomainEvent } from '@roamgate/domain-charging';
import { newEventId, openSqliteEventStore, type EventStore, type Json } from '@roamgate/event-store';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { OCPP_IDS_STREAM } from './ocpp-ids';
import { TransactionIndex, transactionKeys } from './transaction-index';

describe('TransactionIndex on the SQLite event store and read models', () => {
  let dir: string;
  let opened: { close(): Promise<void> }[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'roamgate-txindex-'));
    opened = [];
  });

  afterEach(async () => {
    for (const handle of opened.reverse()) await handle.close();
    await rm(dir, { recursive: true, force: true });
  });

  const eventStore = async (): Promise<EventStore> => {
    const store = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    opened.push(store);
    return store;
  };
  const readModels = (name = 'read-models'): ReadModelStore => {
    const store = openSqliteReadModelStore({ file: join(dir, `${name}.sqlite`) });
    opened.push(store);
    return store;
  };
  const startedIndex = async (store: EventStore, models: ReadModelStore, replica = 'gw-a'): Promise<TransactionIndex> => {
    const index = new TransactionIndex(models, store, replica);
    await index.init();
    return index;
  };
  const take = async (index: TransactionIndex, count: number): Promise<number[]> => {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(await index.nextInteger());
    return ids;
  };
  const reservations = async (store: EventStore) =>
    (await store.readStream(OCPP_IDS_STREAM)).map((e) => {
      const data = e.data as { first: number; last: number; reservedBy: string };
      return [data.first, data.last, data.reservedBy] as const;
    });

  const sessionStarted = (sessionId: string, protocol: OcppVersion, transactionId: string, connectorId = 1): DomainEvent<'SessionStarted'> =>
    domainEvent('SessionStarted', {
      sessionId,
      occurredAt: timestampFromDate(new Date('2025-03-01T09:00:00Z')),
      receivedAt: timestampFromDate(new Date('2025-03-01T09:00:01Z')),
      chargerId: 'CP-1',
      protocol,
      connectorId,
      transactionId,
      idToken: { id: 'TAG-1', type: protocol === OcppVersion.OCPP_VERSION_1_6 ? '' : 'ISO14443' },
      meterStartWh: '1000',
    });
  const append = async (store: EventStore, event: DomainEvent<'SessionStarted'>) => {
    const { type, data } = toStoredEvent(event);
    await store.append(`session-${event.data.sessionId}`, [{ id: newEventId(), type, data: data as Json }], { expectedRevision: 'no_stream' });
  };

  it('hands out consecutive ids from a reserved block and reserves the next block when it is used up', async () => {
    const store = await eventStore();
    const index = await startedIndex(store, readModels());
    const ids = await take(index, 150);
    assert.deepEqual(ids, Array.from({ length: 150 }, (_, i) => i + 1));
    assert.deepEqual(await reservations(store), [
      [1, 100, 'gw-a'],
      [101, 200, 'gw-a'],
    ]);
  });

  it('shares one reservation between callers that find the block used up at the same time', async () => {
    const store = await eventStore();
    const index = await startedIndex(store, readModels());
    const ids = await Promise.all(Array.from({ length: 250 }, () => index.nextInteger()));
    assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: 250 }, (_, i) => i + 1));
    assert.equal((await reservations(store)).length, 3);
  });

  it('starts after the last reserved block on a restart: the unused rest of the block is skipped, never reused', async () => {
    const store = await eventStore();
    const models = readModels();
    assert.deepEqual(await take(await startedIndex(store, models), 3), [1, 2, 3]);
    const restarted = await startedIndex(store, models);
    assert.deepEqual(await take(restarted, 2), [101, 102]);
  });

  it('lets a replica that lost the race for a block read the blocks it missed and reserve after them', async () => {
    const file = await eventStore();
    const other = await eventStore();
    const a = await startedIndex(file, readModels('a'), 'gw-a');
    const b = await startedIndex(other, readModels('b'), 'gw-b');
    assert.deepEqual(await take(a, 101), Array.from({ length: 101 }, (_, i) => i + 1));
    assert.equal(await b.nextInteger(), 201, 'b read revision 0 at start, its append conflicted with a block a reserved since');
    assert.deepEqual(await reservations(file), [
      [1, 100, 'gw-a'],
      [101, 200, 'gw-a'],
      [201, 300, 'gw-b'],
    ]);

    const raced = await Promise.all(Array.from({ length: 600 }, (_, i) => (i % 2 === 0 ? a : b).nextInteger()));
    assert.equal(new Set(raced).size, raced.length, 'an id was handed out twice');
    const blocks = await reservations(file);
    blocks.forEach(([first], i) => i > 0 && assert.equal(first, blocks[i - 1]![1] + 1, 'blocks are disjoint and leave no holes'));
  });

  it('rebuilds the index from the SessionStarted events when the read models were dropped, and keeps counting in the event store', async () => {
    const store = await eventStore();
    const start16 = sessionStarted('S-16', OcppVersion.OCPP_VERSION_1_6, '7');
    const start201 = sessionStarted('S-201', OcppVersion.OCPP_VERSION_2_0_1, 'tx-abc', 2);
    await append(store, start16);
    await append(store, start201);
    // More ids than the sessions show: remote-start ids, or starts whose session was never written.
    const before = await take(await startedIndex(store, readModels('before')), 20);

    const index = await startedIndex(store, readModels('after-drop'));
    const entry16 = { sessionId: 'S-16', transactionId: '7' };
    assert.deepEqual(await index.get(transactionKeys.start16(dedupKeyOfSessionStarted(start16))), entry16);
    assert.deepEqual(await index.get(transactionKeys.byId16('CP-1', 7)), entry16);
    assert.deepEqual(await index.get(transactionKeys.byKey201(dedupKeyOfSessionStarted(start201))), { sessionId: 'S-201', transactionId: 'tx-abc' });
    const after = await index.nextInteger();
    assert.ok(after > Math.max(...before), `${after} after ${before.join(',')}`);
  });

  it('starts above the highest 1.6 transactionId of the sessions when the event store has no reservation yet', async () => {
    const store = await eventStore();
    await append(store, sessionStarted('S-1', OcppVersion.OCPP_VERSION_1_6, '250'));
    await append(store, sessionStarted('S-2', OcppVersion.OCPP_VERSION_1_6, '12', 2));
    const index = await startedIndex(store, readModels());
    assert.equal(await index.nextInteger(), 251);
    assert.deepEqual(await reservations(store), [[251, 350, 'gw-a']]);
  });

  it('keeps the first claim of a key', async () => {
    const index = await startedIndex(await eventStore(), readModels());
    const first = { sessionId: 'S-1', transactionId: '1' };
    assert.deepEqual(await index.claim('start|k', first), first);
    assert.deepEqual(await index.claim('start|k', { sessionId: 'S-2', transactionId: '2' }), first);
  });
});
