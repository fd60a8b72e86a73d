import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChargingState, OcppVersion } from '@roamgate/contracts';
import type { ChargerMix, SessionDocument } from './documents';
import type { ProjectedEvent } from './projected-event';
import { projectSession } from './session.projection';
import { at, delivered } from './testing';

const mix: ChargerMix = { vendor: 'Acme', model: 'Fast-50', firmwareVersion: '1.0.0' };
const where = (revision: number) => ({ streamId: 'session-S1', revision, position: 100 + revision });
const sample = (when: string, wh: string, context = 'Sample.Periodic') => ({
  timestamp: at(when),
  values: [{ value: wh, measurand: 'Energy.Active.Import.Register', unit: 'Wh', context }],
});

const started = (meterStartWh = '1000') =>
  delivered(
    'SessionStarted',
    {
      sessionId: 'S1',
      occurredAt: at('2025-01-01T10:00:00Z'),
      receivedAt: at('2025-01-01T10:00:01Z'),
      chargerId: 'CP1',
      protocol: OcppVersion.OCPP_VERSION_1_6,
      connectorId: 1,
      transactionId: '7',
      idToken: { id: 'TAG1', type: '' },
      meterStartWh,
      commandId: 'C1',
      partnerId: 'NL*ABC',
    },
    where(0),
  );

const fold = (events: readonly ProjectedEvent[]) => events.reduce<SessionDocument | undefined>((doc, e) => projectSession(doc, e, mix), undefined);

describe('session projection', () => {
  it('starts ACTIVE with the charger mix at the start', () => {
    const doc = fold([started()])!;
    assert.equal(doc.status, 'ACTIVE');
    assert.equal(doc.chargerId, 'CP1');
    assert.deepEqual(doc.idToken, { id: 'TAG1', type: '' });
    assert.deepEqual([doc.vendor, doc.model, doc.firmwareVersion], ['Acme', 'Fast-50', '1.0.0']);
    assert.equal(doc.commandId, 'C1');
    assert.equal(doc.energyWh, '0');
  });

  it('follows the latest energy register by the charger clock, whatever the delivery order', () => {
    const meter = (revision: number, ...samples: ReturnType<typeof sample>[]) =>
      delivered('SessionMeterValuesRecorded', { sessionId: 'S1', occurredAt: samples[0]!.timestamp, chargerId: 'CP1', samples }, where(revision));
    const doc = fold([started(), meter(1, sample('2025-01-01T10:10:00Z', '2500.5')), meter(2, sample('2025-01-01T10:05:00Z', '1800'))])!;
    assert.equal(doc.lastMeterWh, '2500.5');
    assert.equal(doc.lastMeterAt, '2025-01-01T10:10:00.000Z');
    assert.equal(doc.energyWh, '1500.5');
    assert.equal(doc.meterValuesCount, 2);
  });

  it('completes with meter stop, energy as an exact decimal, stop reason and every anomaly once', () => {
    const doc = fold([
      started('1000.1'),
      delivered('SessionMeterValuesRecorded', { sessionId: 'S1', chargerId: 'CP1', samples: [sample('2025-01-01T10:05:00Z', '1500')], anomalies: ['CLOCK_SKEW'] }, where(1)),
      delivered(
        'SessionStopped',
        { sessionId: 'S1', occurredAt: at('2025-01-01T11:00:00Z'), chargerId: 'CP1', transactionId: '7', meterStopWh: '3000.3', reason: '', anomalies: ['CLOCK_SKEW'] },
        where(2),
      ),
    ])!;
    assert.equal(doc.status, 'COMPLETED');
    assert.equal(doc.stoppedAt, '2025-01-01T11:00:00.000Z');
    assert.equal(doc.meterStopWh, '3000.3');
    assert.equal(doc.energyWh, '2000.2');
    assert.equal(doc.stopReason, 'Local', 'an empty OCPP reason means Local');
    assert.deepEqual(doc.anomalies, ['CLOCK_SKEW']);
  });

  it('takes the first register as meter start when the charger sent none (OCPP 2.0.1)', () => {
    const doc = fold([
      started(''),
      delivered('SessionMeterValuesRecorded', { sessionId: 'S1', chargerId: 'CP1', samples: [sample('2025-01-01T10:05:00Z', '600'), sample('2025-01-01T10:00:00Z', '500', 'Transaction.Begin')] }, where(1)),
    ])!;
    assert.equal(doc.meterStartWh, '500');
    assert.equal(doc.energyWh, '100');
  });

  it('keeps the charging state the charger clock says is current', () => {
    const state = (revision: number, when: string, chargingState: ChargingState) =>
      delivered('SessionChargingStateChanged', { sessionId: 'S1', occurredAt: at(when), chargerId: 'CP1', chargingState }, where(revision));
    const doc = fold([started(), state(1, '2025-01-01T10:30:00Z', ChargingState.SUSPENDED_EV), state(2, '2025-01-01T10:01:00Z', ChargingState.CHARGING)])!;
    assert.equal(doc.chargingState, 'SUSPENDED_EV');
  });

  it('shows no charging state for a session closed before the states it last recorded (a lost transaction)', () => {
    const state = (revision: number, when: string, chargingState: ChargingState) =>
      delivered('SessionChargingStateChanged', { sessionId: 'S1', occurredAt: at(when), chargerId: 'CP1', chargingState }, where(revision));
    const stop = (revision: number, when: string) =>
      delivered('SessionStopped', { sessionId: 'S1', occurredAt: at(when), chargerId: 'CP1', meterStopWh: '1500', reason: 'Other', anomalies: ['STOP_MISSING'] }, where(revision));
    const charging = state(1, '2025-01-01T10:01:00Z', ChargingState.CHARGING);
    const lost = fold([started(), charging, state(2, '2025-01-01T12:00:00Z', ChargingState.IDLE), stop(3, '2025-01-01T10:30:00Z')])!;
    assert.deepEqual([lost.status, lost.chargingState, lost.chargingStateSince], ['COMPLETED', null, null]);
    const kept = fold([started(), charging, stop(2, '2025-01-01T10:30:00Z')])!;
    assert.deepEqual([kept.chargingState, kept.chargingStateSince], ['CHARGING', '2025-01-01T10:01:00.000Z']);
  });

  it('writes nothing for an event of a session it has not seen start', () => {
    const stopped = delivered('SessionStopped', { sessionId: 'S1', chargerId: 'CP1', meterStopWh: '1' }, where(3));
    assert.equal(projectSession(undefined, stopped, mix), undefined);
  });
});
