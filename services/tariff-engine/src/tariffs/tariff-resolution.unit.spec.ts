import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TariffQuery } from './tariff-book';
import type { TariffTarget } from './tariff.decider';
import { tariffsInForceAt } from './tariff-resolution';
import { assigned, deleted, fold, published, t, tariffJson, unassigned } from './testing/tariff-spec';

const query = (at: string, override: Partial<TariffQuery> = {}): TariffQuery => ({ chargerId: 'CP-1', evseId: 1, connectorId: 1, at: t(at), ...override });
const names = (found: ReturnType<typeof tariffsInForceAt>) => found.map((f) => `${f.tariff.id}@${f.tariff.last_updated}`);

/** A tariff stream: published on Jan 1 and assigned to `target` from Jan 2. */
const stream = (id: string, target: TariffTarget, ...more: Parameters<typeof fold>[0]) =>
  fold([published(tariffJson({ id, last_updated: '2025-01-01T00:00:00Z' }), '2025-01-01T00:00:00Z'), assigned(id, `${id}-A`, target, '2025-01-02T00:00:00Z'), ...more]);

describe('TariffBook resolution over time', () => {
  it('gives the version current at the session start: an update after it does not change the CDR', () => {
    const v2 = tariffJson({ last_updated: '2025-02-10T00:00:00Z', currency: 'USD' });
    const streams = [stream('T1', { chargerId: 'CP-1' }, published(v2, '2025-02-10T12:00:00Z'))];
    assert.deepEqual(names(tariffsInForceAt(streams, query('2025-02-10T11:59:59Z'))), ['T1@2025-01-01T00:00:00Z']);
    assert.deepEqual(names(tariffsInForceAt(streams, query('2025-02-10T12:00:00Z'))), ['T1@2025-02-10T00:00:00Z']);
  });

  it('goes by when a version was published, not by its last_updated', () => {
    const backdated = tariffJson({ last_updated: '2025-01-15T00:00:00Z', currency: 'USD' });
    const streams = [stream('T1', { chargerId: 'CP-1' }, published(backdated, '2025-03-01T00:00:00Z'))];
    assert.deepEqual(names(tariffsInForceAt(streams, query('2025-02-01T00:00:00Z'))), ['T1@2025-01-01T00:00:00Z']);
  });

  it('applies an assignment from validFrom until it ends, and not while the tariff is deleted', () => {
    const streams = [stream('T1', { chargerId: 'CP-1' }, unassigned('T1', 'T1-A', { chargerId: 'CP-1' }, '2025-02-01T00:00:00Z'))];
    assert.deepEqual(names(tariffsInForceAt(streams, query('2025-01-01T12:00:00Z'))), [], 'before validFrom');
    assert.deepEqual(names(tariffsInForceAt(streams, query('2025-01-31T23:59:59Z'))), ['T1@2025-01-01T00:00:00Z']);
    assert.deepEqual(names(tariffsInForceAt(streams, query('2025-02-01T00:00:00Z'))), [], 'validUntil is exclusive');

    const deletedLater = [stream('T2', { chargerId: 'CP-1' }, deleted('T2', '2025-01-01T00:00:00Z', '2025-03-01T00:00:00Z'))];
    assert.deepEqual(names(tariffsInForceAt(deletedLater, query('2025-02-15T00:00:00Z'))), ['T2@2025-01-01T00:00:00Z'], 'a session before the delete keeps it');
    assert.deepEqual(names(tariffsInForceAt(deletedLater, query('2025-03-01T00:00:00Z'))), []);
  });

  it('follows an assignment moved from one tariff to another', () => {
    const streams = [
      stream('OLD', { chargerId: 'CP-1' }, unassigned('OLD', 'OLD-A', { chargerId: 'CP-1' }, '2025-02-01T00:00:00Z')),
      fold([published(tariffJson({ id: 'NEW' }), '2025-01-01T00:00:00Z'), assigned('NEW', 'NEW-A', { chargerId: 'CP-1' }, '2025-02-01T00:00:00Z')]),
    ];
    assert.deepEqual(names(tariffsInForceAt(streams, query('2025-01-20T00:00:00Z'))).map((n) => n.split('@')[0]), ['OLD']);
    assert.deepEqual(names(tariffsInForceAt(streams, query('2025-02-20T00:00:00Z'))).map((n) => n.split('@')[0]), ['NEW']);
  });

  it('gives the time zone of the assignment in force, which may change over time', () => {
    const streams = [
      stream(
        'T1',
        { chargerId: 'CP-1' },
        unassigned('T1', 'T1-A', { chargerId: 'CP-1' }, '2025-02-01T00:00:00Z', 'replaced'),
        assigned('T1', 'T1-B', { chargerId: 'CP-1' }, '2025-02-01T00:00:00Z', 'Europe/Lisbon'),
      ),
    ];
    assert.deepEqual(tariffsInForceAt(streams, query('2025-01-20T00:00:00Z')).map((f) => f.timeZone), ['Europe/Amsterdam']);
    assert.deepEqual(tariffsInForceAt(streams, query('2025-02-20T00:00:00Z')).map((f) => f.timeZone), ['Europe/Lisbon']);
  });
});

