// Preloaded into the standalone process by the gateway load bench (`node -r .../loop-stats.js`): once a second, the
// main thread's event-loop delay (max and p99 over that second), its utilisation, the heap in use, what the old
// generation grew by and the garbage collections of that second, one JSON line each to the file named by
// BENCH_LOOP_STATS_FILE. Worker threads load it too and do nothing.
import { appendFileSync } from 'node:fs';
import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { isMainThread } from 'node:worker_threads';

export interface LoopSample {
  /** Epoch ms at the end of the second. */
  readonly at: number;
  readonly maxDelayMs: number;
  readonly p99DelayMs: number;
  readonly utilization: number;
  readonly heapUsedMb: number;
  /**
   * What the old generation's spaces grew by in that second, summed over 100 ms steps (a step in which a space
   * shrank, a major collection, adds nothing for it): what scavenges promoted plus what was allocated there directly.
   */
  readonly oldGrownMb: number;
  readonly scavenges: number;
  readonly scavengeMs: number;
  readonly majors: number;
  readonly majorMaxMs: number;
}

/** V8's old-generation spaces (the young generation is new_space and new_large_object_space). */
const OLD_SPACES = new Set(['old_space', 'large_object_space', 'code_space', 'code_large_object_space', 'trusted_space', 'trusted_large_object_space', 'shared_space']);

const file = process.env['BENCH_LOOP_STATS_FILE'];
if (isMainThread && file !== undefined && file !== '') {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let last = performance.eventLoopUtilization();
  const used = new Map<string, number>();
  let oldGrown = 0;
  const gc = { scavenges: 0, scavengeMs: 0, majors: 0, majorMaxMs: 0 };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { readonly detail?: { readonly kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        gc.scavenges += 1;
        gc.scavengeMs += entry.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.majors += 1;
        gc.majorMaxMs = Math.max(gc.majorMaxMs, entry.duration);
      }
    }
  }).observe({ entryTypes: ['gc'] });
  setInterval(() => {
    for (const space of getHeapSpaceStatistics()) {
      if (!OLD_SPACES.has(space.space_name)) continue;
      const before = used.get(space.space_name);
      if (before !== undefined && space.space_used_size > before) oldGrown += space.space_used_size - before;
      used.set(space.space_name, space.space_used_size);
    }
  }, 100).unref();
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const sample: LoopSample = {
      at: Date.now(),
      maxDelayMs: Math.round(delay.max / 1e6),
      p99DelayMs: Math.round(delay.percentile(99) / 1e6),
      utilization: Math.round(performance.eventLoopUtilization(now, last).utilization * 100) / 100,
      heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e5) / 10,
      oldGrownMb: Math.round(oldGrown / 1e4) / 100,
      scavenges: gc.scavenges,
      scavengeMs: Math.round(gc.scavengeMs * 10) / 10,
      majors: gc.majors,
      majorMaxMs: Math.round(gc.majorMaxMs * 10) / 10,
    };
    last = now;
    oldGrown = 0;
    Object.assign(gc, { scavenges: 0, scavengeMs: 0, majors: 0, majorMaxMs: 0 });
    delay.reset();
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
  }, 1_000).unref();
}
