import { waitFor } from '@roamgate/runtime/testing';
import { Outbox } from '../ocpi/push/outbox';
import { startBenchConnector } from './bench-connector';

// Push throughput of the durable outbox to a local partner endpoint (the simulated eMSP's tariffs receiver), beside
// plain HTTP PUTs with fetch to the same endpoint in the same run. The baseline keeps OCPI_PUSH_CONCURRENCY requests
// in flight, latency from request to response. The outbox is fed one object after the other as fast as enqueue
// returns (as a bus consumer feeds it: each entry is durably appended before the call returns) and delivers with
// the same concurrency; latency is from the enqueue call to the recorded OcpiPushDelivered, queue wait included.
//   node services/ocpi-connector/dist/bench/push.bench.js    (or npm run bench -- push)

const OBJECTS = Number(process.env.BENCH_PUSH_OBJECTS ?? 2_000);
const CONCURRENCY = Number(process.env.OCPI_PUSH_CONCURRENCY ?? 8);

interface Result {
  readonly objects: number;
  readonly seconds: number;
  readonly objectsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

const tariff = (id: string) => ({
  country_code: 'NL',
  party_id: 'RGT',
  id,
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, vat: 21, step_size: 1 }] }],
  last_updated: '2025-01-01T00:00:00Z',
});

function summary(latencies: number[], startedAt: number, endedAt: number): Result {
  const sorted = [...latencies].sort((a, b) => a - b);
  const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const seconds = (endedAt - startedAt) / 1000;
  return { objects: latencies.length, seconds: round(seconds), objectsPerSecond: Math.round(latencies.length / seconds), p50Ms: round(percentile(50)), p99Ms: round(percentile(99)) };
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
const ratio = (a: number, b: number): number => Math.round((a / b) * 100) / 100;

async function main(): Promise<void> {
  Object.assign(process.env, { OCPI_PUSH_POLL_MS: '20', OCPI_PUSH_CONCURRENCY: String(CONCURRENCY) });
  const { app, emsp, close } = await startBenchConnector();
  try {
    const endpoint = emsp.urls.module('tariffs');
    const authorization = `Token ${Buffer.from(emsp.partner!.inboundToken).toString('base64')}`;

    // Baseline: the same PUTs, straight from fetch, CONCURRENCY at a time.
    const baselineLatencies: number[] = [];
    const baselineStart = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < OBJECTS) {
          const id = `B-${next++}`;
          const sentAt = performance.now();
          const response = await fetch(`${endpoint}/NL/RGT/${id}`, {
            method: 'PUT',
            headers: { authorization, 'content-type': 'application/json' },
            body: JSON.stringify(tariff(id)),
          });
          await response.arrayBuffer();
          if (!response.ok) throw new Error(`baseline PUT ${id}: HTTP ${response.status}`);
          baselineLatencies.push(performance.now() - sentAt);
        }
      }),
    );
    const baseline = summary(baselineLatencies, baselineStart, performance.now());

    // The outbox: every PUT queued durably, delivered in the background, each outcome an event.
    const outbox = app.get(Outbox, { strict: false });
    const queuedAt = new Map<string, number>();
    const outboxLatencies: number[] = [];
    let lastAck = 0;
    outbox.onOutcome('tariffs', async ({ entry, event }) => {
      const at = queuedAt.get(entry.objectId);
      if (event.type !== 'OcpiPushDelivered' || at === undefined) return;
      queuedAt.delete(entry.objectId);
      lastAck = performance.now();
      outboxLatencies.push(lastAck - at);
    });
    const outboxStart = performance.now();
    for (let i = 0; i < OBJECTS; i++) {
      const id = `O-${i}`;
      queuedAt.set(id, performance.now());
      await outbox.enqueue({ partnerId: 'NL-EMS', module: 'tariffs', objectId: id, method: 'PUT', path: `/NL/RGT/${id}`, body: tariff(id), sourceEventId: `bench|${id}` });
    }
    const enqueuedIn = performance.now() - outboxStart;
    await waitFor(() => (outboxLatencies.length >= OBJECTS ? true : undefined), 'every queued push acknowledged', 600_000);
    const pushed = summary(outboxLatencies, outboxStart, lastAck);

    console.log(`push of ${OBJECTS} tariff PUTs to a local partner endpoint, concurrency ${CONCURRENCY}`);
    console.log(`  fetch PUTs (baseline)   ${baseline.objectsPerSecond} objects/s  p50 ${baseline.p50Ms} ms  p99 ${baseline.p99Ms} ms request->response`);
    console.log(
      `  durable outbox          ${pushed.objectsPerSecond} objects/s (x${ratio(pushed.objectsPerSecond, baseline.objectsPerSecond)})  ` +
        `p50 ${pushed.p50Ms} ms  p99 ${pushed.p99Ms} ms queue->ack (enqueueing ${OBJECTS} took ${round(enqueuedIn)} ms)`,
    );
    console.log(
      JSON.stringify({
        bench: 'ocpi-push',
        results: {
          objects: OBJECTS,
          concurrency: CONCURRENCY,
          fetchBaseline: baseline,
          outbox: { ...pushed, enqueueMs: round(enqueuedIn) },
          throughputRatio: ratio(pushed.objectsPerSecond, baseline.objectsPerSecond),
        },
      }),
    );
  } finally {
    await close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
