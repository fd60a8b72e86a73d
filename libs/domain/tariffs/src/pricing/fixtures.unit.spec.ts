import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { validateCdr, validateTariff } from '../ocpi/validate.js';
import { TariffError } from '../shared/errors.js';
import { priceCdr } from './price-cdr.js';
import { pricingInputOf } from './select-tariff.js';

const fixtures = path.join(__dirname, '..', '..', 'fixtures');
const readJson = (dir: string, file: string): unknown => JSON.parse(readFileSync(path.join(fixtures, dir, file), 'utf8'));

interface Expected {
  readonly source: string;
  readonly time_zone: string;
  readonly decimals?: number;
  readonly totals?: unknown;
  readonly error?: string;
}

describe('worked examples of mod_tariffs and mod_cdrs (fixtures/<case>)', () => {
  const cases = readdirSync(fixtures, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

  it('finds every fixture folder', () => {
    assert.ok(cases.length >= 34, `only ${cases.length} fixture folders in ${fixtures}`);
  });

  for (const name of cases) {
    it(name, () => {
      const tariff = validateTariff(readJson(name, 'tariff.json'));
      assert.ok(tariff.ok, `tariff.json: ${tariff.ok ? '' : tariff.issues.join('; ')}`);
      const cdr = validateCdr(readJson(name, 'cdr.json'));
      assert.ok(cdr.ok, `cdr.json: ${cdr.ok ? '' : cdr.issues.join('; ')}`);
      const expected = readJson(name, 'expected.json') as Expected;
      const input = pricingInputOf(cdr.value, {
        timeZone: expected.time_zone,
        ...(expected.decimals === undefined ? {} : { decimals: expected.decimals }),
      });
      if (expected.error !== undefined) {
        assert.throws(() => priceCdr(tariff.value, input), (e: unknown) => e instanceof TariffError && e.code === expected.error);
        return;
      }
      assert.deepEqual(priceCdr(tariff.value, input), expected.totals, expected.source);
    });
  }
});
