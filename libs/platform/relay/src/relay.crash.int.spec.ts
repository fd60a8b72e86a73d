import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openSqliteEventStore } from '@roamgate/event-store';
import { spawnNode, waitFor, type NodeChild } from '@roamgate/event-store/testing';

interface SinkLine {
  readonly run: string;
  readonly key: string;
  readonly id: string;
  readonly position: number;
}

const N = 600;
const STREAMS = 6;

describe('relay killed mid-relay', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-relay-crash-'));
  const storeFile = join(dir, 'events.sqlite');
  const sinkFile = join(dir, 'sink.jsonl');
  const children: NodeChild[] = [];
  after(async () => {
    for (const c of children) c.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    rmSync(dir, { recursive: true, force: true });
  });

  const sink = (): SinkLine[] =>
    existsSync(sinkFile)
      ? readFileSync(sinkFile, 'utf8')
          .split('\n')
          .filter((line) => line.endsWith('}'))
          .map((line) => JSON.parse(line) as SinkLine)
      : [];

  const startRelayProcess = async (run: string, batchSize: number) => {
    const child = spawnNode(join(__dirname, 'testing/fixtures/relay-to-file.js'), [storeFile, sinkFile, run, String(batchSize)]);
    children.push(child);
    assert.equal(await child.nextLine(), 'ready');
    return child;
  };

  for (const batchSize of [1, 25]) {
    it(`publishes every event at least once, in order per key, resuming from the checkpoint (batches of ${batchSize})`, async () => {
      rmSync(storeFile, { force: true });
      rmSync(`${storeFile}-wal`, { force: true });
      rmSync(`${storeFile}-shm`, { force: true });
      rmSync(sinkFile, { force: true });
      const store = await openSqliteEventStore({ file: storeFile });
      try {
        const first = await startRelayProcess('1', batchSize);
        for (let batch = 0; batch < N / 10; batch++) {
          const stream = `charger-${batch % STREAMS}`;
          const events = Array.from({ length: 10 }, (_, i) => ({ id: randomUUID(), type: 'Relayed', data: { batch, i } }));
          const previousBatches = Math.floor(batch / STREAMS);
          await store.append(stream, events, { expectedRevision: previousBatches === 0 ? 'no_stream' : previousBatches * 10 - 1 });
        }
        await waitFor('150 published', () => sink().length >= 150, { timeoutMs: 20_000 });
        first.child.kill('SIGKILL');
        await first.exited;
        const beforeRestart = sink();
        assert.ok(beforeRestart.length < N, `the relay finished all ${N} before the kill; the test proves nothing`);
        const checkpoint = await store.getCheckpoint('relay');

        const second = await startRelayProcess('2', batchSize);
        await waitFor(`all ${N} published`, () => new Set(sink().map((l) => l.id)).size === N, { timeoutMs: 30_000 });
        second.child.kill('SIGKILL');
        await second.exited;

        const all = await store.readAll();
        const lines = sink();
        assert.deepEqual(new Set(lines.map((l) => l.id)), new Set(all.map((e) => e.id)));
        for (const run of ['1', '2']) {
          const byKey = new Map<string, number[]>();
          for (const l of lines.filter((l) => l.run === run)) {
            const positions = byKey.get(l.key) ?? [];
            positions.push(l.position);
            byKey.set(l.key, positions);
          }
          for (const [key, positions] of byKey) {
            positions.slice(1).forEach((p, i) => assert.ok(p > positions[i]!, `run ${run}, ${key}: ${p} after ${positions[i]}`));
          }
        }

        const run1 = lines.filter((l) => l.run === '1');
        const run2 = lines.filter((l) => l.run === '2');
        const lastOfRun1 = run1.at(-1)!.position;
        const indexOf = (position: number) => all.findIndex((e) => e.position === position);
        const behind = indexOf(lastOfRun1) - indexOf(checkpoint);
        assert.ok(
          behind >= 0 && behind <= batchSize,
          `checkpoint ${checkpoint} is the last published event (${lastOfRun1}) or ends the batch before the one in flight`,
        );
        assert.equal(run2[0]!.position, all[indexOf(checkpoint) + 1]!.position, 'the restart resumed after the checkpoint');
        const republished = run2.filter((l) => run1.some((r) => r.id === l.id));
        assert.ok(republished.length <= batchSize, `${republished.length} republished; at most the batch in flight at the kill`);
      } finally {
        await store.close();
      }
    });
  }
});
