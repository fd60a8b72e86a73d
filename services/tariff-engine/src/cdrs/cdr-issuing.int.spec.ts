import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeliveredMessage } from '@roamgate/bus';
import {
  AuthorizationSource,
  CdrIssuingFailure,
  ChargingState,
  CommandKind,
  CommandOrigin,
  decodeEventJson,
  encodeEventBinary,
  timestampDate,
  timestampFromDate,
} from '@roamgate/contracts';
import { commandStreamName, domainEvent, SessionAnomaly, sessionStreamName, toStoredEvent } from '@roamgate/domain-charging';
import type { Tariff } from '@roamgate/domain-tariffs';
import { aPriceComponent, aTariff } from '@roamgate/domain-tariffs/testing';
import { newEventId, openSqliteEventStore, type EventStore } from '@roamgate/event-store';
import { EVENT_HEADERS } from '@roamgate/relay';
import { cdrIdOf, cdrStreamName } from './cdr-events';
import { CdrIssuer, SessionNotStoppedError } from './cdr-issuer';
import { CdrIssuingConsumer } from './cdr-issuing.consumer';
import { IssuingAnomaly } from './session-timeline';
import { appendSession, InMemoryTariffBook, registerCharger, sessionEventsOf, type SessionSpec } from './testing/sessions';

const ISSUED_AT = new Date('2025-03-03T11:00:00Z');

/**
 * € 0.50 start fee; energy € 0.35/kWh from 11:00 to 12:00 local time, € 0.25/kWh otherwise; charging time
 * € 2.00/h; parking € 6.00/h in steps of 5 minutes; VAT 10 % on everything.
 */
const TARIFF: Tariff = aTariff({
  id: 'T-DAY',
  country_code: 'NL',
  party_id: 'RGT',
  last_updated: '2025-01-01T00:00:00Z',
  elements: [
    { price_components: [aPriceComponent({ type: 'FLAT', price: 0.5, vat: 10 })] },
    { price_components: [aPriceComponent({ type: 'ENERGY', price: 0.35, vat: 10 })], restrictions: { start_time: '11:00', end_time: '12:00' } },
    { price_components: [aPriceComponent({ type: 'ENERGY', price: 0.25, vat: 10 }), aPriceComponent({ type: 'TIME', price: 2, vat: 10 })] },
    { price_components: [aPriceComponent({ type: 'PARKING_TIME', price: 6, vat: 10, step_size: 300 })] },
  ],
});

/** 10:30-11:35 in Amsterdam (UTC+1 in March): charging until 11:20 local, then the EV is full and parks. */
const SESSION: SessionSpec = {
  sessionId: 'S-HAND',
  chargerId: 'CP-1',
  start: '2025-03-03T09:30:00Z',
  stop: '2025-03-03T10:35:00Z',
  meterStartWh: '10000',
  meterStopWh: '18000',
  idToken: { id: 'TOKEN-1', type: 'ISO14443' },
  partnerId: 'NL-EMS',
  authorizationReference: 'REF-1',
  authorization: AuthorizationSource.REAL_TIME,
  states: [
    ['2025-03-03T09:30:00Z', ChargingState.CHARGING],
    ['2025-03-03T10:20:00Z', ChargingState.SUSPENDED_EV],
  ],
  readings: [
    { at: '2025-03-03T09:50:00Z', wh: '13000', powerW: '11000' },
    { at: '2025-03-03T10:00:00Z', wh: '15000' },
    { at: '2025-03-03T10:20:00Z', wh: '18000' },
  ],
};

