import type { FrameFields } from './frame-document';

/**
 * The message log's tables; see FrameLog. A frame is a row of `frames`, numbered in the order it was logged (appends
 * only: cheap to write). To list a charger's frames in time order it is also in one of two places:
 * - `unfiled_frames`, also appended in log order, as soon as it is logged: a charger's newest frames, found by
 *   reading that table through (it holds at most a few tens of thousands of short rows);
 * - `charger_frames`, ordered by charger and time, into which the writer files the unfiled frames a charger at a
 *   time once enough have gathered (FILE_AFTER), moving each from one table to the other in one transaction.
 * An index by charger on `frames` itself cost the writer a scattered page per frame (with thousands of chargers every
 * commit touched one leaf per charger in it, each written to the WAL and again at the checkpoint); filed in batches,
 * about ten of a charger's frames share a page write (docs/benchmarks.md, round 18). A session's frames are found through
 * its span (below) within its charger's; commands have their own index, as their frames are few.
 */
export const FRAME_LOG_SCHEMA = `
  CREATE TABLE IF NOT EXISTS frames (
    seq INTEGER PRIMARY KEY,
    charger_id TEXT NOT NULL,
    session_id TEXT,
    command_id TEXT,
    sort_key TEXT NOT NULL,
    document TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS frames_by_command ON frames (command_id, sort_key) WHERE command_id IS NOT NULL;
  CREATE TABLE IF NOT EXISTS unfiled_frames (
    seq INTEGER PRIMARY KEY,
    charger_id TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS charger_frames (
    charger_id TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    session_id TEXT,
    seq INTEGER NOT NULL,
    PRIMARY KEY (charger_id, sort_key)
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS session_spans (
    session_id TEXT PRIMARY KEY,
    charger_id TEXT NOT NULL,
    first_key TEXT NOT NULL,
    until_key TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS session_spans_by_until ON session_spans (until_key);
  CREATE TABLE IF NOT EXISTS last_seen (
    charger_id TEXT PRIMARY KEY,
    at TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
`;

/**
 * The layout FRAME_LOG_SCHEMA describes, as `PRAGMA user_version`. Files of earlier versions (0) indexed `frames` by
 * charger (and before that by session): FRAME_LOG_FILING_MIGRATION files their frames and drops those indexes.
 */
export const FRAME_LOG_VERSION = 2;

/**
 * Files written before session spans existed: a span for every session from the old session index, which then goes.
 * Runs once, in the transaction that creates the schema, before FRAME_LOG_FILING_MIGRATION; its time grows with the
 * log's size.
 */
export const FRAME_LOG_SPANS_MIGRATION = `
  INSERT INTO session_spans (session_id, charger_id, first_key, until_key)
    SELECT session_id, min(charger_id), min(sort_key), max(sort_key) || '~' FROM frames WHERE session_id IS NOT NULL GROUP BY session_id
    ON CONFLICT DO NOTHING;
  DROP INDEX frames_by_session;
`;

/** Files written before filing (user_version 0): every frame filed, the old charger indexes dropped. Runs once. */
export const FRAME_LOG_FILING_MIGRATION = `
  INSERT INTO charger_frames (charger_id, sort_key, session_id, seq)
    SELECT charger_id, sort_key, session_id, seq FROM frames WHERE seq NOT IN (SELECT seq FROM unfiled_frames) ORDER BY charger_id, sort_key
    ON CONFLICT DO NOTHING;
  DROP INDEX IF EXISTS frames_of_charger;
  DROP INDEX IF EXISTS frames_by_charger;
  PRAGMA user_version = ${FRAME_LOG_VERSION};
`;

/**
 * How many unfiled frames start a round of filing, by default: ~8 s of frames at 6,000 a second, about ten per
 * charger at 5,000 chargers, so that ten of a charger's frames share the page write each of them took in an index.
 */
export const FILE_AFTER = 50_000;

/** Frames filed in one transaction: the frames and prune slices waiting behind it wait a few ms at most. */
export const FILE_SLICE = 2_000;

/**
 * A session's span: every frame of the session has first_key <= sort_key < until_key, and all of them are the
 * charger's. The writer extends the span when a frame falls outside it, and then moves until_key SPAN_SLACK_MS past
 * the frame's time, so a running session's span row is rewritten about once an hour, not on every frame.
 */
export const SPAN_SLACK_MS = 3_600_000;

/** The key a span must stay below to hold a frame of this time and sort key (see SPAN_SLACK_MS). */
export function spanUntil(atMs: number | null, sortKey: string): string {
  // A frame without a time sorts before every timed frame ("0000-..."); "~" sorts after its "#<position>".
  return atMs === null ? `${sortKey}~` : new Date(atMs + SPAN_SLACK_MS).toISOString();
}

/**
 * One frame as the main thread hands it to the writer, which builds the API's document (frame-document.ts), its JSON
 * and its sort key: that work is then off the event loop, and so is copying one long JSON text per frame to the
 * thread (the fields travel as they are).
 */
export interface FrameRow {
  readonly fields: FrameFields;
  /** Log sequence (the event's global position for frames older versions logged as events). */
  readonly seq: number;
  /** The document's id: null for a new frame (the writer gives it one), the event's id for an older frame. */
  readonly id: string | null;
  /** True when the charger's last-seen time moves to this frame's time (the document's `at`). */
  readonly seen: boolean;
}

/** Small enough that the writes waiting behind a slice (MeterValues answers wait for theirs) wait a few ms at most. */
export const PRUNE_SLICE = 500;

export type FrameLogWrite =
  | { readonly kind: 'rows'; readonly rows: readonly FrameRow[] }
  /** Deletes up to PRUNE_SLICE of the oldest frames whose sort key is below `before` (an ISO time). */
  | { readonly kind: 'prune'; readonly before: string }
  /** Files every unfiled frame now, whatever FILE_AFTER says (tests). */
  | { readonly kind: 'file' };

/** How many frames a write inserted or a prune slice deleted, or why it failed: each request has its own outcome. */
export type FrameLogWritten = { readonly ok: true; readonly count: number } | { readonly ok: false; readonly error: string };
