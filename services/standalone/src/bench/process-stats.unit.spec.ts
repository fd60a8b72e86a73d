import assert from 'node:assert/strict';
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cpuMs, machineCpu, rssBytes, writtenBytes } from './process-stats';

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

  it("reads the machine's busy, idle and stolen time from /proc/stat's aggregate line, in ms", () => {
    const stat = 'cpu  17858 5 7222 38557 781 10 907 17 3 0\ncpu0 8518 0 3224 20299 295 0 261 5 0 0\n';
    assert.deepEqual(machineCpu(stat), { busyMs: (17858 + 5 + 7222 + 10 + 907) * 10, idleMs: (38557 + 781) * 10, stealMs: 170 });
    assert.deepEqual(machineCpu('cpu 10 0 20 30\n'), { busyMs: 300, idleMs: 300, stealMs: 0 }, 'an old kernel without iowait and steal');
    assert.throws(() => machineCpu('cpu0 1 2 3 4\n'), /aggregate line/);
    assert.throws(() => machineCpu('cpu 1 x 3 4\n'), /aggregate line/);
  });

  it("counts this process's CPU in the machine's busy time", () => {
    const before = machineCpu();
    const start = process.cpuUsage();
    const giveUp = performance.now() + 30_000;
    while (msOf(process.cpuUsage(start)) < 300 && performance.now() < giveUp);
    const used = msOf(process.cpuUsage(start));
    const after = machineCpu();
    assert.ok(after.busyMs - before.busyMs >= used - 40, `machine busy ${after.busyMs - before.busyMs} ms, this process ${used} ms`);
    assert.ok(after.idleMs >= before.idleMs && after.stealMs >= before.stealMs);
  });
});
