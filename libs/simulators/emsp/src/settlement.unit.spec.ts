import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OcpiObject } from './model';
import { type Discrepancy, settlementFile, type SettlementInjection } from './settlement';
import { fixture } from './testing/fixtures';
import { InvalidInput } from './validation';

const example = fixture('cdr_example');
const cdr = (id: string, overrides: OcpiObject = {}): OcpiObject => ({
  ...example,
  id,
  session_id: `S-${id}`,
  authorization_reference: `AUTH-${id}`,
  ...overrides,
});
const cdrs = [cdr('CDR-2'), cdr('CDR-1', { total_cost: { excl_vat: 10, incl_vat: 12.1 }, total_energy: 20 }), cdr('CDR-3')];
const header = 'cdr_id,session_id,authorization_reference,start_date_time,end_date_time,total_energy_kwh,total_cost_excl_vat,total_cost_incl_vat,currency,tariff_id';

function rowsOf(csv: string): string[] {
  return csv.trimEnd().split('\n').slice(1);
}

describe('settlement file', () => {
  it('writes the received CDRs as partner records, sorted by CDR id', () => {
    const file = settlementFile(cdrs, { format: 'csv' });
    const lines = file.content.trimEnd().split('\n');
    assert.equal(lines[0], header);
    assert.deepEqual(lines.slice(1), [
      'CDR-1,S-CDR-1,AUTH-CDR-1,2015-06-29T21:39:09Z,2015-06-29T23:37:32Z,20.00,10.00,12.10,EUR,12',
      'CDR-2,S-CDR-2,AUTH-CDR-2,2015-06-29T21:39:09Z,2015-06-29T23:37:32Z,15.342,4.00,4.40,EUR,12',
      'CDR-3,S-CDR-3,AUTH-CDR-3,2015-06-29T21:39:09Z,2015-06-29T23:37:32Z,15.342,4.00,4.40,EUR,12',
    ]);
    assert.deepEqual(file.discrepancies, []);
  });

  it('is deterministic whatever the order the CDRs arrived in', () => {
    const inject: SettlementInjection[] = [{ cdrId: 'CDR-2', kind: 'amount' }, { cdrId: 'X-9', kind: 'unknown' }];
    assert.equal(settlementFile(cdrs, { format: 'csv', inject }).content, settlementFile([...cdrs].reverse(), { format: 'csv', inject }).content);
  });

  const cases: { injection: SettlementInjection; row: string[] | 'absent'; discrepancy: Discrepancy }[] = [
    {
      injection: { cdrId: 'CDR-1', kind: 'amount', delta: 0.5 },
      row: ['CDR-1,S-CDR-1,AUTH-CDR-1,2015-06-29T21:39:09Z,2015-06-29T23:37:32Z,20.00,10.50,12.705,EUR,12'],
      discrepancy: { cdrId: 'CDR-1', kind: 'amount', field: 'total_cost_excl_vat', received: '10.00', reported: '10.50', expected: { type: 'AMOUNT_MISMATCH', owner: 'PARTNER' } },
    },
    {
      injection: { cdrId: 'CDR-1', kind: 'energy' },
      row: ['CDR-1,S-CDR-1,AUTH-CDR-1,2015-06-29T21:39:09Z,2015-06-29T23:37:32Z,20.50,10.00,12.10,EUR,12'],
      discrepancy: { cdrId: 'CDR-1', kind: 'energy', field: 'total_energy_kwh', received: '20.00', reported: '20.50', expected: { type: 'ENERGY_MISMATCH', owner: 'PARTNER' } },
    },
    {
      injection: { cdrId: 'CDR-1', kind: 'duration', deltaSeconds: -60 },
      row: ['CDR-1,S-CDR-1,AUTH-CDR-1,2015-06-29T21:39:09Z,2015-06-29T23:36:32Z,20.00,10.00,12.10,EUR,12'],
      discrepancy: { cdrId: 'CDR-1', kind: 'duration', field: 'end_date_time', received: '2015-06-29T23:37:32Z', reported: '2015-06-29T23:36:32Z', expected: { type: 'DURATION_MISMATCH', owner: 'PARTNER' } },
    },
    {
      injection: { cdrId: 'CDR-1', kind: 'currency' },
      row: ['CDR-1,S-CDR-1,AUTH-CDR-1,2015-06-29T21:39:09Z,2015-06-29T23:37:32Z,20.00,10.00,12.10,USD,12'],
      discrepancy: { cdrId: 'CDR-1', kind: 'currency', field: 'currency', received: 'EUR', reported: 'USD', expected: { type: 'CURRENCY_MISMATCH', owner: 'PARTNER' } },
    },
    {
      injection: { cdrId: 'CDR-1', kind: 'tariff', tariffId: 'T,2' },
      row: ['CDR-1,S-CDR-1,AUTH-CDR-1,2015-06-29T21:39:09Z,2015-06-29T23:37:32Z,20.00,10.00,12.10,EUR,"T,2"'],
      discrepancy: { cdrId: 'CDR-1', kind: 'tariff', field: 'tariff_id', received: '12', reported: 'T,2', expected: { type: 'TARIFF_MISMATCH', owner: 'PARTNER' } },
    },
    { injection: { cdrId: 'CDR-1', kind: 'missing' }, row: 'absent', discrepancy: { cdrId: 'CDR-1', kind: 'missing', expected: { type: 'MISSING_AT_PARTNER', owner: 'PARTNER' } } },
    {
      injection: { cdrId: 'CDR-1', kind: 'duplicate' },
      row: [
        'CDR-1,S-CDR-1,AUTH-CDR-1,2015-06-29T21:39:09Z,2015-06-29T23:37:32Z,20.00,10.00,12.10,EUR,12',
        'CDR-1,S-CDR-1,AUTH-CDR-1,2015-06-29T21:39:09Z,2015-06-29T23:37:32Z,20.00,10.00,12.10,EUR,12',
      ],
      discrepancy: { cdrId: 'CDR-1', kind: 'duplicate', expected: { type: 'DUPLICATE', owner: 'PARTNER' } },
    },
  ];
  for (const { injection, row, discrepancy } of cases) {
    it(`injects ${injection.kind} and reports exactly it`, () => {
      const file = settlementFile(cdrs, { format: 'csv', inject: [injection] });
      const rows = rowsOf(file.content);
      const mine = rows.filter((line) => line.startsWith('CDR-1,'));
      if (row === 'absent') assert.deepEqual(mine, []);
      else assert.deepEqual(mine, row);
      assert.equal(rows.filter((line) => !line.startsWith('CDR-1,')).length, 2, 'the other CDRs are untouched');
      assert.deepEqual(file.discrepancies, [discrepancy]);
    });
  }

  it('adds a row for a CDR the CPO never sent', () => {
    const file = settlementFile(cdrs, { format: 'csv', inject: [{ cdrId: 'GHOST-1', kind: 'unknown' }] });
    const rows = rowsOf(file.content);
    assert.equal(rows.length, 4);
    assert.match(rows[3]!, /^GHOST-1,GHOST-1-SESSION,,/);
    assert.deepEqual(file.discrepancies, [{ cdrId: 'GHOST-1', kind: 'unknown', expected: { type: 'UNKNOWN_TO_US', owner: 'PARTNER' } }]);
  });

  it('writes JSON records with the same content', () => {
    const file = settlementFile(cdrs, { format: 'json', inject: [{ cdrId: 'CDR-3', kind: 'amount' }] });
    const records = (JSON.parse(file.content) as { records: OcpiObject[] }).records;
    assert.deepEqual(records.map((record) => record['cdr_id']), ['CDR-1', 'CDR-2', 'CDR-3']);
    assert.deepEqual(records[2], {
      cdr_id: 'CDR-3',
      session_id: 'S-CDR-3',
      authorization_reference: 'AUTH-CDR-3',
      start_date_time: '2015-06-29T21:39:09Z',
      end_date_time: '2015-06-29T23:37:32Z',
      total_energy_kwh: 15.342,
      total_cost_excl_vat: 5,
      total_cost_incl_vat: 5.5,
      currency: 'EUR',
      tariff_id: '12',
    });
  });

  it('refuses injections that do not fit the received CDRs', () => {
    const refused = (inject: SettlementInjection[], message: RegExp) =>
      assert.throws(() => settlementFile(cdrs, { format: 'csv', inject }), (error: unknown) => error instanceof InvalidInput && message.test(error.message));
    refused([{ cdrId: 'NOPE', kind: 'amount' }], /inject\[0\]\.cdrId: no CDR NOPE was received/);
    refused([{ cdrId: 'CDR-1', kind: 'unknown' }], /CDR-1 was received/);
    refused([{ cdrId: 'CDR-1', kind: 'energy' }, { cdrId: 'CDR-1', kind: 'missing' }], /inject\[1\]\.kind: a missing CDR/);
    refused([{ cdrId: 'CDR-1', kind: 'energy' }, { cdrId: 'CDR-1', kind: 'energy' }], /energy already injected/);
    refused([{ cdrId: 'CDR-1', kind: 'refund' } as unknown as SettlementInjection], /inject\[0\]\.kind: expected one of/);
  });

  it('combines several discrepancies on one CDR', () => {
    const file = settlementFile(cdrs, { format: 'csv', inject: [{ cdrId: 'CDR-2', kind: 'energy', delta: -1 }, { cdrId: 'CDR-2', kind: 'duplicate' }] });
    assert.equal(rowsOf(file.content).filter((line) => line.startsWith('CDR-2,') && line.includes(',14.342,')).length, 2);
    assert.deepEqual(file.discrepancies.map((discrepancy) => discrepancy.kind), ['energy', 'duplicate']);
  });
});
