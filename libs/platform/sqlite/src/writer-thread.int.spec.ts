import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { WriterThread } from './writer-thread';

const script = join(__dirname, 'fixtures', 'doubling-writer.worker.js');
const open = () => new WriterThread<number | 'fail' | 'exit', { doubled: number; batch: number }>(script, undefined, 'the test writer');

describe('writer thread', () => {
  it('answers each request by its id, the requests of one turn written together', async () => {
    const thread = open();
    const results = await Promise.all([1, 2, 3].map((n) => thread.write(n)));
    assert.deepEqual(results, [
      { doubled: 2, batch: 3 },
      { doubled: 4, batch: 3 },
      { doubled: 6, batch: 3 },
    ]);
    assert.deepEqual(await thread.write(21), { doubled: 42, batch: 1 });
    await thread.close();
  });

  it('rejects every request of a batch that failed, naming the writer, and goes on writing', async () => {
    const thread = open();
    const outcomes = await Promise.allSettled([thread.write(1), thread.write('fail')]);
    for (const outcome of outcomes) {
      assert.equal(outcome.status, 'rejected');
      assert.match(String((outcome as PromiseRejectedResult).reason), /the test writer failed: asked to fail/);
    }
    assert.deepEqual(await thread.write(5), { doubled: 10, batch: 1 });
    await thread.close();
  });

  it('writes what it was sent before it closes, and refuses writes after', async () => {
    const thread = open();
    const pending = thread.write(7);
    await thread.close();
    assert.deepEqual(await pending, { doubled: 14, batch: 1 });
    await assert.rejects(thread.write(1), /the test writer is closed/);
  });

  it('rejects what was in flight when the thread dies, and what comes after', async () => {
    const thread = open();
    await assert.rejects(thread.write('exit'), /the test writer stopped/);
    await assert.rejects(thread.write(1), /the test writer stopped/);
  });
});
