import { join } from 'node:path';
import type { StatementSync } from 'node:sqlite';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import type { RoamgateConfig } from '@roamgate/config';
import { CONFIG } from '@roamgate/runtime';
import { immediateTransaction, openDatabase, WriterThread, type DatabaseSync } from '@roamgate/sqlite';
import { LAST_SEEN_RESOLUTION_MS } from '../projections/charger.projection';
import type { OcppMessageDocument } from '../projections/documents';
import { frameFields, type FrameRecord } from '../projections/ocpp-message.projection';
import type { ProjectedEventOf } from '../projections/projected-event';
import type { FrameFields } from './frame-document';
import {
  FRAME_LOG_FILING_MIGRATION,
  FRAME_LOG_SCHEMA,
  FRAME_LOG_SPANS_MIGRATION,
  FRAME_LOG_VERSION,
  PRUNE_SLICE,
  type FrameLogWrite,
  type FrameLogWritten,
  type FrameRow,
} from './frame-log.schema';

export const MESSAGE_LOG_FILE = 'ocpp-messages.sqlite';

/** How the writer files frames (frame-log.schema.ts); tests file after every batch to list filed frames. */
export const FRAME_LOG_OPTIONS = Symbol('FRAME_LOG_OPTIONS');
export interface FrameLogOptions {
  /** Unfiled frames that start a round of filing (FILE_AFTER). */
  readonly fileAfter?: number;
}

/** What the log can be listed by. */
export type FrameFilter = { readonly chargerId: string } | { readonly sessionId: string } | { readonly commandId: string };

/**
 * A filter as SQL. A command's frames are a range of its index on `frames`; a charger's (or a session's, within its
 * charger's) are in two places: `filed` is a condition on `charger_frames` (alias c), `unfiled` one on
 * `unfiled_frames` (u) joined with `frames` (f), both naming the same parameters.
 */
type Selection =
  | { readonly kind: 'frames'; readonly where: string; readonly params: Readonly<Record<string, string>> }
  | { readonly kind: 'charger'; readonly filed: string; readonly unfiled: string; readonly params: Readonly<Record<string, string>> };

