import type { Document, FindQuery, ReadModelStore, StoredDocument } from './read-model-store.port';

/** Every document a query matches, read a page of `pageSize` at a time; stop early by leaving the loop. */
export async function* findAll<T extends Document>(
  store: Pick<ReadModelStore, 'find'>,
  collection: string,
  query: Omit<FindQuery, 'offset' | 'limit'> = {},
  pageSize = 1_000,
): AsyncGenerator<StoredDocument<T>> {
  for (let offset = 0; ; offset += pageSize) {
    const { items } = await store.find<T>(collection, { ...query, offset, limit: pageSize });
    yield* items;
    if (items.length < pageSize) return;
  }
}
