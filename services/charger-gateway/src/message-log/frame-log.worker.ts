import { parentPort, workerData } from 'node:worker_threads';
import { immediateTransaction, openDatabase } from '@roamgate/sqlite';
import type { FrameLogRequest, FrameLogResponse, FrameRow } from './frame-log.schema';

/**
 * The message log's writer, on a thread of its own: inserting frames and waiting for the fsync then costs the
 * event loop nothing. The batches that arrived while it was writing are written together, in one transaction.
 */
const port = parentPort!;
const db = openDatabase((workerData as { file: string }).file, { synchronous: 'FULL' });
const insert = db.prepare(
  'INSERT INTO frames (seq, charger_id, session_id, command_id, sort_key, document) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
);
const seen = db.prepare(
  'INSERT INTO last_seen (charger_id, at) VALUES (?, ?) ON CONFLICT (charger_id) DO UPDATE SET at = excluded.at WHERE excluded.at > last_seen.at',
);

let queued: { readonly id: number; readonly rows: readonly FrameRow[] }[] = [];
let scheduled = false;

function write(): void {
  scheduled = false;
  const batches = queued;
  queued = [];
  let response: FrameLogResponse;
  try {
    immediateTransaction(db, () => {
      for (const { rows } of batches) {
        for (const row of rows) {
          insert.run(row.seq, row.chargerId, row.sessionId, row.commandId, row.sortKey, row.document);
          if (row.seenAt !== null) seen.run(row.chargerId, row.seenAt);
        }
      }
    });
    response = { kind: 'written', ids: batches.map((b) => b.id) };
  } catch (error) {
    response = { kind: 'failed', ids: batches.map((b) => b.id), error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(response);
}

port.on('message', (request: FrameLogRequest) => {
  if (request.kind === 'close') {
    if (queued.length > 0) write();
    db.close();
    port.close();
    return;
  }
  queued.push({ id: request.id, rows: request.rows });
  if (!scheduled) {
    scheduled = true;
    setImmediate(write);
  }
});
