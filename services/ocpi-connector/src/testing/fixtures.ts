import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Spec examples copied unmodified from the OCPI 2.2.1 distribution (CC BY-ND) into fixtures/ocpi-2.2.1. */
export const FIXTURES_DIR = join(__dirname, '..', '..', 'fixtures', 'ocpi-2.2.1');

export function specExamples(prefix: string): { name: string; json: unknown }[] {
  return readdirSync(FIXTURES_DIR)
    .filter((name) => name.startsWith(prefix) && name.endsWith('.json'))
    .sort()
    .map((name) => ({ name, json: JSON.parse(readFileSync(join(FIXTURES_DIR, name), 'utf8')) as unknown }));
}