describe('CDR issuing on a SQLite event store', () => {
  let dir: string;
  let events: EventStore;
  let book: InMemoryTariffBook;
  let issuer: CdrIssuer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roamgate-cdr-issuing-'));
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    book = new InMemoryTariffBook().assign('CP-1', TARIFF, 'Europe/Amsterdam');
    issuer = new CdrIssuer(events, book, { clock: () => ISSUED_AT });
    await registerCharger(events, 'CP-1', 'LOC-1');
  });

  after(async () => {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const issuedEvents = async (sessionId: string) => (await events.readStream(cdrStreamName(cdrIdOf(sessionId)))).map((e) => e.type);

  it('issues the OCPI CDR of a stopped session with the periods and totals worked out by hand', async () => {
    await appendSession(events, SESSION);
    const outcome = await issuer.issue('S-HAND');
    assert.ok(outcome.outcome === 'issued', JSON.stringify(outcome));
    const { cdr } = outcome;

    assert.deepEqual(book.queries.at(-1), { chargerId: 'CP-1', evseId: 0, connectorId: 1, partnerId: 'NL-EMS', at: new Date('2025-03-03T09:30:00Z') });
    // Periods: a new one when the 11:00 local energy price starts, and when the EV stops requesting power.
    //   09:30-10:00Z (10:30-11:00 local) charging: 15000-10000 Wh = 5 kWh, 0.5 h, measured at 11 kW
    //   10:00-10:20Z (11:00-11:20 local) charging: 18000-15000 Wh = 3 kWh, 20 min = 0.3333 h
    //   10:20-10:35Z parking: 15 min = 0.25 h
    assert.deepEqual(cdr.charging_periods, [
      {
        start_date_time: '2025-03-03T09:30:00Z',
        dimensions: [
          { type: 'ENERGY', volume: 5 },
          { type: 'TIME', volume: 0.5 },
          { type: 'MIN_POWER', volume: 11 },
          { type: 'MAX_POWER', volume: 11 },
        ],
        tariff_id: 'T-DAY',
      },
      { start_date_time: '2025-03-03T10:00:00Z', dimensions: [{ type: 'ENERGY', volume: 3 }, { type: 'TIME', volume: 0.3333 }], tariff_id: 'T-DAY' },
      { start_date_time: '2025-03-03T10:20:00Z', dimensions: [{ type: 'PARKING_TIME', volume: 0.25 }], tariff_id: 'T-DAY' },
    ]);
    // fixed:   0.50                                       incl. 0.55
    // energy:  5 x 0.25 + 3 x 0.35 = 1.25 + 1.05 = 2.30   incl. 2.53
    // time:    (1800 s + 1200 s) x 2.00 / 3600 = 1.6667   incl. 1.8333 (each category rounded once, to 4 decimals)
    // parking: 900 s (3 steps of 300 s) x 6.00 / 3600 = 1.50   incl. 1.65
    // total:   0.50 + 2.30 + 1.6667 + 1.50 = 5.9667      incl. 0.55 + 2.53 + 1.8333 + 1.65 = 6.5633
    assert.deepEqual(
      {
        total_cost: cdr.total_cost,
        total_fixed_cost: cdr.total_fixed_cost,
        total_energy: cdr.total_energy,
        total_energy_cost: cdr.total_energy_cost,
        total_time: cdr.total_time,
        total_time_cost: cdr.total_time_cost,
        total_parking_time: cdr.total_parking_time,
        total_parking_cost: cdr.total_parking_cost,
        total_reservation_cost: cdr.total_reservation_cost,
      },
      {
        total_cost: { excl_vat: 5.9667, incl_vat: 6.5633 },
        total_fixed_cost: { excl_vat: 0.5, incl_vat: 0.55 },
        total_energy: 8,
        total_energy_cost: { excl_vat: 2.3, incl_vat: 2.53 },
        total_time: 1.0833,
        total_time_cost: { excl_vat: 1.6667, incl_vat: 1.8333 },
        total_parking_time: 0.25,
        total_parking_cost: { excl_vat: 1.5, incl_vat: 1.65 },
        total_reservation_cost: { excl_vat: 0, incl_vat: 0 },
      },
    );
    assert.deepEqual(
      { ...cdr, charging_periods: undefined, tariffs: undefined },
      {
        country_code: 'NL',
        party_id: 'RGT',
        id: cdrIdOf('S-HAND'),
        start_date_time: '2025-03-03T09:30:00Z',
        end_date_time: '2025-03-03T10:35:00Z',
        session_id: 'S-HAND',
        cdr_token: { country_code: 'NL', party_id: 'EMS', uid: 'TOKEN-1', type: 'RFID', contract_id: 'TOKEN-1' },
        auth_method: 'AUTH_REQUEST',
        authorization_reference: 'REF-1',
        cdr_location: { id: 'LOC-1', evse_uid: 'CP-1-1', connector_id: '1' },
        currency: 'EUR',
        charging_periods: undefined,
        tariffs: undefined,
        total_cost: { excl_vat: 5.9667, incl_vat: 6.5633 },
        total_fixed_cost: { excl_vat: 0.5, incl_vat: 0.55 },
        total_energy: 8,
        total_energy_cost: { excl_vat: 2.3, incl_vat: 2.53 },
        total_time: 1.0833,
        total_time_cost: { excl_vat: 1.6667, incl_vat: 1.8333 },
        total_parking_time: 0.25,
        total_parking_cost: { excl_vat: 1.5, incl_vat: 1.65 },
        total_reservation_cost: { excl_vat: 0, incl_vat: 0 },
        last_updated: '2025-03-03T11:00:00Z',
      },
    );
    assert.deepEqual(cdr.tariffs, [TARIFF], 'the tariff as it was at the start, whole');

    const [stored] = await events.readStream(cdrStreamName(cdrIdOf('S-HAND')));
    assert.equal(stored?.type, 'CdrIssued');
    const issued = decodeEventJson('CdrIssued', stored!.data);
    assert.equal(JSON.parse(issued.cdrJson).id, cdr.id);
    assert.deepEqual(
      {
        totalCost: issued.totalCost,
        totalEnergyKwh: issued.totalEnergyKwh,
        totalTimeHours: issued.totalTimeHours,
        totalParkingTimeHours: issued.totalParkingTimeHours,
        partnerId: issued.partnerId,
        timeZone: issued.timeZone,
        anomalies: issued.anomalies,
        tariffs: issued.tariffs.map((t) => [t.tariffId, timestampDate(t.lastUpdated!).toISOString()]),
      },
      {
        totalCost: { $typeName: 'roamgate.v1.Price', exclVat: '5.9667', inclVat: '6.5633' },
        totalEnergyKwh: '8',
        totalTimeHours: '1.0833',
        totalParkingTimeHours: '0.25',
        partnerId: 'NL-EMS',
        timeZone: 'Europe/Amsterdam',
        anomalies: [],
        tariffs: [['T-DAY', '2025-01-01T00:00:00.000Z']],
      },
    );
  });

  it('issues once, however often SessionStopped is delivered and however many issuers race', async () => {
    await appendSession(events, { ...SESSION, sessionId: 'S-RACE' });
    const outcomes = await Promise.all([issuer.issue('S-RACE'), issuer.issue('S-RACE'), new CdrIssuer(events, book).issue('S-RACE')]);
    assert.deepEqual(outcomes.map((o) => o.outcome).sort(), ['already_issued', 'already_issued', 'issued']);
    assert.deepEqual(new Set(outcomes.map((o) => o.cdrId)), new Set([cdrIdOf('S-RACE')]));

    const consumer = new CdrIssuingConsumer(issuer);
    const stopped = (await events.readStream(sessionStreamName('S-RACE'))).find((e) => e.type === 'SessionStopped')!;
    const message: DeliveredMessage = {
      topic: 'roamgate.session',
      key: stopped.streamId,
      value: encodeEventBinary('SessionStopped', stopped.data as never),
      headers: { [EVENT_HEADERS.eventType]: 'SessionStopped', [EVENT_HEADERS.streamId]: stopped.streamId },
      partition: 0,
      offset: 7,
      attempt: 2,
    };
    await consumer.handle(message);
    await consumer.handle(message);
    assert.deepEqual(await issuedEvents('S-RACE'), ['CdrIssued']);
  });

  it('ignores every session event but SessionStopped', async () => {
    const consumer = new CdrIssuingConsumer(issuer);
    const started = (await events.readStream(sessionStreamName('S-HAND')))[0]!;
    await consumer.handle({
      topic: 'roamgate.session',
      key: started.streamId,
      value: encodeEventBinary('SessionStarted', started.data as never),
      headers: { [EVENT_HEADERS.eventType]: 'SessionStarted' },
      partition: 0,
      offset: 1,
      attempt: 1,
    });
    assert.deepEqual(await issuedEvents('S-HAND'), ['CdrIssued']);
  });

  it('records CdrIssuingFailed, once, when no tariff is in force, and issues when a later attempt finds one', async () => {
    await appendSession(events, { ...SESSION, sessionId: 'S-FREE', chargerId: 'CP-NO-TARIFF' });
    const first = await issuer.issue('S-FREE');
    assert.ok(first.outcome === 'failed');
    assert.equal(first.reason, CdrIssuingFailure.NO_TARIFF_IN_FORCE);
    assert.match(first.detail, /no tariff applies to charger CP-NO-TARIFF EVSE 0 connector 1 for partner NL-EMS at 2025-03-03T09:30:00.000Z/);
    await issuer.issue('S-FREE');
    assert.deepEqual(await issuedEvents('S-FREE'), ['CdrIssuingFailed']);

    book.assign('CP-NO-TARIFF', aTariff({ id: 'FREE', last_updated: '2025-01-01T00:00:00Z', elements: [{ price_components: [aPriceComponent({ type: 'FLAT', price: 0, step_size: 0 })] }] }));
    const retried = await issuer.issue('S-FREE');
    assert.ok(retried.outcome === 'issued');
    assert.deepEqual(retried.cdr.total_cost, { excl_vat: 0, incl_vat: 0 });
    assert.deepEqual(await issuedEvents('S-FREE'), ['CdrIssuingFailed', 'CdrIssued']);
  });

  it('records a pricing failure rather than a made-up CDR when the tariff cannot price the session', async () => {
    book.assign('CP-EXPIRED', aTariff({ id: 'OLD', last_updated: '2024-01-01T00:00:00Z', end_date_time: '2024-12-31T23:59:59Z' }));
    await appendSession(events, { ...SESSION, sessionId: 'S-EXPIRED', chargerId: 'CP-EXPIRED' });
    const outcome = await issuer.issue('S-EXPIRED');
    assert.ok(outcome.outcome === 'failed');
    assert.equal(outcome.reason, CdrIssuingFailure.NO_TARIFF_IN_FORCE);
    assert.match(outcome.detail, /none of the tariffs .* \(OLD\) is valid/);
    const [failed] = await events.readStream(cdrStreamName(cdrIdOf('S-EXPIRED')));
    assert.deepEqual(decodeEventJson('CdrIssuingFailed', failed!.data).tariffs.map((t) => t.tariffId), ['OLD']);

    book.assign('CP-USD', aTariff({ id: 'USD', currency: 'USD', last_updated: '2024-01-01T00:00:00Z', elements: [{ price_components: [aPriceComponent({ type: 'ENERGY', price: 0.3 })], restrictions: { min_kwh: 5, max_kwh: 1 } }] }));
    await appendSession(events, { ...SESSION, sessionId: 'S-INVALID', chargerId: 'CP-USD' });
    const invalid = await issuer.issue('S-INVALID');
    assert.ok(invalid.outcome === 'failed');
    assert.equal(invalid.reason, CdrIssuingFailure.PRICING_FAILED);
    assert.match(invalid.detail, /min_kwh/);
  });

  it('still issues a CDR for a session whose meter stop is below its start, with what is known and the anomalies carried', async () => {
    await appendSession(events, { ...SESSION, sessionId: 'S-METER', meterStopWh: '9000' });
    const outcome = await issuer.issue('S-METER');
    assert.ok(outcome.outcome === 'issued');
    // The 10:20 reading (18000 Wh) is the last one known: 8 kWh as before; the stop reading is left out.
    assert.equal(outcome.cdr.total_energy, 8);
    const [stored] = await events.readStream(cdrStreamName(cdrIdOf('S-METER')));
    assert.deepEqual(decodeEventJson('CdrIssued', stored!.data).anomalies, [SessionAnomaly.MeterStopBelowMeterStart, IssuingAnomaly.EnergyReadingsIgnored]);
  });

  it('places the CDR where the partner addressed its START_SESSION', async () => {
    const requested = domainEvent('CommandRequested', {
      commandId: 'C-1',
      occurredAt: timestampFromDate(new Date('2025-03-03T09:29:50Z')),
      kind: CommandKind.START_SESSION,
      chargerId: 'CP-1',
      origin: CommandOrigin.OCPI,
      partnerId: 'NL-EMS',
      payload: { case: 'startSession', value: { idToken: { id: 'TOKEN-1', type: 'RFID' }, connectorId: 1, locationId: 'NL-LOC-7', evseUid: 'NL*RGT*E7', ocpiConnectorId: '2' } },
    });
    await events.append(commandStreamName('C-1'), [{ id: newEventId(), ...toStoredEvent(requested) }], { expectedRevision: 'no_stream' });
    await appendSession(events, { ...SESSION, sessionId: 'S-REMOTE', commandId: 'C-1', authorization: AuthorizationSource.REMOTE_START });
    const outcome = await issuer.issue('S-REMOTE');
    assert.ok(outcome.outcome === 'issued');
    assert.deepEqual(outcome.cdr.cdr_location, { id: 'NL-LOC-7', evse_uid: 'NL*RGT*E7', connector_id: '2' });
    assert.equal(outcome.cdr.auth_method, 'COMMAND');
  });

  it('names the charger when it has no location, refuses a session that has not stopped, and records one that never started', async () => {
    await appendSession(events, { ...SESSION, sessionId: 'S-NOLOC', chargerId: 'CP-NOLOC', evseId: 2, connectorId: 1 });
    book.assign('CP-NOLOC', TARIFF, 'Europe/Amsterdam');
    const outcome = await issuer.issue('S-NOLOC');
    assert.ok(outcome.outcome === 'issued');
    assert.deepEqual(outcome.cdr.cdr_location, { id: 'CP-NOLOC', evse_uid: 'CP-NOLOC-2', connector_id: '1' });

    const started = sessionEventsOf({ ...SESSION, sessionId: 'S-ACTIVE' }).filter((e) => e.type !== 'SessionStopped');
    await events.append(sessionStreamName('S-ACTIVE'), started.map((e) => ({ id: newEventId(), ...toStoredEvent(e) })), { expectedRevision: 'no_stream' });
    await assert.rejects(issuer.issue('S-ACTIVE'), SessionNotStoppedError);
    assert.deepEqual(await issuedEvents('S-ACTIVE'), []);

    const missing = await issuer.issue('S-NEVER-STARTED');
    assert.ok(missing.outcome === 'failed');
    assert.equal(missing.reason, CdrIssuingFailure.SESSION_INCOMPLETE);
    assert.deepEqual(await issuedEvents('S-NEVER-STARTED'), ['CdrIssuingFailed']);
  });
});
