// Append throughput of the SQLite event store against plain node:sqlite inserts of the same rows,
// both with WAL and synchronous FULL, with the UUIDv7 event ids Roamgate generates. Run: node libs/platform/event-store/dist/bench/event-store.bench.js
import { randomUUID } from 'node:crypto';
import { newEventId } from '../event-id';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { immediateTransaction, openDatabase } from '@roamgate/sqlite';
import type { NewEvent } from '../event-store.port';
import { openSqliteEventStore } from '../sqlite-event-store';

const BATCH = 100;
const STREAMS = 1000;

const anEvent = (n: number): NewEvent => ({
  id: newEventId(),
  type: 'MeterValuesReported',
  data: { chargePointId: `CP${n % STREAMS}`, connectorId: 1, energyWh: n * 10, price: { amount: '0.35', currency: 'EUR' } },
  metadata: { correlationId: randomUUID() },
});

/** Runs `step` (which returns the events it wrote) until `ms` have passed; events per second. */
async function measure(ms: number, step: () => Promise<number> | number): Promise<number> {
  const start = performance.now();
  let events = 0;
  while (performance.now() - start < ms) events += await step();
  return events / ((performance.now() - start) / 1000);
}

async function adapter(dir: string, batch: number, ms: number): Promise<number> {
  const store = await openSqliteEventStore({ file: join(dir, `adapter-${batch}.sqlite`), synchronous: 'FULL' });
  const revisions = new Map<string, number>();
  let n = 0;
  const rate = await measure(ms, async () => {
    const streamId = `charger-${n % STREAMS}`;
    const events = Array.from({ length: batch }, () => anEvent(n++));
    const last = revisions.get(streamId);
    const result = await store.append(streamId, events, { expectedRevision: last ?? 'no_stream' });
    revisions.set(streamId, result.nextExpectedRevision);
    return batch;
  });
  await store.close();
  return rate;
}

function baseline(dir: string, ms: number): Promise<number> {
  const db = openDatabase(join(dir, 'baseline.sqlite'), { synchronous: 'FULL' });
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL UNIQUE,
    stream_id TEXT NOT NULL, revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
    metadata TEXT NOT NULL, recorded_at TEXT NOT NULL, UNIQUE (stream_id, revision))`);
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const revisions = new Map<string, number>();
  let n = 0;
  const rate = measure(ms, () => {
    const streamId = `charger-${n % STREAMS}`;
    const events = Array.from({ length: BATCH }, () => anEvent(n++));
    const recordedAt = new Date().toISOString();
    immediateTransaction(db, () => {
      let revision = revisions.get(streamId) ?? -1;
      for (const e of events) {
        insert.run(e.id, streamId, ++revision, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), recordedAt);
      }
      revisions.set(streamId, revision);
    });
    return BATCH;
  });
  return rate.finally(() => db.close());
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-event-store-bench-'));
  try {
    const single = await adapter(dir, 1, 2000);
    const batched = await adapter(dir, BATCH, 3000);
    const raw = await baseline(dir, 3000);
    const results = {
      singleEventAppendsPerSec: Math.round(single),
      batchOf100EventsPerSec: Math.round(batched),
      rawSqliteBatchOf100EventsPerSec: Math.round(raw),
      batchRatioAdapterToRaw: Number((batched / raw).toFixed(3)),
      singleRatioAdapterToRawBatch: Number((single / raw).toFixed(4)),
    };
    console.log(`single-event appends (FULL):     ${results.singleEventAppendsPerSec} events/s`);
    console.log(`batches of ${BATCH} via adapter (FULL): ${results.batchOf100EventsPerSec} events/s`);
    console.log(`batches of ${BATCH} raw node:sqlite:    ${results.rawSqliteBatchOf100EventsPerSec} events/s`);
    console.log(`adapter / raw (batches):         ${results.batchRatioAdapterToRaw}`);
    console.log(JSON.stringify({ bench: 'event-store', results }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
