import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from './index';
import { WalCheckpointer } from './wal-checkpointer';

const dir = mkdtempSync(join(tmpdir(), 'roamgate-wal-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (condition: () => boolean, what: string) => {
  for (let i = 0; i < 400 && !condition(); i++) await sleep(10);
  assert.ok(condition(), what);
};

/** A WAL-mode database that never checkpoints by itself, with ~2 MB committed to its WAL. */
function writtenDatabase(name: string) {
  const file = join(dir, name);
  const db = openDatabase(file, { synchronous: 'NORMAL' });
  db.exec('PRAGMA wal_autocheckpoint = 0');
  db.exec('CREATE TABLE t (n INTEGER, pad BLOB)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
  const write = (from: number) => {
    db.exec('BEGIN');
    for (let i = from; i < from + 500; i++) insert.run(i, Buffer.alloc(4_000));
    db.exec('COMMIT');
  };
  write(0);
  return { file, db, write };
}

describe('WalCheckpointer', () => {
  it('copies the WAL into the database file from its own thread, so the writer starts the WAL over', async () => {
    const { file, db, write } = writtenDatabase('checkpointed.sqlite');
    const walSize = statSync(`${file}-wal`).size;
    assert.ok(statSync(file).size < 100_000, 'nothing in the database file yet: the writer does not checkpoint');
    const checkpointer = new WalCheckpointer(file, { intervalMs: 20 });
    try {
      await until(() => statSync(file).size > 1_000_000, 'the checkpoint to reach the database file');
      // SQLite sizes the file before it copies: let that checkpoint, and the next ones, finish.
      await sleep(300);
      // The next commit starts at the beginning of the WAL instead of after what was checkpointed.
      write(500);
      assert.ok(statSync(`${file}-wal`).size <= walSize * 1.1, 'the WAL was reused, not grown');
      assert.equal((db.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n, 1_000);
    } finally {
      await checkpointer.close();
      db.close();
    }
  });

  it('reports a thread that stopped, so the caller can checkpoint by itself again, and still closes', async () => {
    let stopped: Error | undefined;
    const checkpointer = new WalCheckpointer(join(dir, 'no-such-dir', 'db.sqlite'), { onStopped: (error) => (stopped = error) });
    await until(() => stopped !== undefined, 'the failure to be reported');
    assert.match(stopped!.message, /WAL checkpointer of .*db\.sqlite (failed|stopped)/);
    await checkpointer.close();
  });

  it('closes without reporting a stop', async () => {
    const { file, db } = writtenDatabase('closed.sqlite');
    let stopped: Error | undefined;
    const checkpointer = new WalCheckpointer(file, { onStopped: (error) => (stopped = error) });
    await checkpointer.close();
    await checkpointer.close();
    assert.equal(stopped, undefined);
    db.close();
  });
});
