/**
 * A Map for the per-connection tables of calls in flight, which hold one entry nearly always (OCPP-J allows one
 * outstanding CALL per direction) and are empty between calls.
 *
 * Why not a Map: V8 gives a Map a new hash table whenever a delete leaves it less than half full, so an empty-one-empty
 * cycle allocates a table on every call. The table then lives until the connection's next call (seconds at a
 * MeterValues interval), long enough to be promoted to the old generation, and dies there: with thousands of
 * chargers that is a steady stream of old-generation garbage, i.e. more frequent major collections. Here the first
 * entry lives in two fields and only further entries (a charger breaking the one-call rule) go to a Map.
 */
export class SlotMap<K, V> implements Iterable<[K, V]> {
  private hasSlot = false;
  private slotKey: K | undefined;
  private slotValue: V | undefined;
  private overflow: Map<K, V> | undefined;

  get size(): number {
    return (this.hasSlot ? 1 : 0) + (this.overflow?.size ?? 0);
  }

  has(key: K): boolean {
    return (this.hasSlot && Object.is(this.slotKey, key)) || (this.overflow?.has(key) ?? false);
  }

  get(key: K): V | undefined {
    if (this.hasSlot && Object.is(this.slotKey, key)) return this.slotValue;
    return this.overflow?.get(key);
  }

  set(key: K, value: V): this {
    if (this.hasSlot && Object.is(this.slotKey, key)) this.slotValue = value;
    else if (this.overflow?.has(key)) this.overflow.set(key, value);
    else if (!this.hasSlot) {
      this.hasSlot = true;
      this.slotKey = key;
      this.slotValue = value;
    } else (this.overflow ??= new Map()).set(key, value);
    return this;
  }

  delete(key: K): boolean {
    if (this.hasSlot && Object.is(this.slotKey, key)) {
      this.hasSlot = false;
      this.slotKey = undefined;
      this.slotValue = undefined;
      return true;
    }
    return this.overflow?.delete(key) ?? false;
  }

  clear(): void {
    this.hasSlot = false;
    this.slotKey = undefined;
    this.slotValue = undefined;
    this.overflow = undefined;
  }

  *entries(): IterableIterator<[K, V]> {
    if (this.hasSlot) yield [this.slotKey as K, this.slotValue as V];
    if (this.overflow !== undefined) yield* this.overflow.entries();
  }

  *keys(): IterableIterator<K> {
    for (const [key] of this.entries()) yield key;
  }

  *values(): IterableIterator<V> {
    for (const [, value] of this.entries()) yield value;
  }

  forEach(callback: (value: V, key: K, map: this) => void): void {
    for (const [key, value] of this.entries()) callback(value, key, this);
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}
