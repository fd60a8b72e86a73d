import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { microOf, microPerMinor, shiftLeft, textOfMicro } from './decimal.js';
import { instantMs } from './time.js';

describe('decimal text as exact millionths', () => {
  it('reads decimal text exactly and rejects what is not decimal text', () => {
    assert.equal(microOf('12.3456'), 12_345_600);
    assert.equal(microOf('-0.01'), -10_000);
    assert.equal(microOf('+7'), 7_000_000);
    assert.equal(microOf('.5'), 500_000);
    assert.equal(microOf('0.1234565'), 123_457, 'the seventh decimal rounds half away from zero');
    for (const bad of ['', '-', '1.', '1e3', '1,5', '12.3.4', ' 1', 'NaN', '1234567890.1']) assert.ok(Number.isNaN(microOf(bad)), bad);
  });

  it('never goes through floats: 0.1 + 0.2 is 0.3', () => {
    assert.equal(microOf('0.1') + microOf('0.2'), microOf('0.3'));
  });

  it('writes millionths back as decimal text', () => {
    assert.equal(textOfMicro(12_345_600), '12.3456');
    assert.equal(textOfMicro(1_000_000), '1.00');
    assert.equal(textOfMicro(-10_000), '-0.01');
    assert.equal(textOfMicro(20_000_000, 3), '20.000');
  });

  it('moves the decimal point for minor units and Wh', () => {
    assert.equal(shiftLeft('1234', 2), '12.34');
    assert.equal(shiftLeft('5', 2), '0.05');
    assert.equal(shiftLeft('-20000.5', 3), '-20.0005');
    assert.equal(shiftLeft('7', 0), '7');
    assert.equal(microPerMinor('EUR'), 10_000);
    assert.equal(microPerMinor('JPY'), 1_000_000);
    assert.equal(microPerMinor('KWD'), 1_000);
  });
});

describe('instantMs', () => {
  it('reads UTC, fractions and offsets, and refuses impossible dates', () => {
    assert.equal(instantMs('2026-10-01T09:00:00Z'), Date.UTC(2026, 9, 1, 9));
    assert.equal(instantMs('2026-10-01T09:00:01Z'), Date.UTC(2026, 9, 1, 9, 0, 1));
    for (const day of ['1970-01-01', '1999-12-31', '2000-02-29', '2024-02-29', '2026-03-01', '2100-02-28', '2400-02-29']) {
      assert.equal(instantMs(`${day}T23:59:59Z`), Date.parse(`${day}T23:59:59Z`), day);
    }
    assert.equal(instantMs('2026-10-02T00:00:00Z'), Date.UTC(2026, 9, 2));
    assert.equal(instantMs('2026-10-01T09:00:00.250Z'), Date.UTC(2026, 9, 1, 9, 0, 0, 250));
    assert.equal(instantMs('2026-10-01T09:00:00.5Z'), Date.UTC(2026, 9, 1, 9, 0, 0, 500));
    assert.equal(instantMs('2026-10-01T09:00:00.123999Z'), Date.UTC(2026, 9, 1, 9, 0, 0, 123));
    assert.equal(instantMs('2026-10-01T09:00:00'), Date.UTC(2026, 9, 1, 9), 'OCPI DateTime: UTC without the Z');
    assert.equal(instantMs('2026-10-01T11:00:00+02:00'), Date.UTC(2026, 9, 1, 9));
    for (const bad of ['2026-02-30T09:00:00Z', '2025-02-29T09:00:00Z', '2100-02-29T09:00:00Z', '2026-04-31T09:00:00Z', '2026-13-01T09:00:00Z', '2026-10-01T24:00:00Z', '2026-10-01T09:60:00Z', '2026-10-01 09:00:00Z', '2026-1O-01T09:00:00Z', '2026-10-01T09:00:00.Z', '2026-10-01T09:00:00.2xZ', 'yesterday']) assert.ok(Number.isNaN(instantMs(bad)), bad);
  });
});
