import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { aPriceComponent } from '@roamgate/domain-tariffs/testing';
import { canonicalJson, versionByLastUpdated, versionInForce, type AssignTariff, type PublishTariff } from './tariff.decider';
import { tariffEvent, tariffEventCodec } from './tariff-events';
import { assigned, deleted, given, published, t, tariffJson, ts, unassigned } from './testing/tariff-spec';

const v1 = tariffJson({ last_updated: '2025-01-01T00:00:00Z' });
const v2 = tariffJson({ last_updated: '2025-02-01T00:00:00Z', elements: [{ price_components: [aPriceComponent({ price: 0.35 })] }] });

const publish = (tariff: unknown, now = '2025-03-01T10:00:00Z', tariffId = 'T1'): PublishTariff => ({ type: 'PublishTariff', tariffId, tariff, now: t(now), by: 'test' });
const assign = (override: Partial<AssignTariff> = {}): AssignTariff => ({
  type: 'AssignTariff',
  tariffId: 'T1',
  assignmentId: 'A-2',
  target: { chargerId: 'CP-1' },
  timeZone: 'Europe/Amsterdam',
  now: t('2025-03-02T00:00:00Z'),
  by: 'test',
  ...override,
});

describe('tariff decider: publishing versions', () => {
  it('publishes the first version with its id, party, currency and last_updated, keeping the whole tariff as JSON', () => {
    given().when(publish(v1)).then([published(v1, '2025-03-01T10:00:00Z')]);
  });

  it('refuses an invalid tariff with the field path of every problem', () => {
    const broken = { ...v1, currency: 'euro', elements: [{ price_components: [{ type: 'ENERGY', price: 0.25, step_size: 0 }] }] };
    const rejection = given().whenRejected(publish(broken), 'invalid');
    assert.deepEqual(rejection.issues, ['currency: expected an ISO 4217 currency code such as EUR', 'elements[0].price_components[0].step_size: expected a positive integer']);
    assert.match(rejection.message, /elements\[0\]\.price_components\[0\]\.step_size/);
  });

  it('refuses a body whose id is not the id in the path', () => {
    const rejection = given().whenRejected(publish(v1, undefined, 'T2'), 'invalid');
    assert.deepEqual(rejection.issues, ['id: expected "T2", the id in the path, got "T1"']);
  });

  it('publishes a version with a later last_updated', () => {
    const then = given([published(v1, '2025-01-01T01:00:00Z')]).when(publish(v2));
    then.then([published(v2, '2025-03-01T10:00:00Z')]);
    assert.deepEqual(then.state.versions.map((v) => v.lastUpdated), ['2025-01-01T00:00:00Z', '2025-02-01T00:00:00Z']);
  });

  it('accepts the stored version again, whatever its key order, without a new event', () => {
    const reordered = JSON.parse(canonicalJson(v1)) as unknown;
    assert.notDeepEqual(Object.keys(reordered as object), Object.keys(v1));
    given([published(v1, '2025-01-01T01:00:00Z')]).when(publish(reordered)).thenNothing();
  });

  it('refuses a changed tariff with an equal or older last_updated: 409, naming last_updated', () => {
    const history = [published(v1, '2025-01-01T01:00:00Z'), published(v2, '2025-02-01T01:00:00Z')];
    const sameStamp = given(history).whenRejected(publish({ ...v2, currency: 'USD' }), 'conflict');
    assert.match(sameStamp.message, /^last_updated: 2025-02-01T00:00:00Z is not later than 2025-02-01T00:00:00Z/);
    const older = given(history).whenRejected(publish(v1), 'conflict');
    assert.match(older.message, /last_updated: 2025-01-01T00:00:00Z is not later than 2025-02-01T00:00:00Z/);
  });

  it('compares last_updated as instants, not as text', () => {
    const history = [published(v1, '2025-01-01T01:00:00Z')];
    given(history).whenRejected(publish({ ...v1, last_updated: '2025-01-01T00:00:00.000', currency: 'USD' }), 'conflict');
    given(history).when(publish({ ...v1, last_updated: '2025-01-01T00:00:00.001Z' })).then([published({ ...v1, last_updated: '2025-01-01T00:00:00.001Z' }, '2025-03-01T10:00:00Z')]);
  });

  it('refuses a version from another party under the same id', () => {
    const rejection = given([published(v1, '2025-01-01T01:00:00Z')]).whenRejected(publish({ ...v2, party_id: 'OTH' }), 'conflict');
    assert.match(rejection.message, /belongs to NL\*RGT, not NL\*OTH/);
  });
});

