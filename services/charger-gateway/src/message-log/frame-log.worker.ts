import { parentPort, workerData } from 'node:worker_threads';
import { newEventId } from '@roamgate/event-store';
import { immediateTransaction, openDatabase, serveWriter } from '@roamgate/sqlite';
import { frameDocument } from './frame-document';
import { PRUNE_SLICE, spanUntil, type FrameLogWrite, type FrameLogWritten, type FrameRow } from './frame-log.schema';

/**
 * The message log's writer, on a thread of its own: inserting frames and waiting for the fsync then costs the
 * event loop nothing. The batches that arrived while it was writing are written together, in one transaction.
 */
const db = openDatabase((workerData as { file: string }).file, { synchronous: 'FULL' });
const insert = db.prepare(
  'INSERT INTO frames (seq, charger_id, session_id, command_id, sort_key, document) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
);
/** Widens a span only where the frame falls outside it: a frame inside it writes no page. */
const span = db.prepare(
  `INSERT INTO session_spans (session_id, charger_id, first_key, until_key) VALUES (?, ?, ?, ?)
   ON CONFLICT (session_id) DO UPDATE SET first_key = min(first_key, excluded.first_key), until_key = max(until_key, excluded.until_key)
   WHERE excluded.first_key < session_spans.first_key OR excluded.first_key >= session_spans.until_key`,
);
const seen = db.prepare(
  'INSERT INTO last_seen (charger_id, at) VALUES (?, ?) ON CONFLICT (charger_id) DO UPDATE SET at = excluded.at WHERE excluded.at > last_seen.at',
);

/**
 * Frames are numbered in the order they were logged, so the oldest by number are the oldest by time: a slice is the
 * oldest frames that are also older than the cutoff, and a slice that comes back short has reached the cutoff.
 */
const pruneSlice = db.prepare('DELETE FROM frames WHERE seq IN (SELECT seq FROM frames ORDER BY seq LIMIT ?) AND sort_key < ?');
/**
 * Spans whose every frame is older than the cutoff, once a slice came back short, and only when none of their frames
 * is left: slices go in log order, so a frame logged late with an older time outlives the pass that reached the
 * cutoff, and its session stays listable until a later pass deletes it.
 */
const pruneSpans = db.prepare(
  `DELETE FROM session_spans WHERE until_key <= ? AND NOT EXISTS (SELECT 1 FROM frames WHERE charger_id = session_spans.charger_id
     AND sort_key >= session_spans.first_key AND sort_key < session_spans.until_key AND session_id = session_spans.session_id)`,
);

/**
 * The spans this thread knows to be stored, so that most frames of a running session skip the upsert (a B-tree seek
 * even when it writes nothing). A cache: when it is full it starts over, and the upsert answers for what it forgot.
 */
const spans = new Map<string, { first: string; until: string }>();
const SPANS_CACHED = 50_000;

function widenSpan(sessionId: string, chargerId: string, key: string, atMs: number | null): void {
  const known = spans.get(sessionId);
  if (known !== undefined && key >= known.first && key < known.until) return;
  const until = spanUntil(atMs, key);
  span.run(sessionId, chargerId, key, until);
  if (known === undefined && spans.size >= SPANS_CACHED) spans.clear();
  // What the row holds now, or a narrower span inside it (the cache may not know an older, wider row): safe.
  spans.set(sessionId, known === undefined ? { first: key, until } : { first: key < known.first ? key : known.first, until: until > known.until ? until : known.until });
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function insertRows(rows: readonly FrameRow[]): number {
  let count = 0;
  for (const row of rows) {
    const document = frameDocument(row.id ?? newEventId(), row.seq, row.fields);
    count += Number(insert.run(row.seq, document.chargerId, document.sessionId, document.commandId, document.order, JSON.stringify(document)).changes);
    if (document.sessionId !== null) widenSpan(document.sessionId, document.chargerId, document.order, row.fields.atMs);
    if (row.seen && document.at !== null) seen.run(document.chargerId, document.at);
  }
  return count;
}

function prune(before: string): FrameLogWritten {
  try {
    const count = immediateTransaction(db, () => {
      const deleted = Number(pruneSlice.run(PRUNE_SLICE, before).changes);
      if (deleted < PRUNE_SLICE) pruneSpans.run(before);
      return deleted;
    });
    if (count < PRUNE_SLICE) spans.clear();
    return { ok: true, count };
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
      spans.clear(); // it may hold spans of the rolled-back transaction
      written = batches.map(() => ({ ok: false, error: messageOf(error) }));
    }
  }
  let next = 0;
  return requests.map((request) => (request.kind === 'rows' ? written[next++]! : prune(request.before)));
}

serveWriter(parentPort!, writeAll, () => db.close());
