import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addDecimals, compareDecimals, normalizeDecimal, scaleDecimal, subtractDecimals, toW, toWh } from './decimal.js';
import { isChargingDomainError } from './errors.js';

describe('decimal energy arithmetic', () => {
  it('converts kWh to Wh exactly, where floats would not', () => {
    assert.equal(toWh('12.345', 'kWh'), '12345');
    assert.equal(toWh('0.0001', 'kWh'), '0.1');
    assert.equal(toWh('1.005', 'kWh'), '1005');
    assert.notEqual(String(1.005 * 1000), '1005', 'the float product this helper exists to avoid');
  });

  it('keeps Wh as sent, defaulting an absent unit to Wh', () => {
    assert.equal(toWh('1500'), '1500');
    assert.equal(toWh('1500.50', ''), '1500.5');
  });

  it('applies the OCPP 2.0.1 power-of-ten multiplier', () => {
    assert.equal(toWh(12.5, 'Wh', 3), '12500');
    assert.equal(toWh(125, 'Wh', -1), '12.5');
    assert.equal(toW(11, 'W', 3), '11000');
    assert.equal(toW('7.4', 'kW'), '7400');
  });

  it('reads JSON numbers, exponents included, without rounding', () => {
    assert.equal(normalizeDecimal(0.1), '0.1');
    assert.equal(normalizeDecimal(1e21), '1000000000000000000000');
    assert.equal(normalizeDecimal('1.5E-3'), '0.0015');
    assert.equal(normalizeDecimal('-0.50'), '-0.5');
    assert.equal(addDecimals('0.1', '0.2'), '0.3');
    assert.equal(subtractDecimals('1000', '1000.25'), '-0.25');
    assert.equal(scaleDecimal('3.2', 2), '320');
  });

  it('compares decimals of any scale', () => {
    assert.equal(compareDecimals('999.999', '1000'), -1);
    assert.equal(compareDecimals('1000.000', '1e3'), 0);
    assert.equal(compareDecimals('-1', '-2'), 1);
  });

  it('refuses text that is not a decimal and units that are not energy', () => {
    for (const bad of ['', '.', 'abc', '1,5', '0x10', 'NaN']) {
      assert.throws(() => normalizeDecimal(bad), (error) => isChargingDomainError(error, 'INVALID_DECIMAL'), bad);
    }
    assert.throws(() => normalizeDecimal(Number.POSITIVE_INFINITY), (error) => isChargingDomainError(error, 'INVALID_DECIMAL'));
    assert.throws(() => toWh('10', 'A'), (error) => isChargingDomainError(error, 'INVALID_DECIMAL'));
  });
});
