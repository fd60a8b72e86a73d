import { immediateTransaction, openDatabase, WalSync, type DatabaseSync } from '@roamgate/sqlite';
import type { SQLInputValue, StatementSync } from 'node:sqlite';
import {
  UnknownIndexError,
  type CollectionSpec,
  type Document,
  type FieldValue,
  type FindQuery,
  type FindResult,
  type ReadModelStore,
  type StoredDocument,
} from './read-model-store.port';

export interface SqliteReadModelStoreOptions {
  /** SQLite file; `:memory:` for a private in-memory store. */
  readonly file: string;
  /**
   * Default FULL: a write resolves once it is on disk (the WAL synced off the event loop, see WalSync), because a
   * projection commits its bus offset (in another file) after the upsert resolves, so an upsert lost to a power cut
   * while the offset survived would never be replayed. NORMAL resolves at commit (survives a process crash only).
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
  /** How long opening waits for the file while another process holds it (default 5 s). */
  readonly busyTimeoutMs?: number;
}

/** The file is the process's own (runtime's openPorts names it after the process): it is opened exclusively. */
export function openSqliteReadModelStore(options: SqliteReadModelStoreOptions): SqliteReadModelStore {
  let db: DatabaseSync | undefined;
  try {
    // Its first statements take the file's lock, for as long as it is open.
    // NORMAL at COMMIT: the sync FULL asks for is WalSync's, on the thread pool, before the writes resolve.
    db = openDatabase(options.file, { synchronous: 'NORMAL', exclusive: true, busyTimeoutMs: options.busyTimeoutMs });
    const durable = (options.synchronous ?? 'FULL') === 'FULL' && options.file !== ':memory:';
    return new SqliteReadModelStore(db, durable ? new WalSync(options.file) : undefined);
  } catch (error) {
    if (db?.isOpen) db.close();
    if ((error as { errcode?: number }).errcode !== SQLITE_BUSY) throw error;
    throw new Error(`${options.file} is in use by another process: a process's read models are its own`, { cause: error });
  }
}

const SQLITE_BUSY = 5;

const COLLECTION_NAME = /^[a-z][a-z0-9_]*$/i;
const FIELD_PATH = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$/i;

interface Collection {
  readonly table: string;
  readonly indexes: ReadonlySet<string>;
  /** The indexed fields in index order: the shape of the `keys` column. */
  readonly fields: readonly string[];
  readonly current: StatementSync;
  readonly insert: StatementSync;
  readonly updateData: StatementSync;
  readonly updateAll: StatementSync;
  readonly get: StatementSync;
  readonly delete: StatementSync;
}

interface DocumentRow {
  id: string;
  revision: number;
  data: string;
}

interface PendingWrite {
  readonly run: () => boolean;
  readonly resolve: (written: boolean) => void;
  readonly reject: (error: unknown) => void;
}

type Outcome = { readonly ok: true; readonly written: boolean } | { readonly ok: false; readonly error: unknown };

/**
 * One table per collection (`rm_<name>`): id, revision, the document as JSON, and `keys`: the
 * indexed fields' values as a JSON object by path. Every indexed field is an expression index on
 * json_extract(keys, '$."<path>"'), and find() filters and sorts on that same expression so SQLite
 * uses the index. An upsert that leaves the indexed values as they were writes only `data` and
 * `revision`, so SQLite leaves the indexes alone: a projection updating a document on every event
 * (a session on every meter value) rewrites one table page instead of one page per index.
 *
 * Group commit: the upserts and deletes of one turn of the event loop are written in one transaction, in call
 * order, and resolve once it committed and, with a WalSync, once the WAL holding it is synced (the event loop goes
 * on meanwhile; commits made during a sync share the next one). Reads see a write from its commit on.
 */
export class SqliteReadModelStore implements ReadModelStore {
  private readonly collections = new Map<string, Collection>();
  private pending: PendingWrite[] = [];
  private commitScheduled = false;

  constructor(
    private readonly db: DatabaseSync,
    private readonly walSync?: WalSync,
  ) {
    db.exec(`CREATE TABLE IF NOT EXISTS read_model_collections (
      name TEXT PRIMARY KEY,
      indexes TEXT NOT NULL
    ) STRICT`);
  }

