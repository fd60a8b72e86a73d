import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { UnknownIndexError, type CollectionSpec, type Document, type ReadModelStore } from '../read-model-store.port';

export interface ReadModelStoreFixture {
  readonly store: ReadModelStore;
  readonly cleanup: () => Promise<void>;
}

/** A collection name unique to one test, so a shared server keeps tests apart. */
const uniqueName = (prefix: string): string => `${prefix}_${randomUUID().replaceAll('-', '')}`;

interface Charger extends Document {
  readonly status: string;
  readonly power: number;
  readonly public: boolean;
  readonly rank: number;
  readonly site: { readonly city?: string | null };
}

const chargers: readonly (readonly [string, Charger])[] = [
  ['cp-1', { status: 'available', power: 22, public: true, rank: 3, site: { city: 'Zürich' } }],
  ['cp-2', { status: 'charging', power: 50, public: true, rank: 1, site: { city: 'Bern' } }],
  ['cp-3', { status: 'available', power: 50, public: false, rank: 5, site: { city: 'Zürich' } }],
  ['cp-4', { status: 'faulted', power: 150, public: true, rank: 2, site: { city: 'Basel' } }],
  ['cp-5', { status: 'available', power: 11, public: true, rank: 6, site: { city: 'Zürich' } }],
  ['cp-6', { status: 'retired', power: 0, public: false, rank: 4, site: {} }],
];

const ids = (items: readonly { id: string }[]): string[] => items.map((item) => item.id);
const sortedIds = (items: readonly { id: string }[]): string[] => ids(items).sort();

const unknownIndex = (field: string) => (error: unknown) =>
  error instanceof UnknownIndexError && error.field === field;

/**
 * The behaviour every ReadModelStore adapter must show: revision-guarded writes (so replayed events
 * are harmless) and equality/sort/paging queries restricted to declared indexes.
 */
