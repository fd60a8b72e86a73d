import type { Document, ReadModelStore, StoredDocument } from './read-model-store.port';

export class ReadModelBatchConflictError extends Error {
  override readonly name = 'ReadModelBatchConflictError';
  constructor(readonly refused: readonly { readonly collection: string; readonly id: string }[]) {
    super(`${refused.length} document(s) changed by another writer before the batch committed: ${refused.map((d) => `${d.collection}/${d.id}`).join(', ')}`);
  }
}

interface Buffered extends StoredDocument {
  readonly collection: string;
}

/**
 * Upserts buffered over a store, for a consumer that projects many events before it commits: get() sees the
 * batch's own writes, the revision guard is the store's, and commit() writes the last version of each document
 * at once, which a group-committing store puts in one transaction.
 */
export class ReadModelBatch {
  private readonly written = new Map<string, Buffered>();
  /** What the store held when first asked, absent documents included: a batch reads each document once. */
  private readonly read = new Map<string, StoredDocument | undefined>();

  constructor(private readonly store: ReadModelStore) {}

  async get<T extends Document>(collection: string, id: string): Promise<StoredDocument<T> | undefined> {
    const key = keyOf(collection, id);
    const buffered = this.written.get(key);
    if (buffered !== undefined) return { id, revision: buffered.revision, data: buffered.data as T };
    if (this.read.has(key)) return this.read.get(key) as StoredDocument<T> | undefined;
    const stored = await this.store.get<T>(collection, id);
    this.read.set(key, stored);
    return stored;
  }

  /** As ReadModelStore.upsert: false, and nothing buffered, when the current revision is not lower. */
  async upsert<T extends Document>(collection: string, id: string, data: T, revision: number): Promise<boolean> {
    if (!Number.isSafeInteger(revision)) throw new RangeError(`revision must be an integer, got ${revision}`);
    const current = await this.get(collection, id);
    if (current !== undefined && current.revision >= revision) return false;
    this.written.set(keyOf(collection, id), { collection, id, revision, data });
    return true;
  }

  get size(): number {
    return this.written.size;
  }

  /**
   * Writes everything buffered. Throws ReadModelBatchConflictError when the store refused a document because
   * another writer stored a revision at least as high since it was read: the batch must be projected again.
   */
  async commit(): Promise<void> {
    const documents = [...this.written.values()];
    this.written.clear();
    this.read.clear();
    const stored = await Promise.all(documents.map((d) => this.store.upsert(d.collection, d.id, d.data, d.revision)));
    const refused = documents.filter((_, i) => !stored[i]).map(({ collection, id }) => ({ collection, id }));
    if (refused.length > 0) throw new ReadModelBatchConflictError(refused);
  }
}

const keyOf = (collection: string, id: string): string => `${collection}\u0000${id}`;
