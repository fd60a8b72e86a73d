/** One field where the replayed CDR differs from the issued one (cdr.proto CdrFieldDiff). */
export interface CdrFieldDiff {
  /** OCPI path, e.g. "total_cost.excl_vat" or "charging_periods[2].dimensions[0].volume". */
  readonly field: string;
  /** The value as JSON text; ABSENT when the field is missing on that side. */
  readonly issued: string;
  readonly replayed: string;
}

export const ABSENT = '(absent)';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: unknown): value is Record<string, Json> => typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string => (value === undefined ? ABSENT : JSON.stringify(value));
const child = (path: string, key: string) => (path === '' ? key : `${path}.${key}`);

/**
 * Field-by-field differences between two OCPI objects, down to the leaves: objects by key (the issued CDR's
 * key order first), arrays by position. A missing element or key is reported as ABSENT on its side; a
 * value that changed kind (a number where an object was) is reported whole at its path.
 */
export function diffCdr(issued: unknown, replayed: unknown): CdrFieldDiff[] {
  const diffs: CdrFieldDiff[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) walk(a[i], b[i], `${path}[${i}]`);
      return;
    }
    if (isObject(a) && isObject(b)) {
      const keys = [...Object.keys(a), ...Object.keys(b).filter((key) => !Object.hasOwn(a, key))];
      for (const key of keys) walk(a[key], b[key], child(path, key));
      return;
    }
    const left = text(a);
    const right = text(b);
    if (left !== right) diffs.push({ field: path, issued: left, replayed: right });
  };
  walk(issued, replayed, '');
  return diffs;
}