export function readModelStoreContract(adapterName: string, factory: () => Promise<ReadModelStoreFixture>): void {
  const withStore = async (test: (store: ReadModelStore) => Promise<void>): Promise<void> => {
    const { store, cleanup } = await factory();
    try {
      await test(store);
    } finally {
      await cleanup();
    }
  };

  const withChargers = (test: (store: ReadModelStore, collection: string) => Promise<void>) =>
    withStore(async (store) => {
      const collection = uniqueName('chargers');
      await store.ensureCollection({ name: collection, indexes: ['status', 'power', 'public', 'rank', 'site.city'] });
      for (const [id, data] of chargers) await store.upsert(collection, id, data, 1);
      await test(store, collection);
    });

  describe(`ReadModelStore contract: ${adapterName}`, () => {
    it('ensures a collection any number of times without losing documents', () =>
      withStore(async (store) => {
        const spec: CollectionSpec = { name: uniqueName('sessions'), indexes: ['status'] };
        await store.ensureCollection(spec);
        await store.ensureCollection(spec);
        await store.upsert(spec.name, 's-1', { status: 'active' }, 1);
        await store.ensureCollection(spec);

        assert.deepEqual(await store.get(spec.name, 's-1'), { id: 's-1', revision: 1, data: { status: 'active' } });
        assert.deepEqual(ids((await store.find(spec.name, { where: { status: 'active' } })).items), ['s-1']);
      }));

    it('inserts a new document and reads it back with its revision', () =>
      withStore(async (store) => {
        const collection = uniqueName('sessions');
        await store.ensureCollection({ name: collection, indexes: [] });

        assert.equal(await store.upsert(collection, 's-1', { kwh: '12.345', status: 'active' }, 3), true);
        assert.deepEqual(await store.get(collection, 's-1'), {
          id: 's-1',
          revision: 3,
          data: { kwh: '12.345', status: 'active' },
        });
      }));

    it('replaces a document with a higher revision', () =>
      withStore(async (store) => {
        const collection = uniqueName('sessions');
        await store.ensureCollection({ name: collection, indexes: ['status'] });
        await store.upsert(collection, 's-1', { status: 'active', kwh: '1.000' }, 1);

        assert.equal(await store.upsert(collection, 's-1', { status: 'completed' }, 2), true);
        assert.deepEqual(await store.get(collection, 's-1'), { id: 's-1', revision: 2, data: { status: 'completed' } });
        assert.deepEqual(ids((await store.find(collection, { where: { status: 'active' } })).items), []);
      }));

    it('ignores a write with an equal or lower revision, so replayed events change nothing', () =>
      withStore(async (store) => {
        const collection = uniqueName('sessions');
        await store.ensureCollection({ name: collection, indexes: ['status'] });
        await store.upsert(collection, 's-1', { status: 'completed' }, 5);

        assert.equal(await store.upsert(collection, 's-1', { status: 'replayed' }, 5), false);
        assert.equal(await store.upsert(collection, 's-1', { status: 'stale' }, 4), false);
        assert.deepEqual(await store.get(collection, 's-1'), { id: 's-1', revision: 5, data: { status: 'completed' } });
        assert.equal((await store.find(collection, { where: { status: 'stale' } })).total, 0);
      }));

    it('returns undefined for an unknown id', () =>
      withStore(async (store) => {
        const collection = uniqueName('sessions');
        await store.ensureCollection({ name: collection, indexes: [] });

        assert.equal(await store.get(collection, 'nope'), undefined);
      }));

    it('finds by equality on string, number, boolean and nested indexed fields', () =>
      withChargers(async (store, collection) => {
        const find = async (where: Record<string, string | number | boolean | null>) =>
          sortedIds((await store.find(collection, { where })).items);

        assert.deepEqual(await find({ status: 'available' }), ['cp-1', 'cp-3', 'cp-5']);
        assert.deepEqual(await find({ power: 50 }), ['cp-2', 'cp-3']);
        assert.deepEqual(await find({ public: false }), ['cp-3', 'cp-6']);
        assert.deepEqual(await find({ 'site.city': 'Zürich' }), ['cp-1', 'cp-3', 'cp-5']);
        assert.deepEqual(await find({ 'site.city': 'Zürich', public: true, status: 'available' }), ['cp-1', 'cp-5']);
        assert.deepEqual(await find({ 'site.city': null }), ['cp-6'], 'null matches a missing field');
        assert.deepEqual(await find({ power: '50' }), [], 'a string never equals a number');
        assert.deepEqual(await find({ status: 'unknown' }), []);
        assert.deepEqual(sortedIds((await store.find(collection)).items), ['cp-1', 'cp-2', 'cp-3', 'cp-4', 'cp-5', 'cp-6']);
      }));

    it('returns revisions and data with found documents', () =>
      withChargers(async (store, collection) => {
        await store.upsert(collection, 'cp-4', { ...chargers[3]![1], status: 'available' }, 7);

        const { items } = await store.find<Charger>(collection, { where: { power: 150 } });
        assert.deepEqual(items, [{ id: 'cp-4', revision: 7, data: { ...chargers[3]![1], status: 'available' } }]);
      }));

    it('sorts ascending and descending on an indexed field', () =>
      withChargers(async (store, collection) => {
        const asc = await store.find<Charger>(collection, { sort: { field: 'rank', direction: 'asc' } });
        const desc = await store.find<Charger>(collection, { sort: { field: 'power', direction: 'desc' } });
        const filtered = await store.find<Charger>(collection, {
          where: { status: 'available' },
          sort: { field: 'power', direction: 'asc' },
        });

        assert.deepEqual(ids(asc.items), ['cp-2', 'cp-4', 'cp-1', 'cp-6', 'cp-3', 'cp-5']);
        assert.deepEqual(
          desc.items.map((item) => item.data.power),
          [150, 50, 50, 22, 11, 0],
        );
        assert.deepEqual(ids(filtered.items), ['cp-5', 'cp-1', 'cp-3']);
      }));

    it('pages with offset and limit and reports the total of all matches', () =>
      withChargers(async (store, collection) => {
        const page = (offset: number, limit: number, where?: Record<string, string>) =>
          store.find(collection, { sort: { field: 'rank', direction: 'asc' }, offset, limit, ...(where ? { where } : {}) });

        const pages = await Promise.all([page(0, 2), page(2, 2), page(4, 2), page(6, 2)]);
        assert.deepEqual(
          pages.map((p) => ids(p.items)),
          [['cp-2', 'cp-4'], ['cp-1', 'cp-6'], ['cp-3', 'cp-5'], []],
        );
        assert.deepEqual(
          pages.map((p) => p.total),
          [6, 6, 6, 6],
        );
        const available = await page(1, 1, { status: 'available' });
        assert.deepEqual(ids(available.items), ['cp-3']);
        assert.equal(available.total, 3);
        const unlimited = await store.find(collection, { sort: { field: 'rank', direction: 'desc' }, offset: 4 });
        assert.deepEqual(ids(unlimited.items), ['cp-4', 'cp-2']);
      }));

    it('without a sort, pages in id order, which updates to the documents do not disturb', () =>
      withChargers(async (store, collection) => {
        const first = await store.find(collection, { limit: 3 });
        assert.deepEqual(ids(first.items), ['cp-1', 'cp-2', 'cp-3']);
        // An update that would move cp-2 to the end of any order by time or by a changed field.
        await store.upsert(collection, 'cp-2', { ...chargers.find(([id]) => id === 'cp-2')![1], status: 'charging', rank: 99 }, 2);
        const rest = await store.find(collection, { where: {}, offset: 3, limit: 3 });
        assert.deepEqual(ids(rest.items), ['cp-4', 'cp-5', 'cp-6']);
      }));

    it('lists the distinct values of an indexed field among the matching documents, keeping their JSON types', () =>
      withChargers(async (store, collection) => {
        const sorted = (values: unknown[]) => values.map((value) => JSON.stringify(value)).sort();
        assert.deepEqual(sorted(await store.distinct(collection, 'status')), sorted(['available', 'charging', 'faulted', 'retired']));
        assert.deepEqual(sorted(await store.distinct(collection, 'power', { status: 'available' })), sorted([22, 50, 11]));
        assert.deepEqual(sorted(await store.distinct(collection, 'public')), sorted([true, false]), 'booleans stay booleans');
        assert.deepEqual(sorted(await store.distinct(collection, 'site.city', { public: false })), sorted(['Zürich', null]), 'null for a missing field');
        assert.deepEqual(await store.distinct(collection, 'status', { status: 'unknown' }), []);
        await assert.rejects(store.distinct(collection, 'owner'), unknownIndex('owner'));
        await assert.rejects(store.distinct(collection, 'status', { owner: 'acme' }), unknownIndex('owner'));
      }));

    it('refuses to filter or sort on a field without an index', () =>
      withChargers(async (store, collection) => {
        await assert.rejects(store.find(collection, { where: { owner: 'acme' } }), unknownIndex('owner'));
        await assert.rejects(
          store.find(collection, { sort: { field: 'site.street', direction: 'asc' } }),
          unknownIndex('site.street'),
        );
      }));

    it('deletes only when the delete is newer than the stored revision', () =>
      withStore(async (store) => {
        const collection = uniqueName('commands');
        await store.ensureCollection({ name: collection, indexes: ['status'] });
        await store.upsert(collection, 'c-1', { status: 'accepted' }, 4);

        assert.equal(await store.delete(collection, 'c-1', 4), false);
        assert.equal(await store.delete(collection, 'c-1', 3), false);
        assert.equal((await store.get(collection, 'c-1'))?.revision, 4);
        assert.equal(await store.delete(collection, 'c-1', 5), true);
        assert.equal(await store.get(collection, 'c-1'), undefined);
        assert.equal((await store.find(collection, { where: { status: 'accepted' } })).total, 0);
        assert.equal(await store.delete(collection, 'c-1', 6), false);
        assert.equal(await store.delete(collection, 'never-stored', 1), false);
      }));

    it('keeps collections apart', () =>
      withStore(async (store) => {
        const [tariffs, cdrs] = [uniqueName('tariffs'), uniqueName('cdrs')];
        await store.ensureCollection({ name: tariffs, indexes: ['currency'] });
        await store.ensureCollection({ name: cdrs, indexes: ['currency'] });
        await store.upsert(tariffs, 'x-1', { currency: 'CHF', kind: 'tariff' }, 1);
        await store.upsert(cdrs, 'x-1', { currency: 'CHF', kind: 'cdr' }, 9);

        assert.deepEqual(await store.get(tariffs, 'x-1'), { id: 'x-1', revision: 1, data: { currency: 'CHF', kind: 'tariff' } });
        assert.deepEqual(await store.get(cdrs, 'x-1'), { id: 'x-1', revision: 9, data: { currency: 'CHF', kind: 'cdr' } });
        assert.equal((await store.find(tariffs, { where: { currency: 'CHF' } })).total, 1);
        assert.equal(await store.delete(cdrs, 'x-1', 10), true);
        assert.ok(await store.get(tariffs, 'x-1'));
      }));

    it('round-trips unicode and nested data', () =>
      withStore(async (store) => {
        const collection = uniqueName('locations');
        await store.ensureCollection({ name: collection, indexes: ['address.city'] });
        const data = {
          name: 'Gare de Genève ⚡ 東京駅 🚗',
          address: { city: 'Genève', street: 'Place de Cornavin 7', coordinates: { latitude: '46.2104', longitude: '6.1428' } },
          evses: [
            { uid: 'CH*RG*E1', connectors: [{ standard: 'IEC_62196_T2', maxPower: 22000 }] },
            { uid: 'CH*RG*E2', connectors: [] },
          ],
          openingTimes: null,
          chargingWhenClosed: false,
          quote: 'he said "ok" \\ \n done',
        };

        await store.upsert(collection, 'loc/1 ü', data, 1);
        assert.deepEqual(await store.get(collection, 'loc/1 ü'), { id: 'loc/1 ü', revision: 1, data });
        assert.deepEqual(ids((await store.find(collection, { where: { 'address.city': 'Genève' } })).items), ['loc/1 ü']);
      }));
  });
}
