import { parentPort, workerData } from 'node:worker_threads';
import { Logger } from '@nestjs/common';
import { newEventId } from '@roamgate/event-store';
import { immediateTransaction, openDatabase, serveWriter } from '@roamgate/sqlite';
import { frameDocument } from './frame-document';
import { FILE_AFTER, FILE_SLICE, PRUNE_SLICE, spanUntil, type FrameLogWrite, type FrameLogWritten, type FrameRow } from './frame-log.schema';

/**
 * The message log's writer, on a thread of its own: inserting frames and waiting for the fsync then costs the
 * event loop nothing. The batches that arrived while it was writing are written together, in one transaction.
 * Between batches it files the unfiled frames (frame-log.schema.ts), a slice at a time.
 */
const options = workerData as { file: string; fileAfter?: number };
const fileAfter = options.fileAfter ?? FILE_AFTER;
const db = openDatabase(options.file, { synchronous: 'FULL' });
const insert = db.prepare(
  'INSERT INTO frames (seq, charger_id, session_id, command_id, sort_key, document) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
);
const unfiled = db.prepare('INSERT INTO unfiled_frames (seq, charger_id) VALUES (?, ?)');
/** A slice's frames, in key order: each charger's frames then extend its run of pages together. */
const fileSlice = db.prepare(
  `INSERT INTO charger_frames (charger_id, sort_key, session_id, seq)
   SELECT charger_id, sort_key, session_id, seq FROM frames WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY charger_id, sort_key
   ON CONFLICT DO NOTHING`,
);
const unfileSlice = db.prepare('DELETE FROM unfiled_frames WHERE seq IN (SELECT value FROM json_each(?))');
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
const pruneSlice = db.prepare('DELETE FROM frames WHERE seq IN (SELECT seq FROM frames ORDER BY seq LIMIT ?) AND sort_key < ? RETURNING seq, charger_id, sort_key');
const pruneFiled = db.prepare('DELETE FROM charger_frames WHERE charger_id = ? AND sort_key = ?');
const pruneUnfiled = db.prepare('DELETE FROM unfiled_frames WHERE seq = ?');
/**
 * Spans whose every frame is older than the cutoff, once a slice came back short, and only when none of their frames
 * is left: slices go in log order, so a frame logged late with an older time outlives the pass that reached the
 * cutoff, and its session stays listable until a later pass deletes it.
 */
const pruneSpans = db.prepare(
  `DELETE FROM session_spans WHERE until_key <= ? AND NOT EXISTS (SELECT 1 FROM charger_frames WHERE charger_id = session_spans.charger_id
     AND sort_key >= session_spans.first_key AND sort_key < session_spans.until_key AND session_id = session_spans.session_id)
   AND session_id NOT IN (SELECT f.session_id FROM unfiled_frames u JOIN frames f ON f.seq = u.seq WHERE f.session_id IS NOT NULL)`,
);

/**
 * The unfiled frames by charger, as `unfiled_frames` holds them (read back on start): what the next slices file.
 * A round files every charger that has unfiled frames when it starts, in charger order, FILE_SLICE frames at a time,
 * one slice between two batches of new frames.
 */
const unfiledOf = new Map<string, number[]>();
let unfiledCount = 0;
for (const row of db.prepare('SELECT seq, charger_id FROM unfiled_frames ORDER BY seq').all() as { seq: number; charger_id: string }[]) {
  noteUnfiled(row.charger_id, row.seq);
}
/** The chargers this round has still to file, last first (popped). */
let round: string[] = [];
let sliceScheduled = false;
/** After a slice failed, no round starts before this time (ms). */
let retryAfter = 0;
const FILING_RETRY_MS = 60_000;
const logger = new Logger('OcppMessageLog');

function noteUnfiled(chargerId: string, seq: number): void {
  const seqs = unfiledOf.get(chargerId);
  if (seqs === undefined) unfiledOf.set(chargerId, [seq]);
  else seqs.push(seq);
  unfiledCount += 1;
}

/** Files the next slice of the round; false when the round had nothing left (the round is then empty). */
function fileNext(): boolean {
  // Each charger's oldest unfiled frames, up to FILE_SLICE in all: the rest of a charger's go in the next slice.
  const taken: [chargerId: string, count: number][] = [];
  const seqs: number[] = [];
  while (round.length > 0 && seqs.length < FILE_SLICE) {
    const chargerId = round.pop()!;
    const own = unfiledOf.get(chargerId);
    if (own === undefined) continue; // pruned meanwhile
    const count = Math.min(own.length, FILE_SLICE - seqs.length);
    taken.push([chargerId, count]);
    for (let i = 0; i < count; i++) seqs.push(own[i]!);
    if (count < own.length) round.push(chargerId);
  }
  if (seqs.length === 0) return false;
  const list = JSON.stringify(seqs);
  immediateTransaction(db, () => {
    fileSlice.run(list);
    unfileSlice.run(list);
  });
  for (const [chargerId, count] of taken) {
    const own = unfiledOf.get(chargerId)!;
    own.splice(0, count);
    if (own.length === 0) unfiledOf.delete(chargerId);
  }
  unfiledCount -= seqs.length;
  return true;
}

