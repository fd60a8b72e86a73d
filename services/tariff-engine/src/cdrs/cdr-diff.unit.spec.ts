import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ABSENT, diffCdr } from './cdr-diff';

const issued = {
  id: 'CDR-1',
  currency: 'EUR',
  charging_periods: [
    { start_date_time: '2025-03-03T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 8 }, { type: 'TIME', volume: 0.6667 }], tariff_id: 'T1' },
    { start_date_time: '2025-03-03T10:40:00Z', dimensions: [{ type: 'PARKING_TIME', volume: 0.3333 }], tariff_id: 'T1' },
  ],
  total_cost: { excl_vat: 4.3333, incl_vat: 4.7667 },
  authorization_reference: 'REF-1',
};
const copy = () => JSON.parse(JSON.stringify(issued)) as typeof issued;

describe('field-by-field CDR diff', () => {
  it('finds nothing between a CDR and its copy, whatever the key order', () => {
    const { total_cost, ...rest } = copy();
    assert.deepEqual(diffCdr(issued, { total_cost, ...rest }), []);
  });

  it('names a changed leaf by its OCPI path, with both values as JSON text', () => {
    const replayed = copy();
    replayed.total_cost.excl_vat = 4.3334;
    replayed.charging_periods[0]!.dimensions[1]!.volume = 0.6668;
    assert.deepEqual(diffCdr(issued, replayed), [
      { field: 'charging_periods[0].dimensions[1].volume', issued: '0.6667', replayed: '0.6668' },
      { field: 'total_cost.excl_vat', issued: '4.3333', replayed: '4.3334' },
    ]);
  });

  it('reports an element or key that only one side has as absent on the other', () => {
    const replayed = copy() as Record<string, unknown> & typeof issued;
    replayed.charging_periods.pop();
    delete (replayed as Partial<typeof issued>).authorization_reference;
    replayed['remark'] = 'late readings';
    assert.deepEqual(diffCdr(issued, replayed), [
      { field: 'charging_periods[1]', issued: JSON.stringify(issued.charging_periods[1]), replayed: ABSENT },
      { field: 'authorization_reference', issued: '"REF-1"', replayed: ABSENT },
      { field: 'remark', issued: ABSENT, replayed: '"late readings"' },
    ]);
  });

  it('reports a value that changed kind whole, at its path', () => {
    assert.deepEqual(diffCdr({ total_cost: { excl_vat: 1 } }, { total_cost: 1 }), [{ field: 'total_cost', issued: '{"excl_vat":1}', replayed: '1' }]);
    assert.deepEqual(diffCdr({ a: [1] }, { a: null }), [{ field: 'a', issued: '[1]', replayed: 'null' }]);
  });
});
