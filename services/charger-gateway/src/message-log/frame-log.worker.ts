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

/**
 * Frames are numbered in the order they were logged, so the oldest by number are the oldest by time: a slice is the
 * oldest frames that are also older than the cutoff, and a slice that comes back short has reached the cutoff.
 */
const pruneSlice = db.prepare('DELETE FROM frames WHERE seq IN (SELECT seq FROM frames ORDER BY seq LIMIT ?) AND sort_key < ?');
/** Small enough that the writes waiting behind a slice (MeterValues answers wait for theirs) wait a few ms at most. */
const PRUNE_SLICE = 500;

let queued: { readonly id: number; readonly rows: readonly FrameRow[] }[] = [];
let scheduled = false;

/** One slice per turn, so the batches of frames that arrive meanwhile are written between slices. */
function prune(id: number, before: string, deleted = 0): void {
  if (!db.isOpen) return;
  let changes: number;
  try {
    changes = Number(immediateTransaction(db, () => pruneSlice.run(PRUNE_SLICE, before)).changes);
  } catch (error) {
    port.postMessage({ kind: 'pruned', id, deleted, error: error instanceof Error ? error.message : String(error) } satisfies FrameLogResponse);
    return;
  }
  if (changes === PRUNE_SLICE) setImmediate(() => prune(id, before, deleted + changes));
  else port.postMessage({ kind: 'pruned', id, deleted: deleted + changes } satisfies FrameLogResponse);
}

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
  if (request.kind === 'prune') {
    prune(request.id, request.before);
    return;
  }
  queued.push({ id: request.id, rows: request.rows });
  if (!scheduled) {
    scheduled = true;
    setImmediate(write);
  }
});
