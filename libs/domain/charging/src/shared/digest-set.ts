import { hash } from 'node:crypto';

/**
 * Where a DigestSet's entries live: an open-addressing hash table in one typed array, three 32-bit words a slot (the
 * digest's two halves, then its insertion position + 1, 0 for an empty slot). Shared by the sets made from one another,
 * like AppendOnlySet's storage, and replaced by a larger table in place when it fills up.
 */
interface Table {
  slots: Uint32Array;
  /** Entries in the table: positions 0 .. count - 1 are taken. */
  count: number;
}

const WORDS = 3;
const FIRST_CAPACITY = 16;
/** Shared by every empty set, never written to. */
const NO_TABLE: Table = Object.freeze({ slots: new Uint32Array(0), count: 0 }) as Table;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const SEXTET = new Uint8Array(128);
for (let i = 0; i < BASE64.length; i++) SEXTET[BASE64.charCodeAt(i)] = i;

/** 30 bits from five base64 characters of `digest`, from `from` on. */
function bits30(digest: string, from: number): number {
  let value = 0;
  for (let i = from; i < from + 5; i++) value = (value << 6) | SEXTET[digest.charCodeAt(i)]!;
  return value;
}

/**
 * The first 60 bits of the MD5 of `text`, as two 30-bit halves (read from its base64 form: a string is what
 * node:crypto hands out fastest). Collisions among a session's readings are out of reach (about n² / 2^61).
 */
function digestOf(text: string): [number, number] {
  const digest = hash('md5', text, 'base64');
  return [bits30(digest, 0), bits30(digest, 5)];
}

/** The slot holding the digest, or the empty slot where it would go. */
function slotOf(slots: Uint32Array, hi: number, lo: number): number {
  const mask = slots.length / WORDS - 1;
  for (let slot = lo & mask; ; slot = (slot + 1) & mask) {
    const at = slot * WORDS;
    if (slots[at + 2] === 0 || (slots[at] === hi && slots[at + 1] === lo)) return at;
  }
}

function insert(table: Table, hi: number, lo: number): void {
  if ((table.count + 1) * 2 > table.slots.length / WORDS) grow(table);
  const at = slotOf(table.slots, hi, lo);
  table.slots[at] = hi;
  table.slots[at + 1] = lo;
  table.slots[at + 2] = ++table.count;
}

/** Doubles the table (or gives it its first one); at most half full, so probes stay short. */
function grow(table: Table, capacity = Math.max(FIRST_CAPACITY, (table.slots.length / WORDS) * 2)): void {
  const old = table.slots;
  const slots = new Uint32Array(capacity * WORDS);
  for (let at = 0; at < old.length; at += WORDS) {
    if (old[at + 2] === 0) continue;
    const to = slotOf(slots, old[at]!, old[at + 1]!);
    slots.set(old.subarray(at, at + WORDS), to);
  }
  table.slots = slots;
}

/**
 * An append-only set of text digests for a session's state: the keys that recognise a MeterValue delivered twice.
 * A session holds one per reading for as long as it runs (one a minute for hours, at 5,000 chargers hundreds of
 * thousands of them), so each is a 12-byte slot of a typed array kept at most half full (about 25 bytes a reading)
 * instead of a string and a Map entry (about 80), and none is an object the garbage collector has to visit. Every
 * set stays immutable, as AppendOnlySet: it sees the first `size` entries of a table it may share with the sets made
 * from it; adding to the newest appends in place, adding to an older one copies what that one sees first. Digests
 * are the first 60 bits of MD5.
 */
export class DigestSet {
  private constructor(
    private readonly table: Table,
    readonly size: number,
  ) {}

  private static readonly EMPTY = new DigestSet(NO_TABLE, 0);

  static empty(): DigestSet {
    return DigestSet.EMPTY;
  }

  /** Whether the digest of `text` is in this set. */
  has(text: string): boolean {
    if (this.size === 0) return false;
    const [hi, lo] = digestOf(text);
    return this.hasDigest(hi, lo);
  }

  /** This set with the digests of `texts` added (those it holds already are skipped); this one is unchanged. */
  with(...texts: readonly string[]): DigestSet {
    let table: Table | undefined;
    let size = this.size;
    for (const text of texts) {
      const [hi, lo] = digestOf(text);
      if (table === undefined ? this.hasDigest(hi, lo) : table.slots[slotOf(table.slots, hi, lo) + 2] !== 0) continue;
      table ??= this.appendable();
      insert(table, hi, lo);
      size += 1;
    }
    return table === undefined ? this : new DigestSet(table, size);
  }

  private hasDigest(hi: number, lo: number): boolean {
    const { slots } = this.table;
    if (slots.length === 0) return false;
    const position = slots[slotOf(slots, hi, lo) + 2]!;
    return position !== 0 && position <= this.size;
  }

  /** The table to append to: this set's own while nothing was appended past it, else a copy of what it sees. */
  private appendable(): Table {
    if (this.table !== NO_TABLE && this.table.count === this.size) return this.table;
    const copy: Table = { slots: new Uint32Array(0), count: 0 };
    grow(copy, Math.max(FIRST_CAPACITY, 2 ** Math.ceil(Math.log2((this.size + 1) * 2))));
    // In any order: every set made from the copy sees all of what it copied.
    const { slots } = this.table;
    for (let at = 0; at < slots.length; at += WORDS) {
      const position = slots[at + 2]!;
      if (position !== 0 && position <= this.size) insert(copy, slots[at]!, slots[at + 1]!);
    }
    return copy;
  }
}