/** How often frames past OCPP_MESSAGE_LOG_RETENTION_DAYS are deleted. */
const RETENTION_CHECK_MS = 60_000;

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The OCPP message log: every frame, in its own SQLite file (`ocpp-messages.sqlite` in the data directory, WAL,
 * synchronous=FULL), one row per frame with the document the API serves, listed by charger (its filed frames and
 * those not filed yet), session (through the session's span) or command; see frame-log.schema.ts. A worker thread
 * writes it (frame-log.worker.ts), so neither the inserts nor the fsync hold up the event loop; the frames of one turn
 * go to it together, and it writes what arrived meanwhile in one transaction.
 * Reads (the API) use a connection of their own on the main thread.
 *
 * Frames used to be OcppFrameLogged events on the charger stream; each then cost an event-store insert, a relay
 * encode, a bus append and delivery and a read-model document with four JSON expression indexes, twice per
 * MeterValues. The log is primary data, not a read model: dropping the read models to rebuild them keeps it.
 * Frames that older versions logged as events are projected into it, keyed by their global position.
 *
 * `record` resolves once the frame is durable; the OCPP server waits for the CALL it answers before the answer
 * leaves, so a frame the charger got an answer for is in the log even after a crash.
 */
@Injectable()
export class FrameLog implements OnModuleInit, OnApplicationShutdown {
  private db: DatabaseSync | undefined;
  private lastSeenStatement: StatementSync | undefined;
  private writer: WriterThread<FrameLogWrite, FrameLogWritten> | undefined;
  /** New frames are numbered above every existing one and above the positions events had (time-based, in µs). */
  private sequence = 0;
  private readonly lastSeenWritten = new Map<string, number>();
  private batch: { rows: FrameRow[]; waiters: Waiter[] } = { rows: [], waiters: [] };
  private sendScheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  private retention: NodeJS.Timeout | undefined;
  private readonly logger = new Logger('OcppMessageLog');

  constructor(
    @Inject(CONFIG) private readonly config: RoamgateConfig,
    @Optional() @Inject(FRAME_LOG_OPTIONS) private readonly options: FrameLogOptions = {},
  ) {}

  onModuleInit(): void {
    const file = join(this.config.dataDir, MESSAGE_LOG_FILE);
    const db = openDatabase(file, { synchronous: 'FULL' });
    immediateTransaction(db, () => {
      db.exec(FRAME_LOG_SCHEMA);
      if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'frames_by_session'").get() !== undefined) {
        this.logger.log('building session spans for a message log written by an earlier version (once; time grows with its size)');
        db.exec(FRAME_LOG_SPANS_MIGRATION);
      }
      if ((db.prepare('PRAGMA user_version').get() as { user_version: number }).user_version < FRAME_LOG_VERSION) {
        if (db.prepare('SELECT 1 FROM frames LIMIT 1').get() !== undefined) {
          this.logger.log('filing the frames of a message log written by an earlier version by charger (once; time grows with its size)');
        }
        db.exec(FRAME_LOG_FILING_MIGRATION);
      }
    });
    this.lastSeenStatement = db.prepare('SELECT at FROM last_seen WHERE charger_id = ?');
    const last = (db.prepare('SELECT max(seq) AS seq FROM frames').get() as { seq: number | null }).seq ?? 0;
    this.sequence = Math.max(last + 1, Date.now() * 1000);
    this.db = db;
    this.writer = new WriterThread(join(__dirname, 'frame-log.worker.js'), { file, fileAfter: this.options.fileAfter }, 'the OCPP message log writer');
    const retentionMs = (this.config.ocpp?.messageLogRetentionDays ?? 0) * 86_400_000;
    if (retentionMs > 0) {
      this.retention = setInterval(() => {
        this.prune(new Date(Date.now() - retentionMs)).catch((error: unknown) => this.logger.error(`pruning the OCPP message log: ${String(error)}`));
      }, RETENTION_CHECK_MS);
      this.retention.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.retention);
    await this.flush();
    await this.writer?.close();
    this.db?.close();
    this.db = undefined;
  }

  /** Resolves once the frame is durable. */
  record(frame: FrameRecord): Promise<void> {
    return this.write(this.sequence++, null, frameFields(frame));
  }

  /** A frame logged as an OcppFrameLogged event (older versions did), keyed by its position: a redelivery writes nothing new. */
  recordEvent(event: ProjectedEventOf<'OcppFrameLogged'>): Promise<void> {
    return this.write(event.position, event.id, frameFields(event.data));
  }

  /**
   * Deletes the frames logged before `before`, oldest first, in slices the writer interleaves with new frames;
   * resolves with how many. OCPP_MESSAGE_LOG_RETENTION_DAYS has this run every RETENTION_CHECK_MS.
   */
  async prune(before: Date): Promise<number> {
    const writer = this.writer;
    if (writer === undefined) throw new Error('the OCPP message log is not open');
    const cutoff = before.toISOString();
    let deleted = 0;
    // A slice per request, so the frames recorded while one is deleted are written before the next.
    for (;;) {
      const slice = await writer.write({ kind: 'prune', before: cutoff });
      if (!slice.ok) throw new Error(`OCPP message log: ${slice.error} (${deleted} deleted before)`);
      deleted += slice.count;
      if (slice.count < PRUNE_SLICE) return deleted;
    }
  }

  /** Files every unfiled frame now, rather than when FILE_AFTER have gathered; resolves with how many. */
  async file(): Promise<number> {
    const writer = this.writer;
    if (writer === undefined) throw new Error('the OCPP message log is not open');
    await this.flush();
    const filed = await writer.write({ kind: 'file' });
    if (!filed.ok) throw new Error(`OCPP message log: ${filed.error}`);
    return filed.count;
  }

  /** Resolves once every frame recorded so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** A page of frames in `sort_key` order (time, then log sequence), with the number of all that match. */
  page(filter: FrameFilter, direction: 'asc' | 'desc', offset: number, limit: number): { items: OcppMessageDocument[]; total: number } {
    const db = this.open();
    const selection = this.selection(db, filter);
    if (selection === undefined) return { items: [], total: 0 };
    // Sort keys are unique (time, then the frame's number), so they alone give the order.
    const order = direction === 'desc' ? 'DESC' : 'ASC';
    let total: number;
    let rows: { document: string }[];
    if (selection.kind === 'frames') {
      const { where, params } = selection;
      total = (db.prepare(`SELECT count(*) AS total FROM frames WHERE ${where}`).get(params) as { total: number }).total;
      rows = db.prepare(`SELECT document FROM frames WHERE ${where} ORDER BY sort_key ${order} LIMIT :limit OFFSET :offset`).all({ ...params, limit, offset }) as {
        document: string;
      }[];
    } else {
      const { filed, unfiled, params } = selection;
      const unfiledFrames = `unfiled_frames u JOIN frames f ON f.seq = u.seq WHERE ${unfiled}`;
      ({ total } = db.prepare(`SELECT (SELECT count(*) FROM charger_frames c WHERE ${filed}) + (SELECT count(*) FROM ${unfiledFrames}) AS total`).get(params) as {
        total: number;
      });
      // SQLite merges the two ordered parts (the filed in their key order, the few unfiled sorted) and stops at the page.
      const keys = `SELECT c.seq, c.sort_key FROM charger_frames c WHERE ${filed} UNION ALL SELECT f.seq, f.sort_key FROM ${unfiledFrames} ORDER BY 2 ${order} LIMIT :limit OFFSET :offset`;
      rows = db.prepare(`SELECT f.document FROM (${keys}) p JOIN frames f ON f.seq = p.seq ORDER BY p.sort_key ${order}`).all({ ...params, limit, offset }) as {
        document: string;
      }[];
    }
    return { items: rows.map((row) => JSON.parse(row.document) as OcppMessageDocument), total };
  }

  /** Undefined for a session the log has no frame of. */
  private selection(db: DatabaseSync, filter: FrameFilter): Selection | undefined {
    if ('chargerId' in filter) return { kind: 'charger', filed: 'c.charger_id = :charger', unfiled: 'u.charger_id = :charger', params: { charger: filter.chargerId } };
    if ('commandId' in filter) return { kind: 'frames', where: 'command_id = :command', params: { command: filter.commandId } };
    if ('sessionId' in filter) {
      const span = db.prepare('SELECT charger_id, first_key, until_key FROM session_spans WHERE session_id = ?').get(filter.sessionId) as
        | { charger_id: string; first_key: string; until_key: string }
        | undefined;
      if (span === undefined) return undefined;
      return {
        kind: 'charger',
        filed: 'c.charger_id = :charger AND c.sort_key >= :first AND c.sort_key < :until AND c.session_id = :session',
        unfiled: 'u.charger_id = :charger AND f.sort_key >= :first AND f.sort_key < :until AND f.session_id = :session',
        params: { charger: span.charger_id, first: span.first_key, until: span.until_key, session: filter.sessionId },
      };
    }
    throw new TypeError(`frames cannot be listed by ${Object.keys(filter).join(', ')}`);
  }

  /** When the charger was last heard from, to within LAST_SEEN_RESOLUTION_MS; null when never. */
  lastSeen(chargerId: string): string | null {
    this.open();
    return (this.lastSeenStatement!.get(chargerId) as { at: string } | undefined)?.at ?? null;
  }

  private write(seq: number, id: string | null, fields: FrameFields): Promise<void> {
    let seen = false;
    const atMs = fields.atMs;
    if (fields.direction === 'FROM_CHARGER' && atMs !== null) {
      const written = this.lastSeenWritten.get(fields.chargerId);
      if (written === undefined || atMs - written >= LAST_SEEN_RESOLUTION_MS) {
        this.lastSeenWritten.set(fields.chargerId, atMs);
        seen = true;
      }
    }
    const row: FrameRow = { fields, seq, id, seen };
    const written = new Promise<void>((resolve, reject) => {
      const writer = this.writer;
      if (writer === undefined) throw new Error('the OCPP message log is not open');
      this.batch.rows.push(row);
      this.batch.waiters.push({ resolve, reject });
      if (!this.sendScheduled) {
        this.sendScheduled = true;
        setImmediate(() => this.send(writer));
      }
    });
    this.inFlight.add(written);
    const done = () => void this.inFlight.delete(written);
    written.then(done, done);
    return written;
  }

  private send(writer: WriterThread<FrameLogWrite, FrameLogWritten>): void {
    this.sendScheduled = false;
    const { rows, waiters } = this.batch;
    this.batch = { rows: [], waiters: [] };
    if (rows.length === 0) return;
    writer.write({ kind: 'rows', rows }).then(
      (written) => {
        const error = written.ok ? undefined : new Error(`OCPP message log: ${written.error}`);
        for (const waiter of waiters) {
          if (error === undefined) waiter.resolve();
          else waiter.reject(error);
        }
      },
      (error: unknown) => {
        for (const waiter of waiters) waiter.reject(error);
      },
    );
  }

  private open(): DatabaseSync {
    if (this.db === undefined) throw new Error('the OCPP message log is not open');
    return this.db;
  }
}