  async ensureCollection(spec: CollectionSpec): Promise<void> {
    if (!COLLECTION_NAME.test(spec.name)) throw new TypeError(`invalid collection name: ${spec.name}`);
    for (const field of spec.indexes) {
      if (!FIELD_PATH.test(field)) throw new TypeError(`invalid index path on ${spec.name}: ${field}`);
    }
    const clash = this.db
      .prepare('SELECT name FROM read_model_collections WHERE lower(name) = lower(?) AND name <> ?')
      .get(spec.name, spec.name) as { name: string } | undefined;
    if (clash) throw new TypeError(`collection ${spec.name} clashes with ${clash.name}: SQLite table names ignore case`);

    const table = tableOf(spec.name);
    const indexes = [...new Set(spec.indexes)];
    immediateTransaction(this.db, () => {
      this.db.exec(`CREATE TABLE IF NOT EXISTS ${quote(table)} (
        id TEXT PRIMARY KEY,
        revision INTEGER NOT NULL,
        data TEXT NOT NULL,
        keys TEXT
      ) STRICT`);
      const columns = this.db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[];
      // Tables from before the keys column get it, filled from the documents.
      if (!columns.some((column) => column.name === 'keys')) this.db.exec(`ALTER TABLE ${quote(table)} ADD COLUMN keys TEXT`);
      const before = this.db.prepare('SELECT indexes FROM read_model_collections WHERE name = ?').get(spec.name) as { indexes: string } | undefined;
      const refill = before === undefined || before.indexes !== JSON.stringify(indexes) ? '' : 'WHERE keys IS NULL';
      this.db.exec(`UPDATE ${quote(table)} SET keys = ${keysFromData(indexes)} ${refill}`);
      const wanted = new Set(indexes.map((field) => indexOf(table, field)));
      const existing = this.db
        .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL")
        .all(table) as { name: string; sql: string }[];
      // Indexes of older versions (on json_extract(data, ...)) are rebuilt on keys.
      for (const { name, sql } of existing) if (!wanted.has(name) || !sql.includes('json_extract(keys,')) this.db.exec(`DROP INDEX ${quote(name)}`);
      for (const field of indexes) {
        this.db.exec(`CREATE INDEX IF NOT EXISTS ${quote(indexOf(table, field))} ON ${quote(table)} (${extract(field)})`);
      }
      this.db
        .prepare(
          'INSERT INTO read_model_collections (name, indexes) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET indexes = excluded.indexes',
        )
        .run(spec.name, JSON.stringify(indexes));
    });
    this.collections.set(spec.name, this.prepareCollection(table, indexes));
  }

  async upsert<T extends Document>(collection: string, id: string, data: T, revision: number): Promise<boolean> {
    assertRevision(revision);
    const { fields, current, insert, updateData, updateAll } = this.collection(collection);
    const json = JSON.stringify(data);
    const keys = keysOf(data, fields);
    return this.write(() => {
      const stored = current.get(id) as { revision: number; keys: string | null } | undefined;
      if (stored === undefined) return Number(insert.run(id, revision, json, keys).changes) > 0;
      if (stored.revision >= revision) return false;
      if (stored.keys === keys) updateData.run(revision, json, id);
      else updateAll.run(revision, json, keys, id);
      return true;
    });
  }

