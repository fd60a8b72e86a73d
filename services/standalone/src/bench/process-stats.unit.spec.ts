import assert from 'node:assert/strict';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cpuMs, rssBytes, writtenBytes } from './process-stats';

/** statfs type of tmpfs: its files never reach a block device, so they add no write_bytes. */
const TMPFS_MAGIC = 0x01021994;

const msOf = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1000;

describe('gateway bench: process statistics from /proc', () => {
  it('reads a process CPU time as the process itself counts it, for the whole process and its main thread', () => {
    const [before, beforeThread] = [process.cpuUsage(), process.threadCpuUsage()];
    const [whole, main] = [cpuMs(process.pid), cpuMs(process.pid, true)];
    // 300 ms of CPU on this, the main, thread: counted in CPU time, not wall time, as a busy CI machine may run this
    // thread for only part of any wall-clock window.
    const giveUp = performance.now() + 30_000;
    while (msOf(process.threadCpuUsage(beforeThread)) < 300 && performance.now() < giveUp);
    const [usedMs, usedThreadMs] = [msOf(process.cpuUsage(before)), msOf(process.threadCpuUsage(beforeThread))];
    const [wholeMs, mainMs] = [cpuMs(process.pid) - whole, cpuMs(process.pid, true) - main];
    assert.ok(usedThreadMs >= 300, `the busy loop got ${usedThreadMs} ms of CPU in 30 s`);
    // /proc counts in clock ticks of 10 ms.
    assert.ok(Math.abs(wholeMs - usedMs) <= 40, `whole process: ${wholeMs} vs ${usedMs} ms`);
    assert.ok(Math.abs(mainMs - usedThreadMs) <= 40, `main thread: ${mainMs} vs ${usedThreadMs} ms`);
  });

  it('reads the resident set size', () => {
    const rss = rssBytes(process.pid);
    const reported = process.memoryUsage().rss;
    assert.ok(Math.abs(rss - reported) / reported < 0.1, `${rss} vs ${reported}`);
  });

  it('counts what the process wrote to storage, and gives NaN for a process it cannot read', (t) => {
    assert.ok(Number.isNaN(writtenBytes(2 ** 22 + 7)), 'no such process');
    const dir = mkdtempSync(join(tmpdir(), 'roamgate-process-stats-'));
    try {
      if (statfsSync(dir).type === TMPFS_MAGIC) {
        t.skip('the temporary directory is on tmpfs: nothing reaches storage');
        return;
      }
      const before = writtenBytes(process.pid);
      assert.ok(Number.isFinite(before) && before >= 0, String(before));
      const fd = openSync(join(dir, 'written'), 'w');
      writeSync(fd, Buffer.alloc(1 << 20, 1));
      fsyncSync(fd);
      closeSync(fd);
      assert.ok(writtenBytes(process.pid) - before >= 1 << 20);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