describe('tariff decider: deleting', () => {
  it('refuses to delete a tariff that was never published', () => {
    given().whenRejected({ type: 'DeleteTariff', tariffId: 'T1', now: t('2025-03-01T00:00:00Z'), by: 'test' }, 'not_found');
  });

  it('ends the active assignments, then deletes; a second delete changes nothing', () => {
    const target = { chargerId: 'CP-1', connectorId: 1 };
    const history = [
      published(v1, '2025-01-01T01:00:00Z'),
      assigned('T1', 'A-1', target, '2025-01-02T00:00:00Z'),
      assigned('T1', 'A-0', { chargerId: 'CP-0' }, '2025-01-02T00:00:00Z'),
      unassigned('T1', 'A-0', { chargerId: 'CP-0' }, '2025-01-03T00:00:00Z'),
    ];
    const del = { type: 'DeleteTariff', tariffId: 'T1', now: t('2025-03-01T00:00:00Z'), by: 'test' } as const;
    const then = given(history).when(del);
    then.then([unassigned('T1', 'A-1', target, '2025-03-01T00:00:00Z', 'tariff deleted'), deleted('T1', '2025-01-01T00:00:00Z', '2025-03-01T00:00:00Z')]);
    assert.equal(then.state.deleted, true);
    given([...history, ...then.events]).when(del).thenNothing();
  });

  it('takes a deleted tariff back only with a later last_updated', () => {
    const history = [published(v1, '2025-01-01T01:00:00Z'), deleted('T1', '2025-01-01T00:00:00Z', '2025-01-05T00:00:00Z')];
    given(history).whenRejected(publish(v1), 'conflict');
    const then = given(history).when(publish(v2));
    then.then([published(v2, '2025-03-01T10:00:00Z')]);
    assert.equal(then.state.deleted, false);
  });
});

describe('tariff decider: assignments', () => {
  const history = [published(v1, '2025-01-01T01:00:00Z')];

  it('assigns from now, or from validFrom', () => {
    given(history).when(assign()).then([assigned('T1', 'A-2', { chargerId: 'CP-1' }, '2025-03-02T00:00:00Z')]);
    const later = given(history).when(assign({ target: { chargerId: 'CP-1', evseId: 1, connectorId: 2, partnerId: 'NL-EMS' }, validFrom: t('2025-04-01T00:00:00Z') }));
    assert.equal(later.events.length, 1);
    const event = later.events[0]!;
    assert.equal(event.type, 'TariffAssigned');
    assert.deepEqual(event.type === 'TariffAssigned' && event.data.validFrom, ts('2025-04-01T00:00:00Z'));
    assert.deepEqual(later.state.assignments[0]?.target, { chargerId: 'CP-1', evseId: 1, connectorId: 2, partnerId: 'NL-EMS' });
  });

  it('refuses an unknown tariff (404) and a deleted one (409)', () => {
    given().whenRejected(assign(), 'not_found');
    given([...history, deleted('T1', '2025-01-01T00:00:00Z', '2025-01-05T00:00:00Z')]).whenRejected(assign(), 'conflict');
  });

  it('checks the time zone with Intl and the target, naming each field', () => {
    const rejection = given(history).whenRejected(
      assign({ timeZone: 'Mars/Olympus_Mons', target: { chargerId: 'CP:1', evseId: -1, connectorId: 1.5, partnerId: '' } }),
      'invalid',
    );
    assert.deepEqual(rejection.issues, [
      `chargerId: expected 1 to 48 characters without ':', '/' or whitespace, got "CP:1"`,
      'evseId: expected an integer >= 0',
      'connectorId: expected an integer >= 0',
      'partnerId: expected 1 to 64 characters without whitespace',
      'timeZone: unknown IANA time zone "Mars/Olympus_Mons", e.g. Europe/Amsterdam',
    ]);
  });

  it('changes nothing when the same assignment is made again', () => {
    given([...history, assigned('T1', 'A-1', { chargerId: 'CP-1' }, '2025-03-01T00:00:00Z')]).when(assign()).thenNothing();
  });

  it('replaces the assignment of a target with another time zone: the old one ends where the new one starts', () => {
    const then = given([...history, assigned('T1', 'A-1', { chargerId: 'CP-1' }, '2025-03-01T00:00:00Z')]).when(assign({ timeZone: 'Europe/Lisbon' }));
    then.then([unassigned('T1', 'A-1', { chargerId: 'CP-1' }, '2025-03-02T00:00:00Z', 'replaced'), assigned('T1', 'A-2', { chargerId: 'CP-1' }, '2025-03-02T00:00:00Z', 'Europe/Lisbon')]);
    assert.deepEqual(then.state.assignments.map((a) => [a.assignmentId, a.validUntil?.toISOString()]), [['A-1', '2025-03-02T00:00:00.000Z'], ['A-2', undefined]]);
  });

  it('keeps a partner-specific assignment beside the general one of the same charger', () => {
    const then = given([...history, assigned('T1', 'A-1', { chargerId: 'CP-1' }, '2025-03-01T00:00:00Z')]).when(assign({ target: { chargerId: 'CP-1', partnerId: 'NL-EMS' } }));
    assert.deepEqual(then.events.map((e) => e.type), ['TariffAssigned']);
  });

  it('unassigns now; unassigning again changes nothing; an unknown assignment is 404', () => {
    const active = [...history, assigned('T1', 'A-1', { chargerId: 'CP-1' }, '2025-03-01T00:00:00Z')];
    const unassign = { type: 'UnassignTariff', tariffId: 'T1', assignmentId: 'A-1', now: t('2025-03-05T00:00:00Z'), by: 'test' } as const;
    const then = given(active).when(unassign);
    then.then([unassigned('T1', 'A-1', { chargerId: 'CP-1' }, '2025-03-05T00:00:00Z')]);
    given([...active, ...then.events]).when(unassign).thenNothing();
    given(active).whenRejected({ ...unassign, assignmentId: 'A-9' }, 'not_found');
  });
});

