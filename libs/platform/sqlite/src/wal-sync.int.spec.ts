import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from './index';
import { WalSync } from './wal-sync';

const dir = mkdtempSync(join(tmpdir(), 'roamgate-wal-sync-'));
after(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** A WAL-mode database with one committed (unsynced) row, so its -wal file exists. */
function committedDatabase() {
  const file = join(dir, `db-${files++}.sqlite`);
  const db = openDatabase(file, { synchronous: 'NORMAL' });
  db.exec('CREATE TABLE t (n INTEGER)');
  db.exec('INSERT INTO t VALUES (1)');
  return { file, db };
}

/** An fsync the test releases by hand, recording which file each call was given. */
function heldFsync() {
  const calls: { inode: number; release: () => void; fail: (error: Error) => void }[] = [];
  const fsync = async (handle: FileHandle) => {
    const { ino } = await handle.stat();
    await new Promise<void>((resolve, reject) => calls.push({ inode: ino, release: resolve, fail: reject }));
  };
  return { calls, fsync };
}

const settledSoon = async (promise: Promise<unknown>): Promise<boolean> => {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((resolve) => setTimeout(resolve, 20));
  return settled;
};

const waitForCalls = async (calls: readonly unknown[], count: number) => {
  for (let i = 0; i < 200 && calls.length < count; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(calls.length, count, `${count} sync(s) started`);
};

describe('WalSync', () => {
  it('syncs the database\'s -wal file, and resolves only once that sync is done', async () => {
    const { file, db } = committedDatabase();
    const { calls, fsync } = heldFsync();
    const sync = new WalSync(file, fsync);
    const durable = sync.durable();
    await waitForCalls(calls, 1);
    assert.equal(calls[0]!.inode, statSync(`${file}-wal`).ino, 'the WAL, not the database file');
    assert.equal(await settledSoon(durable), false, 'not before the sync finished');
    calls[0]!.release();
    await durable;
    await sync.close();
    db.close();
  });

  it('gives the calls made during a sync one next sync, started after the running one', async () => {
    const { file, db } = committedDatabase();
    const { calls, fsync } = heldFsync();
    const sync = new WalSync(file, fsync);
    const first = sync.durable();
    await waitForCalls(calls, 1);
    // Committed after the first sync started: it may not be in it.
    db.exec('INSERT INTO t VALUES (2)');
    const later = Array.from({ length: 10 }, () => sync.durable());
    assert.equal(new Set(later).size, 1, 'one shared promise');
    assert.equal(await settledSoon(later[0]!), false);
    assert.equal(calls.length, 1, 'the next sync waits for the running one');
    calls[0]!.release();
    await first;
    await waitForCalls(calls, 2);
    assert.equal(await settledSoon(later[0]!), false, 'the later calls wait for their own sync');
    calls[1]!.release();
    await Promise.all(later);
    assert.equal(calls.length, 2);
    await sync.close();
    db.close();
  });

  it('rejects the callers of a failed sync, and syncs again on the next call', async () => {
    const { file, db } = committedDatabase();
    const { calls, fsync } = heldFsync();
    const sync = new WalSync(file, fsync);
    const failing = sync.durable();
    await waitForCalls(calls, 1);
    calls[0]!.fail(new Error('EIO: i/o error, fdatasync'));
    await assert.rejects(failing, /EIO/);
    const retry = sync.durable();
    await waitForCalls(calls, 2);
    calls[1]!.release();
    await retry;
    await sync.close();
    db.close();
  });

  it('rejects when there is no WAL to sync, and closes after the syncs asked for', async () => {
    await assert.rejects(new WalSync(join(dir, 'never-opened.sqlite')).durable(), /ENOENT/);
    const { file, db } = committedDatabase();
    const { calls, fsync } = heldFsync();
    const sync = new WalSync(file, fsync);
    const durable = sync.durable();
    await waitForCalls(calls, 1);
    const closed = sync.close();
    assert.equal(await settledSoon(closed), false, 'close waits for the running sync');
    calls[0]!.release();
    await Promise.all([durable, closed]);
    await assert.rejects(sync.durable(), /closed/);
    db.close();
  });

  it('syncs a real WAL with fdatasync by default', async () => {
    const { file, db } = committedDatabase();
    const sync = new WalSync(file);
    await sync.durable();
    db.exec('INSERT INTO t VALUES (3)');
    await Promise.all([sync.durable(), sync.durable()]);
    await sync.close();
    db.close();
  });
});
