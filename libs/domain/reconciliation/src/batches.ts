/** An async iterable that can also hand out its items in arrays: the matcher reads those without one await per item. */
export const BATCHES: unique symbol = Symbol('roamgate.reconciliation.batches');

export interface Batched<T> extends AsyncIterable<T> {
  [BATCHES](): AsyncIterable<T[]>;
}

export function batched<T>(batches: () => AsyncIterable<T[]>): Batched<T> {
  return {
    async *[Symbol.asyncIterator]() {
      for await (const batch of batches()) yield* batch;
    },
    [BATCHES]: batches,
  };
}

export function isBatched<T>(source: unknown): source is Batched<T> {
  return typeof source === 'object' && source !== null && BATCHES in source;
}
