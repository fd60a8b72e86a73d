export type Document = Readonly<Record<string, unknown>>;

export interface StoredDocument<T extends Document = Document> {
  readonly id: string;
  /** Revision of the source (usually the stream revision or global position) that produced it. */
  readonly revision: number;
  readonly data: T;
}

export interface CollectionSpec {
  readonly name: string;
  /** Top-level or dotted field paths that find() may filter or sort on. */
  readonly indexes: readonly string[];
}

export type FieldValue = string | number | boolean | null;

export interface FindQuery {
  /** Equality on indexed fields; all must match. */
  readonly where?: Readonly<Record<string, FieldValue>>;
  /** Without it, documents come in id order, which changes to documents do not disturb: paging by offset is stable. */
  readonly sort?: { readonly field: string; readonly direction: 'asc' | 'desc' };
  readonly offset?: number;
  readonly limit?: number;
}

export interface FindResult<T extends Document> {
  readonly items: StoredDocument<T>[];
  /** Number of matching documents, ignoring offset and limit. */
  readonly total: number;
}

export class UnknownIndexError extends Error {
  override readonly name = 'UnknownIndexError';
  constructor(readonly collection: string, readonly field: string) {
    super(`collection ${collection} has no index on ${field}`);
  }
}

export interface ReadModelStore {
  ensureCollection(spec: CollectionSpec): Promise<void>;
  /**
   * Writes the document when it is new or its stored revision is lower than `revision`;
   * returns false (and writes nothing) otherwise, so replayed events are harmless.
   */
  upsert<T extends Document>(collection: string, id: string, data: T, revision: number): Promise<boolean>;
  get<T extends Document>(collection: string, id: string): Promise<StoredDocument<T> | undefined>;
  find<T extends Document>(collection: string, query?: FindQuery): Promise<FindResult<T>>;
  /**
   * The values an indexed field takes among the documents `where` matches, each once, in no particular order; null
   * stands for documents without it. Cheaper than walking the documents when many share few values.
   */
  distinct(collection: string, field: string, where?: FindQuery['where']): Promise<FieldValue[]>;
  /** Deletes when the stored revision is lower than `revision`; returns whether it deleted. */
  delete(collection: string, id: string, revision: number): Promise<boolean>;
  close(): Promise<void>;
}
