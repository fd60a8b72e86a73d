import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadModelBatch, ReadModelBatchConflictError } from './read-model-batch';
import { openSqliteReadModelStore } from './sqlite-read-model-store';

const opened = async () => {
  const store = openSqliteReadModelStore({ file: ':memory:' });
  await store.ensureCollection({ name: 'chargers', indexes: [] });
  await store.ensureCollection({ name: 'messages', indexes: [] });
  return store;
};

describe('ReadModelBatch', () => {
  it('reads its own writes, guards revisions like the store, and writes nothing before commit', async () => {
    const store = await opened();
    await store.upsert('chargers', 'CP1', { status: 'Available' }, 3);
    const batch = new ReadModelBatch(store);
    assert.equal(await batch.upsert('chargers', 'CP1', { status: 'Stale' }, 3), false, 'an equal revision is refused');
    assert.equal(await batch.upsert('chargers', 'CP1', { status: 'Charging' }, 4), true);
    assert.equal(await batch.upsert('chargers', 'CP1', { status: 'Finishing' }, 5), true);
    assert.equal(await batch.upsert('chargers', 'CP1', { status: 'Late' }, 4), false, 'lower than the batch’s own write');
    assert.equal(await batch.upsert('messages', 'CP1', { frame: '[2]' }, 0), true, 'collections are apart');
    assert.deepEqual(await batch.get('chargers', 'CP1'), { id: 'CP1', revision: 5, data: { status: 'Finishing' } });
    assert.deepEqual((await store.get('chargers', 'CP1'))?.data, { status: 'Available' });
    assert.equal(batch.size, 2);

    await batch.commit();
    assert.deepEqual(await store.get('chargers', 'CP1'), { id: 'CP1', revision: 5, data: { status: 'Finishing' } });
    assert.deepEqual(await store.get('messages', 'CP1'), { id: 'CP1', revision: 0, data: { frame: '[2]' } });
    assert.equal(batch.size, 0);
    await store.close();
  });

  it('fails the commit, naming the documents, when another writer got a document further meanwhile', async () => {
    const store = await opened();
    const batch = new ReadModelBatch(store);
    await batch.upsert('chargers', 'CP1', { by: 'batch' }, 1);
    await batch.upsert('chargers', 'CP2', { by: 'batch' }, 1);
    await store.upsert('chargers', 'CP1', { by: 'other' }, 1);
    await assert.rejects(batch.commit(), (error) => {
      assert.ok(error instanceof ReadModelBatchConflictError);
      assert.deepEqual(error.refused, [{ collection: 'chargers', id: 'CP1' }]);
      return true;
    });
    assert.deepEqual((await store.get('chargers', 'CP1'))?.data, { by: 'other' });
    assert.deepEqual((await store.get('chargers', 'CP2'))?.data, { by: 'batch' });
    await store.close();
  });

  it('reads each document from the store at most once, absent ones included', async () => {
    const store = await opened();
    await store.upsert('chargers', 'CP1', { status: 'Available' }, 1);
    const asked: string[] = [];
    const counting = Object.create(store, {
      get: { value: (collection: string, id: string) => (asked.push(`${collection}/${id}`), store.get(collection, id)) },
    }) as typeof store;
    const batch = new ReadModelBatch(counting);
    await batch.get('chargers', 'CP1');
    await batch.upsert('chargers', 'CP1', { status: 'Charging' }, 2);
    await batch.get('messages', 'm-1');
    await batch.upsert('messages', 'm-1', { frame: '[2]' }, 0);
    await batch.get('messages', 'm-1');
    assert.deepEqual(asked, ['chargers/CP1', 'messages/m-1']);
    await batch.commit();
    await store.close();
  });
});
