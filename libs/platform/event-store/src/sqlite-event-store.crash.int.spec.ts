import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openDatabase } from '@roamgate/sqlite';
import type { RecordedEvent } from './event-store.port';
import { openSqliteEventStore } from './sqlite-event-store';
import { spawnNode, waitFor } from './testing';

interface Ack {
  readonly stream: string;
  readonly lastRevision: number;
  readonly ids: readonly string[];
}

const parseAck = (line: string): Ack => {
  const [word, stream, lastRevision, ids] = line.split(' ');
  assert.equal(word, 'ack', `unexpected line ${line}`);
  return { stream: stream!, lastRevision: Number(lastRevision), ids: ids!.split(',') };
};

describe('sqlite event store killed mid-append', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-event-store-crash-'));
  const file = join(dir, 'events.sqlite');
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged event, in order, without revision gaps, across SIGKILLs', async () => {
    const acks: Ack[] = [];
    const kills = [300, 450];
    for (const killAfter of kills) {
      const writer = spawnNode(join(__dirname, 'testing/fixtures/append-loop.js'), [file, '5']);
      await waitFor(`${killAfter} acks`, () => writer.lines.length >= killAfter, { timeoutMs: 30_000 });
      writer.child.kill('SIGKILL');
      assert.equal((await writer.exited).signal, 'SIGKILL', writer.stderr());
      acks.push(...writer.lines.map(parseAck));
    }

    const db = openDatabase(file);
    assert.equal((db.prepare('PRAGMA integrity_check').get() as { integrity_check: string }).integrity_check, 'ok');
    db.close();

    const store = await openSqliteEventStore({ file });
    try {
      const all = await store.readAll();
      const byStream = new Map<string, RecordedEvent[]>();
      for (const e of all) {
        const recorded = byStream.get(e.streamId) ?? [];
        recorded.push(e);
        byStream.set(e.streamId, recorded);
      }
      for (const [stream, recorded] of byStream) {
        assert.deepEqual(
          recorded.map((e) => e.revision),
          recorded.map((_, i) => i),
          `${stream}: revisions 0..n-1 in position order`,
        );
      }
      for (const ack of acks) {
        const recorded = byStream.get(ack.stream) ?? [];
        const first = ack.lastRevision - ack.ids.length + 1;
        assert.deepEqual(
          recorded.slice(first, ack.lastRevision + 1).map((e) => e.id),
          ack.ids,
          `acknowledged batch ending at ${ack.stream}@${ack.lastRevision}`,
        );
      }
      const acked = acks.reduce((n, a) => n + a.ids.length, 0);
      assert.ok(all.length >= acked);
      assert.ok(all.length - acked <= 13 * kills.length, 'at most one unacknowledged batch per kill');
      assert.ok(acks.length >= kills.reduce((a, b) => a + b), `${acks.length} acks`);
    } finally {
      await store.close();
    }
  });
});
