import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AuthorizationSource, ChargingState, decodeEventJson, timestampFromDate } from '@roamgate/contracts';
import { domainEvent, meterSampleInit, sessionStreamName, toStoredEvent } from '@roamgate/domain-charging';
import type { Tariff } from '@roamgate/domain-tariffs';
import { aPriceComponent, aTariff, aTariffWithRestrictions, SeededRandom } from '@roamgate/domain-tariffs/testing';
import { newEventId, openSqliteEventStore, type EventStore } from '@roamgate/event-store';
import { cdrIdOf, cdrStreamName } from './cdr-events';
import { CdrIssuer } from './cdr-issuer';
import { CdrNotIssuedError } from './cdr.decider';
import { aRandomSessionSpec, appendSession, InMemoryTariffBook, readingOf, registerCharger, type SessionSpec } from './testing/sessions';

const PLAIN: Tariff = aTariff({
  id: 'T-PLAIN',
  last_updated: '2024-06-01T00:00:00Z',
  elements: [
    {
      price_components: [
        aPriceComponent({ type: 'ENERGY', price: 0.25, vat: 10 }),
        aPriceComponent({ type: 'TIME', price: 2, vat: 10, step_size: 60 }),
        aPriceComponent({ type: 'PARKING_TIME', price: 6, vat: 10, step_size: 300 }),
      ],
    },
  ],
});
const RESTRICTED: Tariff = { ...aTariffWithRestrictions('T-RESTRICTED'), last_updated: '2024-06-01T00:00:00Z' };

/** Sessions written out by hand: each one something replay must reproduce exactly. */
const HAND_SESSIONS: readonly SessionSpec[] = [
  { sessionId: 'F-plain', chargerId: 'CP-PLAIN', start: '2025-03-03T09:30:00Z', stop: '2025-03-03T10:30:00Z', meterStartWh: '0', meterStopWh: '11000' },
  {
    sessionId: 'F-parking',
    chargerId: 'CP-PLAIN',
    start: '2025-03-03T09:30:17Z',
    stop: '2025-03-03T11:02:41Z',
    meterStartWh: '120000.5',
    meterStopWh: '131234.25',
    states: [
      ['2025-03-03T09:30:17Z', ChargingState.EV_CONNECTED],
      ['2025-03-03T09:31:02Z', ChargingState.CHARGING],
      ['2025-03-03T10:12:00Z', ChargingState.SUSPENDED_EVSE],
      ['2025-03-03T10:20:00Z', ChargingState.CHARGING],
      ['2025-03-03T10:41:30Z', ChargingState.SUSPENDED_EV],
    ],
    readings: [
      { at: '2025-03-03T09:45:00Z', wh: '122500', powerW: '11040', currentA: '48' },
      { at: '2025-03-03T10:30:00Z', wh: '130100', powerW: '7360', currentA: '32' },
      { at: '2025-03-03T10:41:30Z', wh: '131234.25', powerW: '0' },
    ],
    partnerId: 'NL-EMS',
    authorizationReference: 'REF-9',
    authorization: AuthorizationSource.REAL_TIME,
  },
  {
    sessionId: 'F-night-restricted',
    chargerId: 'CP-RESTRICTED',
    start: '2025-03-28T20:40:00Z',
    stop: '2025-03-29T07:10:00Z',
    meterStartWh: '5000',
    meterStopWh: '65000',
    states: [['2025-03-29T04:00:00Z', ChargingState.SUSPENDED_EV]],
    readings: [
      { at: '2025-03-28T22:00:00Z', wh: '25000', powerW: '15000', currentA: '21.7' },
      { at: '2025-03-29T01:00:00Z', wh: '55000', powerW: '10000', currentA: '14.5' },
      { at: '2025-03-29T04:00:00Z', wh: '65000', powerW: '0', currentA: '0' },
    ],
  },
  { sessionId: 'F-dst', chargerId: 'CP-RESTRICTED', start: '2025-03-30T00:30:00Z', stop: '2025-03-30T02:30:00Z', meterStartWh: '0', meterStopWh: '44000' },
  { sessionId: 'F-meter-back', chargerId: 'CP-PLAIN', start: '2025-03-03T09:30:00Z', stop: '2025-03-03T10:30:00Z', meterStartWh: '5000', meterStopWh: '4000', readings: [{ at: '2025-03-03T10:00:00Z', wh: '9000' }] },
  { sessionId: 'F-instant', chargerId: 'CP-PLAIN', start: '2025-03-03T09:30:00Z', stop: '2025-03-03T09:29:00Z', meterStartWh: '5000', meterStopWh: '5100' },
  { sessionId: 'F-no-meter', chargerId: 'CP-RESTRICTED', start: '2025-07-05T12:00:00Z', stop: '2025-07-05T12:45:00Z' },
];