describe('tariff decider: versions over time', () => {
  const history = [
    published(v1, '2025-01-01T01:00:00Z'),
    published(v2, '2025-02-01T01:00:00Z'),
    deleted('T1', '2025-02-01T00:00:00Z', '2025-03-01T00:00:00Z'),
    published(tariffJson({ last_updated: '2025-04-01T00:00:00Z' }), '2025-04-01T01:00:00Z'),
  ];
  const state = given(history).state;
  const at = (iso: string) => versionInForce(state, t(iso))?.lastUpdated;

  it('is the version published last by then, none before the first and none while deleted', () => {
    assert.equal(at('2024-12-31T00:00:00Z'), undefined);
    assert.equal(at('2025-01-01T01:00:00Z'), '2025-01-01T00:00:00Z');
    assert.equal(at('2025-02-01T00:59:59Z'), '2025-01-01T00:00:00Z');
    assert.equal(at('2025-02-01T01:00:00Z'), '2025-02-01T00:00:00Z');
    assert.equal(at('2025-03-15T00:00:00Z'), undefined);
    assert.equal(at('2025-04-02T00:00:00Z'), '2025-04-01T00:00:00Z');
  });

  it('finds any stored version by last_updated, in any OCPI DateTime spelling', () => {
    assert.equal(versionByLastUpdated(state, '2025-01-01T00:00:00.000Z')?.tariff.elements[0]?.price_components[0]?.price, 0.25);
    assert.equal(versionByLastUpdated(state, new Date('2025-02-01T00:00:00Z'))?.tariff.elements[0]?.price_components[0]?.price, 0.35);
    assert.equal(versionByLastUpdated(state, '2025-01-15T00:00:00Z'), undefined);
  });
});

describe('tariff events in the store', () => {
  it('round-trip through the stored JSON, optional EVSE 0 included', () => {
    const events = [
      published(v1, '2025-01-01T01:00:00Z'),
      assigned('T1', 'A-1', { chargerId: 'CP-1', evseId: 0, connectorId: 1 }, '2025-01-02T00:00:00Z'),
      tariffEvent('TariffDeleted', { tariffId: 'T1', occurredAt: ts('2025-02-01T00:00:00Z'), lastUpdated: ts('2025-01-01T00:00:00Z'), deletedBy: 'x' }),
    ];
    for (const event of events) {
      const stored = tariffEventCodec.toStored(event);
      assert.deepStrictEqual(tariffEventCodec.fromStored({ ...stored, data: JSON.parse(JSON.stringify(stored.data)), streamId: 'tariff-T1' }), event);
    }
    const state = given(events.slice(0, 2)).state;
    assert.deepEqual(state.assignments[0]?.target, { chargerId: 'CP-1', evseId: 0, connectorId: 1 });
  });

  it('refuses to fold an event of another family into a tariff stream', () => {
    assert.throws(() => tariffEventCodec.fromStored({ type: 'ChargerBooted', data: {}, streamId: 'tariff-T1' }), /tariff-T1: ChargerBooted is not a tariff event/);
  });
});
