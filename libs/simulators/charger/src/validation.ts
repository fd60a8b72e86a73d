/** Input from files and the command line, rejected with the path of the offending field. */
export class InvalidInput extends Error {
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
    this.name = 'InvalidInput';
  }
}

export type Fields = Readonly<Record<string, unknown>>;

export function objectAt(value: unknown, path: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InvalidInput(path, 'expected an object');
  return value as Fields;
}

export function noOtherFields(fields: Fields, known: readonly string[], path: string): void {
  const unknown = Object.keys(fields).find((key) => !known.includes(key));
  if (unknown !== undefined) throw new InvalidInput(`${path}.${unknown}`, `unknown field (expected one of ${known.join(', ')})`);
}

export function stringAt(fields: Fields, key: string, path: string, maxLength?: number): string {
  const value = fields[key];
  if (typeof value !== 'string' || value.length === 0) throw new InvalidInput(`${path}.${key}`, 'expected a non-empty string');
  if (maxLength !== undefined && value.length > maxLength)
    throw new InvalidInput(`${path}.${key}`, `at most ${maxLength} characters (OCPP limit), got ${value.length}`);
  return value;
}

export function numberAt(fields: Fields, key: string, path: string, rule: 'positive' | 'non-negative' | 'any' = 'any'): number {
  const value = fields[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidInput(`${path}.${key}`, 'expected a number');
  if (rule === 'positive' && value <= 0) throw new InvalidInput(`${path}.${key}`, 'expected a number above 0');
  if (rule === 'non-negative' && value < 0) throw new InvalidInput(`${path}.${key}`, 'expected a number of 0 or more');
  return value;
}

export function integerAt(fields: Fields, key: string, path: string, min: number): number {
  const value = numberAt(fields, key, path);
  if (!Number.isInteger(value) || value < min) throw new InvalidInput(`${path}.${key}`, `expected an integer of ${min} or more`);
  return value;
}

export function booleanAt(fields: Fields, key: string, path: string): boolean {
  const value = fields[key];
  if (typeof value !== 'boolean') throw new InvalidInput(`${path}.${key}`, 'expected true or false');
  return value;
}

export function optional<T>(fields: Fields, key: string, read: (fields: Fields, key: string) => T): T | undefined {
  return fields[key] === undefined ? undefined : read(fields, key);
}
