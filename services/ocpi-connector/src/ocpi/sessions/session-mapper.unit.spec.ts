import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthorizationSource, AuthorizationStatus, ChargingState, create, schemaOf, timestampFromMs } from '@roamgate/contracts';
import { validationProblems } from '../transport/validation';
import { SessionDto, SessionPatchDto } from './session.dto';
import { foldedSessionOf, partyOfPartnerId, sessionOf, sessionPatchOf, sessionWithMeterValues, type SessionStreamEvent } from './session-mapper';

const t0 = Date.parse('2025-03-01T09:00:00Z');
const at = (s: number) => timestampFromMs(t0 + s * 1000);
const ev = (type: SessionStreamEvent['type'], data: Record<string, unknown>) => ({ type, data: create(schemaOf(type), data as never) }) as SessionStreamEvent;
const sample = (s: number, wh: string, unit = 'Wh') => ({ timestamp: at(s), values: [{ value: wh, measurand: 'Energy.Active.Import.Register', unit }] });

const context = {
  cpo: { countryCode: 'NL', partyId: 'RGT' },
  tokenParty: partyOfPartnerId('nl-ems')!,
  place: { locationId: 'LOC-1', evseUid: 'CP-1-1', connectorId: '1' },
  currency: 'EUR',
};

const started = ev('SessionStarted', { sessionId: 'S-1', occurredAt: at(0), chargerId: 'CP-1', connectorId: 1, idToken: { id: 'TOKEN-1', type: 'ISO14443' }, meterStartWh: '1000', commandId: 'C-1', partnerId: 'NL-EMS' });

describe('session events to the OCPI Session', () => {
  it('maps a started session to an ACTIVE Session without periods', () => {
    const session = sessionOf([started], context)!;
    assert.deepEqual(session, {
      country_code: 'NL',
      party_id: 'RGT',
      id: 'S-1',
      start_date_time: '2025-03-01T09:00:00Z',
      kwh: 0,
      cdr_token: { country_code: 'NL', party_id: 'EMS', uid: 'TOKEN-1', type: 'RFID', contract_id: 'TOKEN-1' },
      auth_method: 'COMMAND',
      location_id: 'LOC-1',
      evse_uid: 'CP-1-1',
      connector_id: '1',
      currency: 'EUR',
      charging_periods: [],
      status: 'ACTIVE',
      last_updated: '2025-03-01T09:00:00Z',
    });
    assert.deepEqual(validationProblems(SessionDto, session), []);
  });

  it('counts energy from the register, cuts periods at charging state changes and completes on stop', () => {
    const events = [
      started,
      ev('SessionMeterValuesRecorded', { sessionId: 'S-1', occurredAt: at(1800), samples: [sample(1800, '6000')] }),
      ev('SessionChargingStateChanged', { sessionId: 'S-1', occurredAt: at(3600), chargingState: ChargingState.SUSPENDED_EV }),
      ev('SessionMeterValuesRecorded', { sessionId: 'S-1', occurredAt: at(3600), samples: [sample(3600, '11.5', 'kWh')] }),
    ];
    const active = sessionOf(events, context)!;
    assert.equal(active.kwh, 10.5);
    assert.equal(active.status, 'ACTIVE');
    assert.deepEqual(active.charging_periods, [{ start_date_time: '2025-03-01T09:00:00Z', dimensions: [{ type: 'ENERGY', volume: 10.5 }, { type: 'TIME', volume: 1 }] }]);
    assert.equal(active.last_updated, '2025-03-01T10:00:00Z');

    const done = sessionOf([...events, ev('SessionStopped', { sessionId: 'S-1', occurredAt: at(5400), meterStopWh: '11500', reason: 'Remote' })], context)!;
    assert.equal(done.status, 'COMPLETED');
    assert.equal(done.end_date_time, '2025-03-01T10:30:00Z');
    assert.equal(done.charging_periods.length, 2);
    assert.deepEqual(done.charging_periods[1], { start_date_time: '2025-03-01T10:00:00Z', dimensions: [{ type: 'PARKING_TIME', volume: 0.5 }] });

    const patch = sessionPatchOf(done, 1);
    assert.deepEqual(patch, { kwh: 10.5, charging_periods: [done.charging_periods[1]], status: 'COMPLETED', end_date_time: '2025-03-01T10:30:00Z', last_updated: '2025-03-01T10:30:00Z' });
    assert.deepEqual(validationProblems(SessionPatchDto, patch), []);
    assert.deepEqual(validationProblems(SessionDto, done), []);
  });

  it('names real-time authorization as AUTH_REQUEST and the CPO for a token without partner', () => {
    const local = ev('SessionStarted', { sessionId: 'S-2', occurredAt: at(0), chargerId: 'CP-1', connectorId: 1, idToken: { id: 'T' }, meterStartWh: '0' });
    const authorized = ev('SessionAuthorized', { sessionId: 'S-2', occurredAt: at(1), status: AuthorizationStatus.ACCEPTED, source: AuthorizationSource.REAL_TIME, authorizationReference: 'REF-1' });
    const session = sessionOf([local, authorized], { ...context, tokenParty: context.cpo })!;
    assert.equal(session.auth_method, 'AUTH_REQUEST');
    assert.equal(session.authorization_reference, 'REF-1');
    assert.deepEqual([session.cdr_token.country_code, session.cdr_token.party_id], ['NL', 'RGT']);
    assert.equal(sessionOf([authorized], context), undefined);
  });
});

