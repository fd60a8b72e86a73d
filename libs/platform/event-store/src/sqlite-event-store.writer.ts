import { immediateTransaction, type DatabaseSync } from '@roamgate/sqlite';
import type { ExpectedRevision } from './event-store.port';

export const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    metadata TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (stream_id, revision)
  );
  CREATE TABLE IF NOT EXISTS checkpoints (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL
  );
`;

/** An event as the writer inserts it: data and metadata already JSON, so only strings cross to the writer thread. */
export interface EventRowIn {
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export interface AppendRequest {
  readonly streamId: string;
  readonly expectedRevision: ExpectedRevision;
  readonly events: readonly EventRowIn[];
}

/** The appends and checkpoints of one turn of the event loop. */
export interface CommitGroup {
  readonly recordedAt: string;
  readonly checkpoints: readonly (readonly [string, number])[];
  readonly appends: readonly AppendRequest[];
}

/** Each append's own outcome, as plain data (errors are rebuilt on the caller's side). */
export type AppendOutcome =
  | { readonly ok: true; readonly nextExpectedRevision: number; readonly position: number }
  | { readonly ok: false; readonly kind: 'wrong-revision'; readonly actual: number }
  | { readonly ok: false; readonly kind: 'duplicate-id'; readonly eventId: string }
  | { readonly ok: false; readonly kind: 'failed'; readonly message: string };

const isUniqueViolation = (error: unknown): boolean =>
  error instanceof Error && /UNIQUE constraint failed: events\.event_id/.test(error.message);

const matches = (expected: ExpectedRevision, actual: number): boolean =>
  expected === 'any' ||
  (expected === 'no_stream' && actual === -1) ||
  (expected === 'stream_exists' && actual >= 0) ||
  expected === actual;

/**
 * Writes groups of appends in one BEGIN IMMEDIATE transaction (one fsync under synchronous=FULL). Each append runs in
 * its own savepoint: its revision check sees the appends before it, and a failing append is rolled back alone.
 * Throws when the transaction itself fails; then nothing of it is stored.
 */
export function groupWriter(db: DatabaseSync): (groups: readonly CommitGroup[]) => AppendOutcome[][] {
  const lastRevision = db.prepare('SELECT max(revision) AS revision FROM events WHERE stream_id = ?');
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const saveCheckpoint = db.prepare(
    'INSERT INTO checkpoints (id, position) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET position = excluded.position',
  );
  const savepoint = db.prepare('SAVEPOINT append');
  const release = db.prepare('RELEASE append');
  const rollbackTo = db.prepare('ROLLBACK TO append');

  const append = ({ streamId, expectedRevision, events }: AppendRequest, recordedAt: string): AppendOutcome => {
    savepoint.run();
    let outcome: AppendOutcome;
    try {
      const actual = (lastRevision.get(streamId) as { revision: number | null }).revision ?? -1;
      if (!matches(expectedRevision, actual)) {
        outcome = { ok: false, kind: 'wrong-revision', actual };
      } else {
        let revision = actual;
        let position = 0;
        for (const event of events) {
          revision += 1;
          try {
            position = Number(insert.run(event.id, streamId, revision, event.type, event.data, event.metadata, recordedAt).lastInsertRowid);
          } catch (error) {
            if (isUniqueViolation(error)) throw { ok: false, kind: 'duplicate-id', eventId: event.id } satisfies AppendOutcome;
            throw error;
          }
        }
        release.run();
        return { ok: true, nextExpectedRevision: revision, position };
      }
    } catch (error) {
      outcome =
        typeof error === 'object' && error !== null && 'kind' in error
          ? (error as AppendOutcome)
          : { ok: false, kind: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    rollbackTo.run();
    release.run();
    return outcome;
  };

  return (groups) =>
    immediateTransaction(db, () =>
      groups.map(({ recordedAt, checkpoints, appends }) => {
        for (const [id, position] of checkpoints) saveCheckpoint.run(id, position);
        return appends.map((request) => append(request, recordedAt));
      }),
    );
}
