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

/** One frame as the writer inserts it: the API's document as JSON, and the columns it is listed by. */
export interface FrameRow {
  readonly seq: number;
  readonly chargerId: string;
  readonly sessionId: string | null;
  readonly commandId: string | null;
  readonly sortKey: string;
  readonly document: string;
  /** Set when the charger's last-seen time moves to this frame's time. */
  readonly seenAt: string | null;
}

export type FrameLogRequest =
  | { readonly kind: 'write'; readonly id: number; readonly rows: readonly FrameRow[] }
  /** Deletes the frames whose sort key is below `before` (an ISO time), oldest first, a slice at a time. */
  | { readonly kind: 'prune'; readonly id: number; readonly before: string }
  | { readonly kind: 'close' };

export type FrameLogResponse =
  | { readonly kind: 'written'; readonly ids: readonly number[] }
  | { readonly kind: 'failed'; readonly ids: readonly number[]; readonly error: string }
  | { readonly kind: 'pruned'; readonly id: number; readonly deleted: number; readonly error?: string };