function startRound(): void {
  round = [...unfiledOf.keys()].sort().reverse();
}

/** After the replies to a batch have gone: a slice of the round, starting one when enough frames are unfiled. */
function scheduleSlice(): void {
  if (sliceScheduled || (round.length === 0 && (unfiledCount < fileAfter || Date.now() < retryAfter))) return;
  sliceScheduled = true;
  setImmediate(() => {
    sliceScheduled = false;
    if (round.length === 0) startRound();
    try {
      fileNext();
    } catch (error) {
      // Nothing is lost: the slice's frames stay unfiled (listed from unfiled_frames) and a later round files them.
      logger.warn(`filing frames by charger failed, ${unfiledCount} frames unfiled; trying again in ${FILING_RETRY_MS / 1000} s: ${messageOf(error)}`);
      round = [];
      retryAfter = Date.now() + FILING_RETRY_MS;
      return;
    }
    if (round.length > 0) scheduleSlice();
  });
}

/** Every unfiled frame, now. */
function fileAll(): FrameLogWritten {
  try {
    const before = unfiledCount;
    startRound();
    while (fileNext());
    return { ok: true, count: before - unfiledCount };
  } catch (error) {
    round = [];
    return { ok: false, error: messageOf(error) };
  }
}

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

/** Inserts the rows; `logged` gets the charger and number of each new one, for the unfiled map once committed. */
function insertRows(rows: readonly FrameRow[], logged: [string, number][]): number {
  let count = 0;
  for (const row of rows) {
    const document = frameDocument(row.id ?? newEventId(), row.seq, row.fields);
    if (Number(insert.run(row.seq, document.chargerId, document.sessionId, document.commandId, document.order, JSON.stringify(document)).changes) === 0) continue;
    count += 1;
    unfiled.run(row.seq, document.chargerId);
    logged.push([document.chargerId, row.seq]);
    if (document.sessionId !== null) widenSpan(document.sessionId, document.chargerId, document.order, row.fields.atMs);
    if (row.seen && document.at !== null) seen.run(document.chargerId, document.at);
  }
  return count;
}

function prune(before: string): FrameLogWritten {
  try {
    const deleted = immediateTransaction(db, () => {
      const rows = pruneSlice.all(PRUNE_SLICE, before) as { seq: number; charger_id: string; sort_key: string }[];
      for (const row of rows) {
        if (Number(pruneFiled.run(row.charger_id, row.sort_key).changes) === 0) pruneUnfiled.run(row.seq);
      }
      if (rows.length < PRUNE_SLICE) pruneSpans.run(before);
      return rows;
    });
    forgetUnfiled(deleted);
    if (deleted.length < PRUNE_SLICE) spans.clear();
    return { ok: true, count: deleted.length };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

/** Pruned frames that were still unfiled leave the map. */
function forgetUnfiled(deleted: readonly { seq: number; charger_id: string }[]): void {
  for (const { seq, charger_id: chargerId } of deleted) {
    const seqs = unfiledOf.get(chargerId);
    const at = seqs?.indexOf(seq) ?? -1;
    if (at < 0) continue;
    seqs!.splice(at, 1);
    unfiledCount -= 1;
    if (seqs!.length === 0) unfiledOf.delete(chargerId);
  }
}

/** The frames first, in one transaction; then a slice of each prune, each in its own. */
function writeAll(requests: readonly FrameLogWrite[]): FrameLogWritten[] {
  const batches = requests.flatMap((request) => (request.kind === 'rows' ? [request.rows] : []));
  let written: FrameLogWritten[] = [];
  if (batches.length > 0) {
    const logged: [string, number][] = [];
    try {
      written = immediateTransaction(db, () => batches.map((rows) => ({ ok: true, count: insertRows(rows, logged) }) as const));
      for (const [chargerId, seq] of logged) noteUnfiled(chargerId, seq);
    } catch (error) {
      spans.clear(); // it may hold spans of the rolled-back transaction
      written = batches.map(() => ({ ok: false, error: messageOf(error) }));
    }
  }
  let next = 0;
  const results = requests.map((request) => (request.kind === 'rows' ? written[next++]! : request.kind === 'prune' ? prune(request.before) : fileAll()));
  scheduleSlice();
  return results;
}

serveWriter(parentPort!, writeAll, () => db.close());
