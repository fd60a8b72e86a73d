// Preloaded into the standalone process by the gateway load bench (`node -r .../loop-stats.js`): once a second, the
// main thread's event-loop delay (max and p99 over that second), its utilisation and the heap in use, one JSON line
// each to the file named by BENCH_LOOP_STATS_FILE. Worker threads load it too and do nothing.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

export interface LoopSample {
  /** Epoch ms at the end of the second. */
  readonly at: number;
  readonly maxDelayMs: number;
  readonly p99DelayMs: number;
  readonly utilization: number;
  readonly heapUsedMb: number;
}

const file = process.env['BENCH_LOOP_STATS_FILE'];
if (isMainThread && file !== undefined && file !== '') {
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  let last = performance.eventLoopUtilization();
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    const sample: LoopSample = {
      at: Date.now(),
      maxDelayMs: Math.round(delay.max / 1e6),
      p99DelayMs: Math.round(delay.percentile(99) / 1e6),
      utilization: Math.round(performance.eventLoopUtilization(now, last).utilization * 100) / 100,
      heapUsedMb: Math.round(process.memoryUsage().heapUsed / 1e5) / 10,
    };
    last = now;
    delay.reset();
    appendFileSync(file, `${JSON.stringify(sample)}\n`);
  }, 1_000).unref();
}
