import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { energyPerSampleWh, meterStopBelowStart, registerAfter, wholeWh } from './energy';

describe('energy model', () => {
  it('adds max power times the interval per sample', () => {
    assert.equal(energyPerSampleWh({ powerW: 22_000, intervalS: 60 }), (22_000 * 60) / 3600);
    assert.equal(energyPerSampleWh({ powerW: 36_000, intervalS: 0.1 }), 1);
  });

  it('derives the register from the sample count, without drift over many samples', () => {
    const model = { powerW: 11_000, intervalS: 0.3 };
    assert.equal(registerAfter(model, 1_000, 0), 1_000);
    assert.equal(wholeWh(registerAfter(model, 1_000, 3_600)), 1_000 + 3_300);
  });

  it('reports whole Wh', () => {
    assert.equal(wholeWh(1234.4), 1234);
    assert.equal(wholeWh(1234.5), 1235);
  });

  it('puts a faulty meter stop below the meter start, by what was charged and at least 1 Wh', () => {
    assert.equal(meterStopBelowStart(1_000, 1_250), 750);
    assert.equal(meterStopBelowStart(1_000, 1_000), 999);
  });
});
