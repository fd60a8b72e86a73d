import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MessageLog } from './message-log';

const dir = mkdtempSync(join(tmpdir(), 'roamgate-message-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const message = (i: number) => ({ topic: 't', key: 'k', value: new TextEncoder().encode(String(i)), headers: {} });
const offsets = (log: MessageLog, from: number) => log.read('t', 0, from, 100).map((m) => m.offset);

describe('MessageLog tail', () => {
  it('keeps in memory only what a group that joined here has not consumed, and still reads the rest from the file', async () => {
    const log = new MessageLog(join(dir, 'tail.db'), 1);
    try {
      log.join('fast', 't');
      log.join('slow', 't');
      for (let i = 0; i < 5; i++) log.append([message(i)]);
      assert.equal(log.tailSize('t', 0), 5, 'nothing consumed yet');
      log.commit('fast', 't', 0, 5);
      log.commit('slow', 't', 0, 2);
      log.append([message(5)]);
      assert.equal(log.tailSize('t', 0), 4, 'offsets 2 to 5: the slow group reads from 2');
      log.commit('slow', 't', 0, 6);
      log.commit('fast', 't', 0, 6);
      log.append([message(6)]);
      assert.equal(log.tailSize('t', 0), 1, 'only the message just appended');
      assert.deepEqual(offsets(log, 0), [0, 1, 2, 3, 4, 5, 6]);
      assert.deepEqual(offsets(log, 6), [6]);
    } finally {
      await log.close();
    }
  });
});
