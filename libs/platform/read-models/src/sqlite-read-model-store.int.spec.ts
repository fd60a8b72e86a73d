import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import type { FileHandle } from 'node:fs/promises';
import { openDatabase, WalSync } from '@roamgate/sqlite';
import { findAll } from './find-all';
import { openSqliteReadModelStore, SqliteReadModelStore } from './sqlite-read-model-store';
import { readModelStoreContract } from './testing/read-model-store.contract';

const dir = mkdtempSync(join(tmpdir(), 'roamgate-read-models-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const storeFile = () => join(dir, `${randomUUID()}.db`);

readModelStoreContract('sqlite, file', async () => {
  const store = openSqliteReadModelStore({ file: storeFile() });
  return { store, cleanup: () => store.close() };
});

describe('sqlite read-model store', () => {
  it('rejects collection names and index paths that are not plain identifiers', async () => {
    const store = openSqliteReadModelStore({ file: ':memory:' });
    for (const name of ['1st', 'a-b', 'x"; DROP TABLE y; --', '', 'sessions ']) {
      await assert.rejects(store.ensureCollection({ name, indexes: [] }), TypeError, name);
    }
    for (const path of ["a') OR 1=1 --", 'a..b', '.a', 'a.', 'a b']) {
      await assert.rejects(store.ensureCollection({ name: 'sessions', indexes: [path] }), TypeError, path);
    }
    await store.close();
  });

  it('filters and sorts through the expression indexes', async () => {
    const file = storeFile();
    const store = openSqliteReadModelStore({ file });
    await store.ensureCollection({ name: 'chargers', indexes: ['status', 'site.city'] });
    await store.close();

    const db = new DatabaseSync(file);
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((row) => row.detail).join('; ');
    assert.match(
      plan(`SELECT id FROM "rm_chargers" WHERE json_extract(keys, '$."site.city"') = 'Bern'`),
      /USING INDEX "?rm_chargers__site__city"?/,
    );
    assert.match(
      plan(`SELECT id FROM "rm_chargers" ORDER BY json_extract(keys, '$."status"') ASC`),
      /SCAN "?rm_chargers"? USING INDEX "?rm_chargers__status"?/,
    );
    db.close();
  });

  it('keeps documents and indexes across reopening, and drops indexes no longer declared', async () => {
    const file = storeFile();
    const first = openSqliteReadModelStore({ file });
    await first.ensureCollection({ name: 'tariffs', indexes: ['currency', 'partyId'] });
    await first.upsert('tariffs', 't-1', { currency: 'EUR', partyId: 'RGT' }, 1);
    await first.close();

    const second = openSqliteReadModelStore({ file });
    assert.equal((await second.find('tariffs', { where: { partyId: 'RGT' } })).total, 1, 'indexes known without ensureCollection');
    await second.ensureCollection({ name: 'tariffs', indexes: ['currency'] });
    await assert.rejects(second.find('tariffs', { where: { partyId: 'RGT' } }), { name: 'UnknownIndexError' });
    assert.equal((await second.find('tariffs', { where: { currency: 'EUR' } })).total, 1);
    await second.close();

    const db = new DatabaseSync(file);
    const indexes = db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'rm_tariffs' AND sql IS NOT NULL")
      .all()
      .map((row) => row['name']);
    db.close();
    assert.deepEqual(indexes, ['rm_tariffs__currency']);
  });

  it('takes over a collection written by an older version (indexes on the document itself)', async () => {
    const file = storeFile();
    const old = new DatabaseSync(file);
    old.exec(`
      CREATE TABLE read_model_collections (name TEXT PRIMARY KEY, indexes TEXT NOT NULL) STRICT;
      CREATE TABLE rm_sessions (id TEXT PRIMARY KEY, revision INTEGER NOT NULL, data TEXT NOT NULL) STRICT;
      CREATE INDEX rm_sessions__status ON rm_sessions (json_extract(data, '$.status'));
      CREATE INDEX rm_sessions__live ON rm_sessions (json_extract(data, '$.live'));
      INSERT INTO read_model_collections VALUES ('sessions', '["status","live"]');
      INSERT INTO rm_sessions VALUES ('s-1', 3, '{"status":"ACTIVE","live":true}'), ('s-2', 1, '{"status":"COMPLETED","live":1}');
    `);
    old.close();

    const store = openSqliteReadModelStore({ file });
    await store.ensureCollection({ name: 'sessions', indexes: ['status', 'live'] });
    assert.deepEqual((await store.find('sessions', { where: { status: 'ACTIVE' } })).items.map((d) => d.id), ['s-1']);
    assert.deepEqual((await store.find('sessions', { where: { live: true } })).items.map((d) => d.id), ['s-1'], 'a stored 1 is not true');
    assert.equal(await store.upsert('sessions', 's-1', { status: 'ACTIVE', live: true, meter: 5 }, 3), false, 'the revision guard holds');
    assert.equal(await store.upsert('sessions', 's-2', { status: 'ACTIVE', live: true }, 2), true);
    assert.deepEqual((await store.find('sessions', { where: { status: 'ACTIVE' }, sort: { field: 'status', direction: 'asc' } })).total, 2);
    await store.close();

    const db = new DatabaseSync(file);
    const sqls = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'rm_sessions' AND sql IS NOT NULL").all().map((row) => String(row['sql']));
    db.close();
    assert.equal(sqls.length, 2);
    assert.ok(sqls.every((sql) => sql.includes('json_extract(keys,')), sqls.join('; '));
  });

  it('refuses two collection names that differ only in case', async () => {
    const store = openSqliteReadModelStore({ file: ':memory:' });
    await store.ensureCollection({ name: 'Sessions', indexes: [] });
    await assert.rejects(store.ensureCollection({ name: 'sessions', indexes: [] }), /clashes/);
    await store.close();
  });
});

describe('sqlite read-model store group commit', () => {
  it('commits the writes of one event-loop turn together, in call order, each with its own outcome', async () => {
    const file = storeFile();
    const store = openSqliteReadModelStore({ file });
    await store.ensureCollection({ name: 'sessions', indexes: [] });
    await store.upsert('sessions', 'old', { n: 0 }, 5);
    // The store's own reads: the file is opened exclusively, so no other connection can look.
    const visible = async () => (await store.find('sessions')).total;
    try {
      const seenAtFirstResolve: number[] = [];
      const writes = Array.from({ length: 200 }, (_, i) => store.upsert('sessions', `s-${i}`, { n: i }, 1));
      void writes[0]!.then(async () => seenAtFirstResolve.push(await visible()));
      const outcomes = Promise.all([
        store.upsert('sessions', 'twice', { n: 1 }, 2),
        store.upsert('sessions', 'twice', { n: 2 }, 1),
        store.upsert('sessions', 'old', { n: 1 }, 4),
        store.delete('sessions', 'old', 6),
        store.upsert('sessions', 'old', { n: 7 }, 7),
      ]);
      await Promise.resolve();
      assert.equal(await visible(), 1, 'nothing is committed before the turn ends');
      assert.deepEqual(new Set(await Promise.all(writes)), new Set([true]));
      assert.deepEqual(await outcomes, [true, false, false, true, true]);
      assert.deepEqual(seenAtFirstResolve, [202], 'all writes were visible when the first resolved');
      assert.deepEqual((await store.get('sessions', 'twice'))?.data, { n: 1 });
      assert.deepEqual(await store.get('sessions', 'old'), { id: 'old', revision: 7, data: { n: 7 } });
    } finally {
      await store.close();
    }
  });

  it('keeps its file to itself: another connection cannot read it while the store is open', async () => {
    const file = storeFile();
    const store = openSqliteReadModelStore({ file });
    await store.ensureCollection({ name: 'sessions', indexes: [] });
    await store.upsert('sessions', 's-1', { n: 1 }, 1);
    const other = new DatabaseSync(file, { readOnly: true });
    try {
      other.exec('PRAGMA busy_timeout = 0');
      assert.throws(() => other.prepare('SELECT count(*) AS n FROM rm_sessions').get(), /locked/);
      assert.throws(() => openSqliteReadModelStore({ file, busyTimeoutMs: 0 }), /in use by another process/);
      await store.close();
      assert.equal((other.prepare('SELECT count(*) AS n FROM rm_sessions').get() as { n: number }).n, 1, 'readable once the store closed');
    } finally {
      other.close();
    }
  });

  it('commits writes still waiting for their turn when the store closes', async () => {
    const file = storeFile();
    const store = openSqliteReadModelStore({ file });
    await store.ensureCollection({ name: 'sessions', indexes: [] });
    const written = store.upsert('sessions', 's-1', { n: 1 }, 1);
    await store.close();
    assert.equal(await written, true);
    await assert.rejects(store.upsert('sessions', 's-2', { n: 1 }, 1));
    const reopened = openSqliteReadModelStore({ file });
    assert.deepEqual((await reopened.get('sessions', 's-1'))?.data, { n: 1 });
    await reopened.close();
  });
});

describe('sqlite read-model store durability', () => {
  /** The store as openSqliteReadModelStore makes it, with a WAL sync the test releases by hand. */
  function heldStore() {
    const file = storeFile();
    const syncs: { release: () => void; fail: (error: Error) => void }[] = [];
    const fsync = (_handle: FileHandle) => new Promise<void>((release, fail) => syncs.push({ release, fail }));
    const store = new SqliteReadModelStore(openDatabase(file, { synchronous: 'NORMAL', exclusive: true }), new WalSync(file, fsync));
    return { store, syncs };
  }
  const settledWithin = async (promise: Promise<unknown>, ms: number) => {
    let settled = false;
    promise.then(() => (settled = true), () => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, ms));
    return settled;
  };

  it('resolves a write once its commit is synced to disk; reads see it from the commit', async () => {
    const { store, syncs } = heldStore();
    await store.ensureCollection({ name: 'sessions', indexes: [] });
    const written = store.upsert('sessions', 's-1', { n: 1 }, 1);
    assert.equal(await settledWithin(written, 30), false, 'not before the WAL is synced');
    assert.equal(syncs.length, 1);
    assert.deepEqual((await store.get('sessions', 's-1'))?.data, { n: 1 }, 'committed already');
    // Writes committed while that sync runs wait for the next one, and share it.
    const later = [store.upsert('sessions', 's-2', { n: 2 }, 1), store.delete('sessions', 's-1', 2)];
    await new Promise((resolve) => setImmediate(resolve));
    syncs[0]!.release();
    assert.equal(await written, true);
    assert.equal(await settledWithin(Promise.all(later), 30), false, 'the later writes need a sync of their own');
    assert.equal(syncs.length, 2);
    syncs[1]!.release();
    assert.deepEqual(await Promise.all(later), [true, true]);
    const closed = store.close();
    await closed;
  });

  it('rejects the writes whose sync failed, naming why', async () => {
    const { store, syncs } = heldStore();
    await store.ensureCollection({ name: 'sessions', indexes: [] });
    const written = store.upsert('sessions', 's-1', { n: 1 }, 1);
    while (syncs.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    syncs[0]!.fail(new Error('EIO: i/o error, fdatasync'));
    await assert.rejects(written, /read-model commit not known to be on disk: EIO/);
    await store.close();
  });
});

describe('findAll', () => {
  it('yields every match in query order, a page at a time, and reads no further page once left', async () => {
    const store = openSqliteReadModelStore({ file: ':memory:' });
    await store.ensureCollection({ name: 'sessions', indexes: ['status', 'n'] });
    for (let n = 0; n < 7; n++) await store.upsert('sessions', `s-${n}`, { status: n === 3 ? 'DONE' : 'ACTIVE', n }, 1);
    let pages = 0;
    const counting = { find: (collection: string, query?: object) => (pages++, store.find(collection, query)) } as Parameters<typeof findAll>[0];
    const all: number[] = [];
    for await (const doc of findAll<{ n: number }>(counting, 'sessions', { where: { status: 'ACTIVE' }, sort: { field: 'n', direction: 'desc' } }, 2)) all.push(doc.data.n);
    assert.deepEqual(all, [6, 5, 4, 2, 1, 0]);
    assert.equal(pages, 4, 'three full pages and the empty one that ends them');
    pages = 0;
    for await (const doc of findAll<{ n: number }>(counting, 'sessions', {}, 2)) if (doc.data.n === 1) break;
    assert.equal(pages, 1);
    await store.close();
  });
});