describe('meter values folded onto the last result instead of the stream', () => {
  const meterValues = (s: number, ...samples: ReturnType<typeof sample>[]) => ev('SessionMeterValuesRecorded', { sessionId: 'S-1', occurredAt: at(s), samples });
  const data = (event: SessionStreamEvent) => event.data as Parameters<typeof sessionWithMeterValues>[1];

  it('gives what folding the whole stream gives, meter value after meter value', () => {
    const events: SessionStreamEvent[] = [started, ev('SessionChargingStateChanged', { sessionId: 'S-1', occurredAt: at(600), chargingState: ChargingState.SUSPENDED_EV }), ev('SessionChargingStateChanged', { sessionId: 'S-1', occurredAt: at(900), chargingState: ChargingState.CHARGING })];
    let folded = foldedSessionOf(events, context)!;
    for (const next of [meterValues(1000, sample(1000, '2000')), meterValues(1060), meterValues(1120, sample(1110, '2500'), sample(1120, '3.25', 'kWh')), meterValues(1180, sample(1120, '3300'))]) {
      events.push(next);
      folded = sessionWithMeterValues(folded, data(next))!;
      assert.deepEqual(folded, foldedSessionOf(events, context));
    }
    assert.equal(folded.session.kwh, 2.3);
    assert.equal(folded.session.charging_periods.length, 2);
  });

  it('starts counting from the first reading when the start had none', () => {
    const events: SessionStreamEvent[] = [ev('SessionStarted', { sessionId: 'S-1', occurredAt: at(0), chargerId: 'CP-1', connectorId: 1, meterStartWh: '' })];
    let folded = foldedSessionOf(events, context)!;
    for (const next of [meterValues(60, sample(60, '500')), meterValues(120, sample(120, '900'))]) {
      events.push(next);
      folded = sessionWithMeterValues(folded, data(next))!;
      assert.deepEqual(folded, foldedSessionOf(events, context));
    }
    assert.equal(folded.session.kwh, 0.4);
  });

  it('cannot tell a reading older than the latest or at a charging boundary, nor one after the stop: the stream is folded again', () => {
    const events = [started, meterValues(1800, sample(1800, '6000')), ev('SessionChargingStateChanged', { sessionId: 'S-1', occurredAt: at(3600), chargingState: ChargingState.SUSPENDED_EV })];
    const folded = foldedSessionOf(events, context)!;
    assert.equal(sessionWithMeterValues(folded, data(meterValues(3700, sample(1700, '5000')))), undefined);
    assert.equal(sessionWithMeterValues(folded, data(meterValues(3700, sample(3600, '9000')))), undefined);
    assert.notEqual(sessionWithMeterValues(folded, data(meterValues(3700, sample(3601, '9000')))), undefined);
    const stopped = foldedSessionOf([...events, ev('SessionStopped', { sessionId: 'S-1', occurredAt: at(5400), meterStopWh: '11500' })], context)!;
    assert.equal(sessionWithMeterValues(stopped, data(meterValues(5500, sample(5500, '12000')))), undefined);
  });
});
