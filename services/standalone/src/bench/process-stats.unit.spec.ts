import assert from 'node:assert/strict';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cpuMs, rssBytes, writtenBytes } from './process-stats';

/** statfs type of tmpfs: its files never reach a block device, so they add no write_bytes. */
const TMPFS_MAGIC = 0x01021994;

describe('gateway bench: process statistics from /proc', () => {
  it('reads a process CPU time as the process itself counts it, for the whole process and its main thread', () => {
    const before = process.cpuUsage();
    const [whole, main] = [cpuMs(process.pid), cpuMs(process.pid, true)];
    const until = performance.now() + 300;
    while (performance.now() < until); // 300 ms of CPU on this, the main, thread
    const used = process.cpuUsage(before);
    const usedMs = (used.user + used.system) / 1000;
    // /proc counts in clock ticks of 10 ms.
    assert.ok(Math.abs(cpuMs(process.pid) - whole - usedMs) <= 40, `whole process: ${cpuMs(process.pid) - whole} vs ${usedMs} ms`);
    assert.ok(cpuMs(process.pid, true) - main >= 260, 'the busy loop ran on the main thread');
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
