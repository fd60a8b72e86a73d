import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openInProcessBus } from '../in-process-bus';
import { waitFor } from '../testing/wait-for';

// Publish-to-handler latency of the in-process bus on a file, one message at a time with a short
// gap (the relay's steady state), beside the cheapest asynchronous hand-off Node offers.
//   node libs/platform/bus/dist/bench/bus.bench.js

const MESSAGES = 2_000;
const WARMUP = 200;
const GAP_MS = 1;

interface Latencies {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

interface Channel {
  send(index: number): Promise<void>;
  close(): Promise<void>;
}

async function measure(open: (received: (index: number) => void) => Promise<Channel>): Promise<Latencies> {
  const sentAt = new Float64Array(WARMUP + MESSAGES);
  const latency = new Float64Array(WARMUP + MESSAGES);
  let received = 0;
  const channel = await open((index) => {
    latency[index] = performance.now() - sentAt[index]!;
    received++;
  });
  for (let index = 0; index < WARMUP + MESSAGES; index++) {
    sentAt[index] = performance.now();
    await channel.send(index);
    await sleep(GAP_MS);
  }
  await waitFor(() => received === WARMUP + MESSAGES, 'every message', 60_000);
  await channel.close();
  const sorted = Array.from(latency.subarray(WARMUP)).sort((a, b) => a - b);
  const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { p50Ms: round(percentile(50)), p99Ms: round(percentile(99)) };
}

const eventEmitter = async (received: (index: number) => void): Promise<Channel> => {
  const emitter = new EventEmitter();
  emitter.on('message', received);
  return {
    send: async (index) => void setImmediate(() => emitter.emit('message', index)),
    close: async () => void emitter.removeAllListeners(),
  };
};

const inProcessBus =
  (dir: string, publishSynchronous: 'FULL' | 'NORMAL') =>
  async (received: (index: number) => void): Promise<Channel> => {
    const bus = openInProcessBus({ file: join(dir, `bus-${publishSynchronous}.db`), publishSynchronous });
    const decoder = new TextDecoder();
    await bus.subscribe({
      group: 'bench',
      topics: ['sessions'],
      handler: async (message) => received(Number(decoder.decode(message.value))),
    });
    const encoder = new TextEncoder();
    return {
      send: (index) => bus.publish([{ topic: 'sessions', key: `session-${index % 16}`, value: encoder.encode(String(index)) }]),
      close: () => bus.close(),
    };
  };

const round = (ms: number): number => Math.round(ms * 1000) / 1000;
const ratio = (a: number, b: number): number => Math.round((a / b) * 10) / 10;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-bus-bench-'));
  try {
    const baseline = await measure(eventEmitter);
    const full = await measure(inProcessBus(dir, 'FULL'));
    const normal = await measure(inProcessBus(dir, 'NORMAL'));

    console.log(`publish-to-handler latency, ${MESSAGES} messages one at a time, ${GAP_MS} ms apart`);
    console.log(`  EventEmitter via setImmediate     p50 ${baseline.p50Ms} ms  p99 ${baseline.p99Ms} ms`);
    for (const [name, result] of [
      ['in-process bus, file, FULL  ', full],
      ['in-process bus, file, NORMAL', normal],
    ] as const) {
      console.log(
        `  ${name}      p50 ${result.p50Ms} ms (x${ratio(result.p50Ms, baseline.p50Ms)})  p99 ${result.p99Ms} ms (x${ratio(result.p99Ms, baseline.p99Ms)})`,
      );
    }
    console.log(
      JSON.stringify({
        bench: 'bus',
        results: {
          messages: MESSAGES,
          gapMs: GAP_MS,
          eventEmitter: baseline,
          inProcessFileFull: full,
          inProcessFileNormal: normal,
          ratioFullP50: ratio(full.p50Ms, baseline.p50Ms),
          ratioFullP99: ratio(full.p99Ms, baseline.p99Ms),
          ratioNormalP50: ratio(normal.p50Ms, baseline.p50Ms),
          ratioNormalP99: ratio(normal.p99Ms, baseline.p99Ms),
        },
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
