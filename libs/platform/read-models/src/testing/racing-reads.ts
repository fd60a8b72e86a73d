import type { ReadModelStore } from '../read-model-store.port';

export interface RacingReads<S extends ReadModelStore> {
  /** The store to hand the code under test. */
  readonly store: S;
  /** The next read that `when` accepts runs `work` after it has read and before it answers. */
  arm(work: () => Promise<unknown>, when?: (collection: string) => boolean): void;
  /** True while the armed work has not run. */
  readonly armed: boolean;
}

/**
 * A race made to order: another writer's work lands between a read of `method` and what the code under test does with
 * what it read (a consumer and a sweep of the same document, two partitions feeding one document).
 */
export function racingReads<S extends ReadModelStore>(store: S, method: 'get' | 'find'): RacingReads<S> {
  let armed: { readonly work: () => Promise<unknown>; readonly when: (collection: string) => boolean } | undefined;
  const read = store[method].bind(store) as (collection: string, ...rest: unknown[]) => Promise<unknown>;
  const racing = Object.assign(Object.create(store) as S, {
    [method]: async (collection: string, ...rest: unknown[]) => {
      const found = await read(collection, ...rest);
      const race = armed !== undefined && armed.when(collection) ? armed : undefined;
      if (race !== undefined) {
        armed = undefined;
        await race.work();
      }
      return found;
    },
  });
  return {
    store: racing,
    arm: (work, when = () => true) => void (armed = { work, when }),
    get armed() {
      return armed !== undefined;
    },
  };
}
