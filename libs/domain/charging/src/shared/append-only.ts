/**
 * An append-only set for aggregate states that grow by an entry or two per event (a session's seqNos; the keys that
 * deduplicate its readings are a DigestSet, built the same way). Every state stays immutable: it sees the first `size`
 * entries of a storage it may share with the states made from it. Adding to the newest state of a storage appends in
 * place, so folding a session of n readings costs O(n) instead of copying every collection on every event, O(n²),
 * with all the copies becoming garbage a reading later. Adding to an older state (a decision retried on a state that
 * is not the newest) copies what that state sees first.
 */
interface Storage<T> {
  readonly items: T[];
  /** Position of each item. */
  readonly positions: Map<T, number>;
}

/**
 * What every empty set starts from, never appended to: a session's state holds several sets, most of which stay
 * empty (the seqNo sets of an OCPP 1.6 session), and the gateway keeps thousands of states.
 */
const NO_STORAGE: Storage<never> = Object.freeze({ items: Object.freeze([]) as unknown as never[], positions: new Map<never, number>() });

/** The storage to append to after the first `size` items of `storage`: itself while nothing was appended past them. */
function appendable<T>(storage: Storage<T>, size: number): Storage<T> {
  if (storage === NO_STORAGE) return { items: [], positions: new Map() };
  if (storage.items.length === size) return storage;
  const items = storage.items.slice(0, size);
  return { items, positions: new Map(items.map((item, i) => [item, i])) };
}

export class AppendOnlySet<T> {
  private constructor(
    private readonly storage: Storage<T>,
    readonly size: number,
  ) {}

  private static readonly EMPTY = new AppendOnlySet<never>(NO_STORAGE, 0);

  static empty<T>(): AppendOnlySet<T> {
    return AppendOnlySet.EMPTY as AppendOnlySet<T>;
  }

  has(value: T): boolean {
    const position = this.storage.positions.get(value);
    return position !== undefined && position < this.size;
  }

  /** This set with `values` added (those it holds already are skipped); this one is unchanged. */
  with(...values: readonly T[]): AppendOnlySet<T> {
    let storage: Storage<T> | undefined;
    let size = this.size;
    for (const value of values) {
      if (storage === undefined ? this.has(value) : storage.positions.has(value)) continue;
      storage ??= appendable(this.storage, this.size);
      storage.positions.set(value, size++);
      storage.items.push(value);
    }
    return storage === undefined ? this : new AppendOnlySet(storage, size);
  }

  toArray(): T[] {
    return this.storage.items.slice(0, this.size);
  }
}
