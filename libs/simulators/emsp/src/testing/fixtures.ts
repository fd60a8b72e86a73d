import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OcpiObject } from '../model';

/** The spec's JSON examples copied into the package (fixtures/), so tests run without /work/shared. */
export function fixture<T = OcpiObject>(name: string): T {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'fixtures', `${name}.json`), 'utf8')) as T;
}