  async get<T extends Document>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    const row = this.collection(collection).get.get(id) as DocumentRow | undefined;
    return row && toDocument<T>(row);
  }

  async find<T extends Document>(collection: string, query: FindQuery = {}): Promise<FindResult<T>> {
    const { table, indexes } = this.collection(collection);
    const [where, parameters] = whereClause(collection, indexes, query.where);
    const direction = query.sort?.direction === 'desc' ? 'DESC' : 'ASC';
    const orderBy = query.sort ? `ORDER BY ${indexed(collection, indexes, query.sort.field)} ${direction}, id ${direction}` : 'ORDER BY id';
    const limit = query.limit === undefined ? -1 : nonNegative('limit', query.limit);
    const offset = nonNegative('offset', query.offset ?? 0);

    const { total } = this.db
      .prepare(`SELECT count(*) AS total FROM ${quote(table)} ${where}`)
      .get(...parameters) as { total: number };
    const rows = this.db
      .prepare(`SELECT id, revision, data FROM ${quote(table)} ${where} ${orderBy} LIMIT ? OFFSET ?`)
      .all(...parameters, limit, offset) as unknown as DocumentRow[];
    return { items: rows.map((row) => toDocument<T>(row)), total };
  }

  async distinct(collection: string, field: string, where?: FindQuery['where']): Promise<FieldValue[]> {
    const { table, indexes } = this.collection(collection);
    indexed(collection, indexes, field);
    const [clause, parameters] = whereClause(collection, indexes, where);
    // `->` keeps the JSON type (true, not 1; "5", not 5); a missing field gives SQL NULL.
    const rows = this.db.prepare(`SELECT DISTINCT keys -> '$."${field}"' AS value FROM ${quote(table)} ${clause}`).all(...parameters) as { value: string | null }[];
    return rows.map(({ value }) => (value === null ? null : (JSON.parse(value) as FieldValue)));
  }

  async delete(collection: string, id: string, revision: number): Promise<boolean> {
    assertRevision(revision);
    const { delete: remove } = this.collection(collection);
    return this.write(() => Number(remove.run(id, revision).changes) > 0);
  }

  async close(): Promise<void> {
    if (!this.db.isOpen) return;
    this.commitPending();
    await this.walSync?.close();
    if (this.db.isOpen) this.db.close();
  }

  private write(run: () => boolean): Promise<boolean> {
    if (!this.db.isOpen) return Promise.reject(new Error('read-model store is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ run, resolve, reject });
      if (!this.commitScheduled) {
        this.commitScheduled = true;
        setImmediate(() => this.commitPending());
      }
    });
  }

  private commitPending(): void {
    this.commitScheduled = false;
    const group = this.pending;
    this.pending = [];
    if (group.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = immediateTransaction(this.db, () =>
        group.map((write): Outcome => {
          try {
            return { ok: true, written: write.run() };
          } catch (error) {
            // A failed statement is undone alone, unless SQLite had to abandon the whole transaction.
            if (!this.db.isTransaction) throw error;
            return { ok: false, error };
          }
        }),
      );
    } catch (error) {
      for (const write of group) write.reject(error);
      return;
    }
    const settle = () =>
      group.forEach((write, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) write.resolve(outcome.written);
        else write.reject(outcome.error);
      });
    if (!this.walSync) return settle();
    this.walSync.durable().then(settle, (error: unknown) => {
      const cause = new Error(`read-model commit not known to be on disk: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
      for (const write of group) write.reject(cause);
    });
  }

  private collection(name: string): Collection {
    const known = this.collections.get(name);
    if (known) return known;
    const stored = this.db.prepare('SELECT indexes FROM read_model_collections WHERE name = ?').get(name) as
      | { indexes: string }
      | undefined;
    if (!stored) throw new Error(`unknown collection ${name}: call ensureCollection first`);
    const collection = this.prepareCollection(tableOf(name), JSON.parse(stored.indexes) as string[]);
    this.collections.set(name, collection);
    return collection;
  }

  private prepareCollection(table: string, indexes: readonly string[]): Collection {
    const t = quote(table);
    return {
      table,
      indexes: new Set(indexes),
      fields: indexes,
      current: this.db.prepare(`SELECT revision, keys FROM ${t} WHERE id = ?`),
      insert: this.db.prepare(`INSERT INTO ${t} (id, revision, data, keys) VALUES (?, ?, ?, ?)`),
      updateData: this.db.prepare(`UPDATE ${t} SET revision = ?, data = ? WHERE id = ?`),
      updateAll: this.db.prepare(`UPDATE ${t} SET revision = ?, data = ?, keys = ? WHERE id = ?`),
      get: this.db.prepare(`SELECT id, revision, data FROM ${t} WHERE id = ?`),
      delete: this.db.prepare(`DELETE FROM ${t} WHERE id = ? AND revision < ?`),
    };
  }
}

const tableOf = (collection: string): string => `rm_${collection}`;
const indexOf = (table: string, field: string): string => `${table}__${field.replaceAll('.', '__')}`;
const quote = (identifier: string): string => `"${identifier.replaceAll('"', '""')}"`;
/** Paths are checked against FIELD_PATH, so they are safe inside the SQL string literal. */
const extract = (field: string): string => `json_extract(keys, '$."${field}"')`;

/** The `keys` of a document: its indexed values by path, in index order; a missing value is left out (it reads as null). */
function keysOf(data: Document, fields: readonly string[]): string {
  const keys: Record<string, unknown> = {};
  for (const field of fields) {
    let value: unknown = data;
    for (const step of field.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[step] : undefined;
    if (value !== undefined) keys[field] = value;
  }
  return JSON.stringify(keys);
}

/** The same in SQL, for documents stored before: `->` keeps JSON types (true stays true, not 1). */
const keysFromData = (fields: readonly string[]): string =>
  fields.length === 0 ? `'{}'` : `json_object(${fields.map((field) => `'${field}', json(data -> '$.${field}')`).join(', ')})`;

/** The expression SQLite's index on `field` covers; UnknownIndexError for a field the collection does not index. */
function indexed(collection: string, indexes: ReadonlySet<string>, field: string): string {
  if (!indexes.has(field)) throw new UnknownIndexError(collection, field);
  return extract(field);
}

/** The WHERE clause (empty without conditions) and its parameters for equality on indexed fields. */
function whereClause(collection: string, indexes: ReadonlySet<string>, where: FindQuery['where'] = {}): [string, SQLInputValue[]] {
  const conditions: string[] = [];
  const parameters: SQLInputValue[] = [];
  for (const [field, value] of Object.entries(where)) {
    const [condition, ...bound] = equals(indexed(collection, indexes, field), field, value);
    conditions.push(condition);
    parameters.push(...bound);
  }
  return [conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '', parameters];
}

/**
 * json_extract gives true/false as 1/0, so a boolean also checks the JSON type (a stored 1 is not
 * true); null matches a missing field too, as in MongoDB.
 */
function equals(expression: string, field: string, value: FieldValue): [string, ...SQLInputValue[]] {
  if (value === null) return [`${expression} IS NULL`];
  if (typeof value === 'boolean') {
    return [`${expression} = ? AND json_type(keys, '$."${field}"') = ?`, value ? 1 : 0, value ? 'true' : 'false'];
  }
  return [`${expression} = ?`, value];
}

function toDocument<T extends Document>(row: DocumentRow): StoredDocument<T> {
  return { id: row.id, revision: row.revision, data: JSON.parse(row.data) as T };
}

function assertRevision(revision: number): void {
  if (!Number.isSafeInteger(revision)) throw new RangeError(`revision must be an integer, got ${revision}`);
}

function nonNegative(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  return value;
}