describe('tariff replay', () => {
  let dir: string;
  let events: EventStore;
  let book: InMemoryTariffBook;
  let issuer: CdrIssuer;
  let clock = new Date('2025-08-01T00:00:00Z');

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roamgate-cdr-replay-'));
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    book = new InMemoryTariffBook()
      .assign('CP-PLAIN', PLAIN, 'Europe/Amsterdam')
      .assign('CP-RESTRICTED', RESTRICTED, 'Europe/Amsterdam')
      .assign('CP-RANDOM', RESTRICTED, 'Europe/Amsterdam');
    issuer = new CdrIssuer(events, book, { clock: () => clock });
    await registerCharger(events, 'CP-PLAIN', 'LOC-PLAIN');
  });

  after(async () => {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function issued(spec: SessionSpec) {
    await appendSession(events, spec);
    const outcome = await issuer.issue(spec.sessionId);
    assert.ok(outcome.outcome !== 'failed', `${spec.sessionId}: ${JSON.stringify(outcome)}`);
    return outcome.cdr;
  }

  const random = new SeededRandom(20250401);
  const fixtures = [...HAND_SESSIONS, ...Array.from({ length: 40 }, (_, i) => aRandomSessionSpec(random, `R-${i}`))];

  it(`gives back exactly the issued CDR, field by field, for ${fixtures.length} fixture sessions`, async () => {
    for (const spec of fixtures) {
      const cdr = await issued(spec);
      clock = new Date(clock.getTime() + 60_000);
      const replay = await issuer.replay(cdr.id);
      assert.deepEqual(replay.diffs, [], `${spec.sessionId}: ${JSON.stringify(replay.diffs)}`);
      assert.equal(replay.matches, true);
      assert.deepEqual(replay.replayed, cdr, spec.sessionId);
      assert.deepEqual(replay.tariffs, [{ tariffId: cdr.tariffs[0]!.id, lastUpdated: '2024-06-01T00:00:00Z' }]);
    }
    const stream = await events.readStream(cdrStreamName(cdrIdOf('F-parking')));
    assert.deepEqual(stream.map((e) => e.type), ['CdrIssued', 'CdrReplayed']);
    const replayed = decodeEventJson('CdrReplayed', stream[1]!.data);
    assert.equal(replayed.matches, true);
    assert.equal(replayed.sessionId, 'F-parking');
    assert.deepEqual(replayed.tariffs.map((t) => t.tariffId), ['T-PLAIN']);
  });

  it('names the fields that differ when the tariff version it names now reads differently', async () => {
    const cdr = await issued({ sessionId: 'D-tariff', chargerId: 'CP-PLAIN', start: '2025-04-01T09:00:00Z', stop: '2025-04-01T10:00:00Z', meterStartWh: '0', meterStopWh: '10000' });
    const original = (await book.version('T-PLAIN', '2024-06-01T00:00:00Z'))!;
    book.rewrite('T-PLAIN', '2024-06-01T00:00:00Z', { ...original, elements: [{ price_components: [aPriceComponent({ type: 'ENERGY', price: 0.3, vat: 10 }), aPriceComponent({ type: 'TIME', price: 2, vat: 10, step_size: 60 })] }] });
    try {
      const replay = await issuer.replay(cdr.id);
      assert.equal(replay.matches, false);
      // 10 kWh at 0.30 instead of 0.25: energy cost 3.00 (incl. 3.30) instead of 2.50 (2.75); time 1 h at 2.00 unchanged.
      const fields = Object.fromEntries(replay.diffs.map((d) => [d.field, [d.issued, d.replayed]]));
      assert.deepEqual(fields['tariffs[0].elements[0].price_components[0].price'], ['0.25', '0.3']);
      assert.deepEqual(fields['total_energy_cost.excl_vat'], ['2.5', '3']);
      assert.deepEqual(fields['total_energy_cost.incl_vat'], ['2.75', '3.3']);
      assert.deepEqual(fields['total_cost.excl_vat'], ['4.5', '5']);
      assert.deepEqual(fields['total_cost.incl_vat'], ['4.95', '5.5']);
      assert.deepEqual(fields['tariffs[0].elements[0].price_components[2]'], [JSON.stringify(aPriceComponent({ type: 'PARKING_TIME', price: 6, vat: 10, step_size: 300 })), '(absent)']);
      assert.equal(fields['total_energy'], undefined, 'the energy itself did not change');

      const stream = await events.readStream(cdrStreamName(cdr.id));
      const recorded = decodeEventJson('CdrReplayed', stream.at(-1)!.data);
      assert.equal(recorded.matches, false);
      assert.deepEqual(recorded.diffs.map((d) => d.field), replay.diffs.map((d) => d.field));
      assert.deepEqual(recorded.replayedTotalCost, { $typeName: 'roamgate.v1.Price', exclVat: '5', inclVat: '5.5' });
    } finally {
      book.rewrite('T-PLAIN', '2024-06-01T00:00:00Z', original);
    }
  });

  it('shows readings that arrived after the CDR was issued (a charger offline queue) as differences', async () => {
    const cdr = await issued({ sessionId: 'D-late', chargerId: 'CP-PLAIN', start: '2025-04-01T09:00:00Z', stop: '2025-04-01T10:00:00Z', meterStartWh: '0', meterStopWh: '10000' });
    const late = domainEvent('SessionMeterValuesRecorded', {
      sessionId: 'D-late',
      occurredAt: timestampFromDate(new Date('2025-04-01T09:30:00Z')),
      receivedAt: timestampFromDate(new Date('2025-04-01T10:05:00Z')),
      chargerId: 'CP-PLAIN',
      transactionId: '1',
      connectorId: 1,
      samples: [meterSampleInit(readingOf({ at: '2025-04-01T09:30:00Z', wh: '9000', powerW: '18000' }))],
      offline: true,
    });
    await events.append(sessionStreamName('D-late'), [{ id: newEventId(), ...toStoredEvent(late) }], { expectedRevision: 'any' });
    const replay = await issuer.replay(cdr.id);
    assert.equal(replay.matches, false);
    const fields = replay.diffs.map((d) => d.field);
    // The reading at 09:30 adds power to the period: the periods gain MIN_POWER and MAX_POWER, the totals stay.
    assert.ok(fields.includes('charging_periods[0].dimensions[2]'), fields.join(', '));
    assert.ok(!fields.some((f) => f.startsWith('total_')), fields.join(', '));
  });

  it('reports a tariff version the book no longer has instead of replaying without it', async () => {
    const cdr = await issued({ sessionId: 'D-missing', chargerId: 'CP-PLAIN', start: '2025-04-01T09:00:00Z', stop: '2025-04-01T09:30:00Z', meterStartWh: '0', meterStopWh: '1000' });
    const lost = new CdrIssuer(events, new InMemoryTariffBook(), { clock: () => clock });
    const replay = await lost.replay(cdr.id);
    assert.equal(replay.matches, false);
    assert.deepEqual(replay.diffs, [{ field: 'tariffs[0]', issued: 'T-PLAIN version 2024-06-01T00:00:00Z', replayed: 'version not found in the tariff book' }]);
    assert.equal(replay.replayed, undefined);
  });

  it('refuses to replay a CDR that does not exist or was never issued', async () => {
    await assert.rejects(issuer.replay('no-such-cdr'), (e: unknown) => e instanceof CdrNotIssuedError && e.status === 'none');
    await appendSession(events, { sessionId: 'D-none', chargerId: 'CP-NONE', start: '2025-04-01T09:00:00Z', stop: '2025-04-01T09:30:00Z' });
    const failed = await issuer.issue('D-none');
    assert.equal(failed.outcome, 'failed');
    await assert.rejects(issuer.replay(failed.cdrId), (e: unknown) => e instanceof CdrNotIssuedError && e.status === 'failed');
  });
});
