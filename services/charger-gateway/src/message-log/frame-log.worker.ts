import { parentPort, workerData } from 'node:worker_threads';
import { newEventId } from '@roamgate/event-store';
import { immediateTransaction, openDatabase, serveWriter } from '@roamgate/sqlite';
import { frameDocument } from './frame-document';
import { PRUNE_SLICE, type FrameLogWrite, type FrameLogWritten, type FrameRow } from './frame-log.schema';

/**
 * The message log's writer, on a thread of its own: inserting frames and waiting for the fsync then costs the
 * event loop nothing. The batches that arrived while it was writing are written together, in one transaction.
 */
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

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function insertRows(rows: readonly FrameRow[]): number {
  let count = 0;
  for (const row of rows) {
    const document = frameDocument(row.id ?? newEventId(), row.seq, row.fields);
    count += Number(insert.run(row.seq, document.chargerId, document.sessionId, document.commandId, document.order, JSON.stringify(document)).changes);
    if (row.seen && document.at !== null) seen.run(document.chargerId, document.at);
  }
  return count;
}

function prune(before: string): FrameLogWritten {
  try {
    return { ok: true, count: Number(immediateTransaction(db, () => pruneSlice.run(PRUNE_SLICE, before)).changes) };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

/** The frames first, in one transaction; then a slice of each prune, each in its own. */
function writeAll(requests: readonly FrameLogWrite[]): FrameLogWritten[] {
  const batches = requests.flatMap((request) => (request.kind === 'rows' ? [request.rows] : []));
  let written: FrameLogWritten[] = [];
  if (batches.length > 0) {
    try {
      written = immediateTransaction(db, () => batches.map((rows) => ({ ok: true, count: insertRows(rows) }) as const));
    } catch (error) {
      written = batches.map(() => ({ ok: false, error: messageOf(error) }));
    }
  }
  let next = 0;
  return requests.map((request) => (request.kind === 'rows' ? written[next++]! : prune(request.before)));
}

serveWriter(parentPort!, writeAll, () => db.close());
