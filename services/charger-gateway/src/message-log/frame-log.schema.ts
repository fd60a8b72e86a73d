import type { FrameFields } from './frame-document';

/** The message log's tables; see FrameLog. */
export const FRAME_LOG_SCHEMA = `
  CREATE TABLE IF NOT EXISTS frames (
    seq INTEGER PRIMARY KEY,
    charger_id TEXT NOT NULL,
    session_id TEXT,
    command_id TEXT,
    sort_key TEXT NOT NULL,
    document TEXT NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS frames_by_charger ON frames (charger_id, sort_key);
  CREATE INDEX IF NOT EXISTS frames_by_session ON frames (session_id, sort_key) WHERE session_id IS NOT NULL;
  CREATE INDEX IF NOT EXISTS frames_by_command ON frames (command_id, sort_key) WHERE command_id IS NOT NULL;
  CREATE TABLE IF NOT EXISTS last_seen (
    charger_id TEXT PRIMARY KEY,
    at TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
`;

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
