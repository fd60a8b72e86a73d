import type { FrameFields } from './frame-document';

/**
 * The message log's tables; see FrameLog. Frames are indexed by charger and by command; a session's frames are found
 * through its span (below) and the charger index, which carries the session id so that no row is read to filter
 * them. A per-session index cost a scattered index page per frame: with thousands of sessions running, every
 * commit touched one leaf per session in it, a quarter of what the writer thread wrote to disk under charger load
 * (docs/benchmarks.md, round 17).
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
  CREATE INDEX IF NOT EXISTS frames_of_charger ON frames (charger_id, sort_key, session_id);
  CREATE INDEX IF NOT EXISTS frames_by_command ON frames (command_id, sort_key) WHERE command_id IS NOT NULL;
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
 * Files written before session spans existed: a span for every session from the old session index, which then goes,
 * as does the charger index without the session id (FRAME_LOG_SCHEMA has just built its successor). Runs once, in
 * the transaction that creates the schema; its time grows with the log's size.
 */
export const FRAME_LOG_SPANS_MIGRATION = `
  INSERT INTO session_spans (session_id, charger_id, first_key, until_key)
    SELECT session_id, min(charger_id), min(sort_key), max(sort_key) || '~' FROM frames WHERE session_id IS NOT NULL GROUP BY session_id
    ON CONFLICT DO NOTHING;
  DROP INDEX frames_by_session;
  DROP INDEX IF EXISTS frames_by_charger;
`;

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
  | { readonly kind: 'prune'; readonly before: string };

/** How many frames a write inserted or a prune slice deleted, or why it failed: each request has its own outcome. */
export type FrameLogWritten = { readonly ok: true; readonly count: number } | { readonly ok: false; readonly error: string };