describe('TariffBook resolution: the most specific assignment wins', () => {
  const streams = [
    stream('CHARGER', { chargerId: 'CP-1' }),
    stream('EVSE-2', { chargerId: 'CP-1', evseId: 2 }),
    stream('CONNECTOR-1', { chargerId: 'CP-1', evseId: 1, connectorId: 1 }),
    stream('CONNECTOR-ANY-EVSE-3', { chargerId: 'CP-1', connectorId: 3 }),
    stream('PARTNER', { chargerId: 'CP-1', partnerId: 'NL-EMS' }),
    stream('PARTNER-CONNECTOR-2', { chargerId: 'CP-1', evseId: 1, connectorId: 2, partnerId: 'DE-EMP' }),
    stream('OTHER', { chargerId: 'CP-2' }),
  ];
  const at = '2025-01-10T00:00:00Z';
  const ids = (override: Partial<TariffQuery>) => tariffsInForceAt(streams, query(at, override)).map((f) => f.tariff.id);

  it('connector over EVSE over charger', () => {
    assert.deepEqual(ids({ evseId: 1, connectorId: 1 }), ['CONNECTOR-1']);
    assert.deepEqual(ids({ evseId: 2, connectorId: 1 }), ['EVSE-2']);
    assert.deepEqual(ids({ evseId: 1, connectorId: 2 }), ['CHARGER']);
    assert.deepEqual(ids({ evseId: 0, connectorId: 3 }), ['CONNECTOR-ANY-EVSE-3'], 'a connector without EVSE matches any EVSE (OCPP 1.6)');
    assert.deepEqual(ids({ chargerId: 'CP-3' }), [], 'nothing assigned');
  });

  it("a partner's own tariff over any general one; other partners and local tokens get the general tariff", () => {
    assert.deepEqual(ids({ evseId: 1, connectorId: 1, partnerId: 'NL-EMS' }), ['PARTNER']);
    assert.deepEqual(ids({ evseId: 1, connectorId: 1, partnerId: 'BE-XYZ' }), ['CONNECTOR-1']);
    assert.deepEqual(ids({ evseId: 1, connectorId: 2, partnerId: 'DE-EMP' }), ['PARTNER-CONNECTOR-2']);
    assert.deepEqual(ids({ evseId: 1, connectorId: 3, partnerId: 'DE-EMP' }), ['CONNECTOR-ANY-EVSE-3']);
    assert.deepEqual(ids({ evseId: 2, connectorId: 2, partnerId: 'DE-EMP' }), ['EVSE-2']);
    assert.deepEqual(ids({ evseId: 1, connectorId: 2 }), ['CHARGER']);
  });

  it('gives every tariff of the winning level, for pricing to choose by type', () => {
    const two = [...streams, stream('AD-HOC', { chargerId: 'CP-1', evseId: 1, connectorId: 1 })];
    assert.deepEqual(tariffsInForceAt(two, query(at, { evseId: 1, connectorId: 1 })).map((f) => f.tariff.id), ['AD-HOC', 'CONNECTOR-1']);
  });
});
