import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthorizationSource, AuthorizationStatus, ChargingState, ConnectorStatus, domainEvent, OcppVersion } from '@roamgate/contracts';
import { decideAll, foldEvents } from '../shared/decider.js';
import { timestamp } from '../shared/time.js';
import { deciderSpec } from '../testing/decider-spec.js';
import { chargingStateFromConnectorStatus, chargingStateFromPower } from './charging-state.js';
import { meterSampleInit, type MeterReading } from './meter.js';
import {
  chargingStateAt,
  dedupKeyOfSessionStarted,
  isRepeatedStart,
  SessionAnomaly,
  sessionDecider,
  sessionReadings,
  sessionDedupKey,
  sessionStreamName,
  SUPERSEDED_STOP_REASON,
  type CloseSupersededSession,
  type RecordChargingState,
  type RecordMeterValues,
  type SessionStreamEvent,
  type StartSession,
  type StopSession,
} from './session.js';

const spec = deciderSpec(sessionDecider);
const t = (hhmmss: string) => new Date(`2025-03-01T${hhmmss}Z`);
const sessionId = 's-1';
const chargerId = 'CP-1';

const start = (override: Partial<StartSession> = {}): StartSession => ({
  type: 'StartSession',
  sessionId,
  chargerId,
  protocol: OcppVersion.OCPP_VERSION_1_6,
  connectorId: 1,
  transactionId: '17',
  idToken: { id: 'B4A63CDF' },
  meterStartWh: '1000',
  timestamp: t('10:01:00'),
  now: t('10:01:01'),
  ...override,
});

const started = (override: { anomalies?: string[]; occurredAt?: string; offline?: boolean } = {}) =>
  domainEvent('SessionStarted', {
    sessionId,
    occurredAt: timestamp(t(override.occurredAt ?? '10:01:00')),
    receivedAt: timestamp(t('10:01:01')),
    chargerId,
    protocol: OcppVersion.OCPP_VERSION_1_6,
    evseId: 0,
    connectorId: 1,
    transactionId: '17',
    idToken: { id: 'B4A63CDF', type: '' },
    meterStartWh: '1000',
    offline: override.offline ?? false,
    anomalies: override.anomalies ?? [],
  });

const energy = (at: string, wh: string, context = 'Sample.Periodic'): MeterReading => ({
  timestamp: t(at),
  values: [{ value: wh, measurand: 'Energy.Active.Import.Register', unit: 'Wh', context }],
});

const meterValues = (samples: readonly MeterReading[], override: Partial<RecordMeterValues> = {}): RecordMeterValues => ({
  type: 'RecordMeterValues',
  sessionId,
  samples,
  now: t('10:30:00'),
  ...override,
});

const recorded = (samples: readonly MeterReading[], override: { seqNo?: number; offline?: boolean; anomalies?: string[]; receivedAt?: string } = {}) =>
  domainEvent('SessionMeterValuesRecorded', {
    sessionId,
    occurredAt: timestamp(samples[samples.length - 1]!.timestamp),
    receivedAt: timestamp(t(override.receivedAt ?? '10:30:00')),
    chargerId,
    transactionId: '17',
    evseId: 0,
    connectorId: 1,
    samples: samples.map(meterSampleInit),
    offline: override.offline ?? false,
    ...(override.seqNo === undefined ? {} : { seqNo: override.seqNo }),
    anomalies: override.anomalies ?? [],
  });

const stop = (override: Partial<StopSession> = {}): StopSession => ({
  type: 'StopSession',
  sessionId,
  meterStopWh: '12000',
  reason: 'EVDisconnected',
  timestamp: t('11:01:00'),
  now: t('11:01:01'),
  ...override,
});

const stopped = (override: { meterStopWh?: string; anomalies?: string[]; occurredAt?: string; offline?: boolean; receivedAt?: string; reason?: string } = {}) =>
  domainEvent('SessionStopped', {
    sessionId,
    occurredAt: timestamp(t(override.occurredAt ?? '11:01:00')),
    receivedAt: timestamp(t(override.receivedAt ?? '11:01:01')),
    chargerId,
    transactionId: '17',
    meterStopWh: override.meterStopWh ?? '12000',
    reason: override.reason ?? 'EVDisconnected',
    offline: override.offline ?? false,
    anomalies: override.anomalies ?? [],
  });

const chargingState = (state: ChargingState, at: string, override: Partial<RecordChargingState> = {}): RecordChargingState => ({
  type: 'RecordChargingState',
  sessionId,
  chargingState: state,
  timestamp: t(at),
  now: t(at),
  ...override,
});

const chargingStateChanged = (state: ChargingState, at: string) =>
  domainEvent('SessionChargingStateChanged', {
    sessionId,
    occurredAt: timestamp(t(at)),
    receivedAt: timestamp(t(at)),
    chargerId,
    chargingState: state,
    anomalies: [],
  });

describe('session aggregate', () => {
  it('lives in stream session-<sessionId>', () => {
    assert.equal(sessionStreamName('s-1'), 'session-s-1');
  });

  describe('start', () => {
    it('starts a session with its id token and meter start', () => {
      const outcome = spec.given([]).when(start());
      outcome.then([started()]);
      assert.equal(outcome.state.status, 'active');
      assert.equal(outcome.state.meterStartWh, '1000');
    });

    it('does not open a second session for a StartTransaction repeated after a reconnect', () => {
      spec.given([started()]).when(start({ now: t('10:05:00'), offline: true })).thenNothing();
    });

    it('refuses a different transaction on a started session', () => {
      spec.given([started()]).whenRefused(start({ meterStartWh: '2000' }), 'SESSION_ALREADY_STARTED');
    });

    it('records a start timestamped in the future beyond the tolerance as clock skew', () => {
      spec
        .given([])
        .when(start({ timestamp: t('10:07:00'), now: t('10:01:01'), clockSkewToleranceMs: 60_000 }))
        .then([{ ...started({ occurredAt: '10:07:00', anomalies: [SessionAnomaly.ClockSkew] }) }]);
    });

    it('accepts a start slightly ahead, within the tolerance', () => {
      const { events } = spec.given([]).when(start({ timestamp: t('10:01:30'), now: t('10:01:01'), clockSkewToleranceMs: 60_000 }));
      assert.ok(events[0]?.type === 'SessionStarted');
      assert.deepEqual(events[0].data.anomalies, []);
    });

    it('accepts an offline-queued start with an old timestamp', () => {
      const { events } = spec.given([]).when(start({ timestamp: t('08:00:00'), now: t('10:01:01'), offline: true }));
      assert.ok(events[0]?.type === 'SessionStarted');
      assert.equal(events[0].data.offline, true);
      assert.deepEqual(events[0].data.anomalies, []);
    });
  });

  describe('repeat detection', () => {
    const identity = {
      protocol: OcppVersion.OCPP_VERSION_1_6,
      chargerId,
      connectorId: 1,
      idTag: 'B4A63CDF',
      meterStartWh: '1000',
      timestamp: t('10:01:00'),
      transactionId: '',
    };

    it('keys a 1.6 start by charger, connector, idTag, meter start and timestamp', () => {
      const key = sessionDedupKey(identity);
      assert.equal(sessionDedupKey({ ...identity, transactionId: '99' }), key, 'the allocated transactionId is not part of the key');
      assert.equal(sessionDedupKey({ ...identity, meterStartWh: '1000.0' }), key);
      assert.equal(sessionDedupKey({ ...identity, timestamp: new Date('2025-03-01T11:01:00+01:00') }), key);
      for (const differs of [
        { chargerId: 'CP-2' },
        { connectorId: 2 },
        { idTag: 'OTHER' },
        { meterStartWh: '1001' },
        { timestamp: t('10:01:01') },
      ]) {
        assert.notEqual(sessionDedupKey({ ...identity, ...differs }), key, JSON.stringify(differs));
      }
    });

    it('keys a 2.0.1 transaction by charger and the charger transactionId only', () => {
      const v201 = { ...identity, protocol: OcppVersion.OCPP_VERSION_2_0_1, transactionId: 'tx-1' };
      assert.equal(sessionDedupKey({ ...v201, meterStartWh: '5', timestamp: t('12:00:00') }), sessionDedupKey(v201));
      assert.notEqual(sessionDedupKey({ ...v201, transactionId: 'tx-2' }), sessionDedupKey(v201));
      assert.notEqual(sessionDedupKey({ ...v201, chargerId: 'CP-2' }), sessionDedupKey(v201));
    });

    it('computes the same key from the stored SessionStarted, so the index can be rebuilt', () => {
      const state = foldEvents(sessionDecider, [started()]);
      assert.equal(dedupKeyOfSessionStarted(started()), sessionDedupKey(identity));
      assert.equal(state.dedupKey, sessionDedupKey(identity));
      assert.equal(isRepeatedStart(state, start({ now: t('12:00:00') })), true);
      assert.equal(isRepeatedStart(state, start({ idToken: { id: 'OTHER' } })), false);
    });
  });

  describe('meter values', () => {
    it('records samples with measurands, units and timestamps', () => {
      const samples = [energy('10:16:00', '4250')];
      spec.given([started()]).when(meterValues(samples)).then([recorded(samples)]);
    });

    it('refuses meter values for a session that has not started', () => {
      spec.given([]).whenRefused(meterValues([energy('10:16:00', '4250')]), 'SESSION_NOT_STARTED');
    });

    it('ignores a redelivered TransactionEvent by its seqNo, even when its readings are written differently', () => {
      const samples = [energy('10:16:00', '4250')];
      spec
        .given([started(), recorded(samples, { seqNo: 3 })])
        .when(meterValues([energy('10:16:00', '4250.0')], { seqNo: 3 }))
        .thenNothing();
      assert.equal(spec.given([started(), recorded(samples, { seqNo: 3 })]).when(meterValues([energy('10:16:00', '4250.0')], { seqNo: 4 })).events.length, 1);
    });

    it('ignores duplicated samples (same timestamp and values) and keeps the new ones', () => {
      const given = [started(), recorded([energy('10:16:00', '4250')])];
      const outcome = spec.given(given).when(meterValues([energy('10:16:00', '4250'), energy('10:31:00', '6500')]));
      outcome.then([recorded([energy('10:31:00', '6500')])]);
      assert.equal(sessionReadings([...given, ...outcome.events]).length, 2);
      assert.deepEqual(sessionReadings([...given, ...given, ...outcome.events]).length, 2, 'a redelivered event adds nothing');
    });

    it('ignores a MeterValues that only repeats known samples', () => {
      const samples = [energy('10:16:00', '4250'), energy('10:31:00', '6500')];
      spec.given([started(), recorded(samples)]).when(meterValues([...samples].reverse())).thenNothing();
    });

    it('accepts offline-queued samples with older timestamps and keeps the session ordered by the charger clock', () => {
      const given = [started(), recorded([energy('10:46:00', '9000')])];
      const outcome = spec.given(given).when(meterValues([energy('10:31:00', '6500'), energy('10:16:00', '4250')], { offline: true, now: t('10:50:00') }));
      outcome.then([recorded([energy('10:16:00', '4250'), energy('10:31:00', '6500')], { offline: true, receivedAt: '10:50:00' })]);
      assert.deepEqual(
        sessionReadings([...given, ...outcome.events]).map((s) => s.timestamp.toISOString().slice(11, 19)),
        ['10:16:00', '10:31:00', '10:46:00'],
      );
      assert.deepEqual(outcome.state.lastRegister, { at: t('10:46:00').getTime(), wh: '9000' }, 'the latest by the charger clock, not the last to arrive');
    });

    it('records samples timestamped ahead of the clock as clock skew', () => {
      const ahead = [energy('10:45:00', '4250')];
      spec.given([started()]).when(meterValues(ahead, { now: t('10:30:00') })).then([recorded(ahead, { anomalies: [SessionAnomaly.ClockSkew] })]);
    });

    it('after the stop, accepts samples taken before it (offline queue)', () => {
      const late = [energy('10:46:00', '9000')];
      spec
        .given([started(), stopped()])
        .when(meterValues(late, { now: t('11:05:00'), offline: true }))
        .then([recorded(late, { receivedAt: '11:05:00', offline: true })]);
    });

    it('after the stop, refuses samples taken after it', () => {
      spec.given([started(), stopped()]).whenRefused(meterValues([energy('11:02:00', '12100')], { now: t('11:05:00') }), 'METER_VALUES_AFTER_STOP');
    });

    it('after the stop, keeps the samples before it and records the dropped rest', () => {
      spec
        .given([started(), stopped()])
        .when(meterValues([energy('11:02:00', '12100'), energy('10:46:00', '9000')], { now: t('11:05:00') }))
        .then([recorded([energy('10:46:00', '9000')], { receivedAt: '11:05:00', anomalies: [SessionAnomaly.SamplesAfterStopDropped] })]);
    });
  });

  describe('stop', () => {
    it('stops a session with reason and meter stop', () => {
      const outcome = spec.given([started()]).when(stop());
      outcome.then([stopped()]);
      assert.equal(outcome.state.status, 'stopped');
    });

    it('refuses a stop for a session that has not started', () => {
      spec.given([]).whenRefused(stop(), 'SESSION_NOT_STARTED');
    });

    it('ignores a repeated stop', () => {
      spec.given([started(), stopped()]).when(stop({ now: t('11:03:00') })).thenNothing();
    });

    it('ignores a second stop with other figures: the first stop wins', () => {
      spec.given([started(), stopped()]).when(stop({ meterStopWh: '13000', timestamp: t('11:05:00') })).thenNothing();
    });

    it('accepts a stop arriving late, after a reconnect', () => {
      spec
        .given([started(), recorded([energy('10:16:00', '4250')])])
        .when(stop({ now: t('13:30:00'), offline: true }))
        .then([stopped({ receivedAt: '13:30:00', offline: true })]);
    });

    it('records a meter stop below the meter start as an anomaly, not a refusal', () => {
      spec
        .given([started()])
        .when(stop({ meterStopWh: '900' }))
        .then([stopped({ meterStopWh: '900', anomalies: [SessionAnomaly.MeterStopBelowMeterStart] })]);
    });

    it('records a stop timestamped ahead of the clock as clock skew', () => {
      spec
        .given([started()])
        .when(stop({ timestamp: t('12:00:00'), now: t('11:01:01'), clockSkewToleranceMs: 60_000 }))
        .then([stopped({ occurredAt: '12:00:00', anomalies: [SessionAnomaly.ClockSkew] })]);
    });

    it('records a stop timestamped before the start', () => {
      spec
        .given([started()])
        .when(stop({ timestamp: t('10:00:00') }))
        .then([stopped({ occurredAt: '10:00:00', anomalies: [SessionAnomaly.StoppedBeforeStarted] })]);
    });

    it('takes the meter stop from the latest energy register when the charger gave none', () => {
      const outcome = spec
        .given([started(), recorded([energy('10:16:00', '4250'), energy('10:46:00', '9000')])])
        .when(stop({ meterStopWh: undefined, transactionData: [energy('10:31:00', '6500')] }));
      assert.ok(outcome.events[0]?.type === 'SessionStopped');
      assert.equal(outcome.events[0].data.meterStopWh, '9000');
    });

    it('merges transaction data into the ordered samples without duplicating known ones', () => {
      const given = [started(), recorded([energy('10:16:00', '4250')])];
      const outcome = spec.given(given).when(stop({ transactionData: [energy('11:01:00', '12000', 'Transaction.End'), energy('10:16:00', '4250')] }));
      assert.ok(outcome.events[0]?.type === 'SessionStopped');
      assert.deepEqual(
        outcome.events[0].data.transactionData.map((s) => s.values[0]?.value),
        ['4250', '12000'],
        'the event keeps the transaction data as sent, in timestamp order',
      );
      assert.deepEqual(
        sessionReadings([...given, ...outcome.events]).map((s) => s.values[0]?.value),
        ['4250', '12000'],
      );
    });

    it('collects the anomalies of the session in its state, for attribution to the charger', () => {
      const state = foldEvents(sessionDecider, [
        started({ anomalies: [SessionAnomaly.ClockSkew] }),
        stopped({ meterStopWh: '900', anomalies: [SessionAnomaly.ClockSkew, SessionAnomaly.MeterStopBelowMeterStart] }),
      ]);
      assert.deepEqual(state.anomalies, [SessionAnomaly.ClockSkew, SessionAnomaly.MeterStopBelowMeterStart]);
    });
  });

  describe('superseded by a newer transaction on the same place', () => {
    const supersede = (override: Partial<CloseSupersededSession['supersededBy']> = {}, now = t('12:00:01')): CloseSupersededSession => ({
      type: 'CloseSupersededSession',
      sessionId,
      supersededBy: { sessionId: 's-2', evseId: 0, connectorId: 1, startedAt: t('12:00:00'), ...override },
      now,
    });
    const closed = (occurredAt: string, meterStopWh: string, anomalies: string[] = [SessionAnomaly.StopMissing]) =>
      stopped({ occurredAt, meterStopWh, receivedAt: '12:00:01', reason: SUPERSEDED_STOP_REASON, anomalies });

    it('closes the session at its latest reading, with that reading as meter stop and STOP_MISSING', () => {
      spec
        .given([started(), recorded([energy('10:16:00', '4250'), energy('10:46:00', '9000')])])
        .when(supersede())
        .then([closed('10:46:00', '9000')]);
    });

    it('does not bill the time after the last reading: charging states reported after a power loss do not count', () => {
      spec
        .given([started(), recorded([energy('10:16:00', '4250')]), chargingStateChanged(ChargingState.IDLE, '11:50:00')])
        .when(supersede())
        .then([closed('10:16:00', '4250')]);
    });

    it('bills no energy that no reading shows: without readings it closes at the start with the meter start', () => {
      spec.given([started()]).when(supersede()).then([closed('10:01:00', '1000')]);
    });

    it('never closes later than the newer start', () => {
      spec
        .given([started(), recorded([energy('12:30:00', '9000')])])
        .when(supersede({ startedAt: t('12:00:00') }))
        .then([closed('12:00:00', '9000')]);
    });

    it('changes nothing for a session that already stopped: the stop the charger sent stands', () => {
      spec.given([started(), stopped()]).when(supersede()).thenNothing();
    });

    it('changes nothing when the newer transaction is on another connector or EVSE, or is the session itself', () => {
      spec.given([started()]).when(supersede({ connectorId: 2 })).thenNothing();
      spec.given([started()]).when(supersede({ sessionId })).thenNothing();
      const on201 = domainEvent('SessionStarted', { ...started().data, protocol: OcppVersion.OCPP_VERSION_2_0_1, evseId: 1, connectorId: 0 });
      spec.given([on201]).when(supersede({ evseId: 2, connectorId: 1 })).thenNothing();
      spec.given([on201]).when(supersede({ evseId: 1, connectorId: 0 })).then([closed('10:01:00', '1000')]);
    });

    it('changes nothing when the "newer" transaction started before this one (a late delivery from the offline queue)', () => {
      spec.given([started()]).when(supersede({ startedAt: t('09:00:00') })).thenNothing();
    });

    it('keeps the other anomalies a stop would raise', () => {
      spec
        .given([started(), recorded([energy('10:16:00', '900')])])
        .when(supersede())
        .then([closed('10:16:00', '900', [SessionAnomaly.MeterStopBelowMeterStart, SessionAnomaly.StopMissing])]);
    });

    it('a stop the charger sends after the close changes nothing: the first stop wins', () => {
      spec.given([started(), closed('10:01:00', '1000')]).when(stop()).thenNothing();
    });
  });

  describe('charging state', () => {
    it('records a change of charging state', () => {
      const { events } = spec.given([started()]).when(chargingState(ChargingState.CHARGING, '10:02:00'));
      assert.deepEqual(events, [chargingStateChanged(ChargingState.CHARGING, '10:02:00')]);
    });

    it('ignores a state that did not change', () => {
      spec
        .given([started(), chargingStateChanged(ChargingState.CHARGING, '10:02:00')])
        .when(chargingState(ChargingState.CHARGING, '10:10:00'))
        .thenNothing();
    });

    it('ignores a redelivered TransactionEvent (same seqNo)', () => {
      const withSeqNo = domainEvent('SessionChargingStateChanged', { ...chargingStateChanged(ChargingState.CHARGING, '10:02:00').data, seqNo: 4 });
      spec.given([started(), withSeqNo]).when(chargingState(ChargingState.SUSPENDED_EV, '10:03:00', { seqNo: 4 })).thenNothing();
    });

    it('places a late change at its charger timestamp, so parking time comes out right', () => {
      const outcome = spec
        .given([started(), chargingStateChanged(ChargingState.CHARGING, '10:02:00'), chargingStateChanged(ChargingState.SUSPENDED_EV, '10:50:00')])
        .when(chargingState(ChargingState.SUSPENDED_EV, '10:40:00', { now: t('10:55:00'), offline: true }));
      assert.equal(outcome.events.length, 1);
      assert.deepEqual(
        outcome.state.chargingStates.map((p) => [p.at.toISOString().slice(11, 19), ChargingState[p.state]]),
        [
          ['10:02:00', 'CHARGING'],
          ['10:40:00', 'SUSPENDED_EV'],
          ['10:50:00', 'SUSPENDED_EV'],
        ],
      );
      assert.equal(chargingStateAt(outcome.state, t('10:45:00')), ChargingState.SUSPENDED_EV);
      assert.equal(chargingStateAt(outcome.state, t('10:30:00')), ChargingState.CHARGING);
    });

    it('ignores charging states after the stop', () => {
      spec.given([started(), stopped()]).when(chargingState(ChargingState.IDLE, '11:02:00')).thenNothing();
    });

    it('derives the 1.6 charging state from the connector status', () => {
      assert.equal(chargingStateFromConnectorStatus(ConnectorStatus.CHARGING), ChargingState.CHARGING);
      assert.equal(chargingStateFromConnectorStatus(ConnectorStatus.SUSPENDED_EV), ChargingState.SUSPENDED_EV);
      assert.equal(chargingStateFromConnectorStatus(ConnectorStatus.SUSPENDED_EVSE), ChargingState.SUSPENDED_EVSE);
      assert.equal(chargingStateFromConnectorStatus(ConnectorStatus.FINISHING), ChargingState.EV_CONNECTED);
      assert.equal(chargingStateFromConnectorStatus(ConnectorStatus.AVAILABLE), ChargingState.IDLE);
      assert.equal(chargingStateFromConnectorStatus(ConnectorStatus.FAULTED), undefined);
    });

    it('derives the charging state from active power, totals or phases, in W or kW', () => {
      const power = (at: string, ...values: { value: string; unit?: string; phase?: string }[]): MeterReading => ({
        timestamp: t(at),
        values: values.map((v) => ({ measurand: 'Power.Active.Import', ...v })),
      });
      assert.deepEqual(chargingStateFromPower([power('10:00:00', { value: '7.4', unit: 'kW' })]), { state: ChargingState.CHARGING, at: t('10:00:00') });
      assert.deepEqual(chargingStateFromPower([power('10:00:00', { value: '7400' }), power('10:15:00', { value: '0' })]), {
        state: ChargingState.SUSPENDED_EV,
        at: t('10:15:00'),
      });
      assert.equal(
        chargingStateFromPower([power('10:00:00', { value: '20', phase: 'L1' }), power('09:00:00', { value: '7400' })])?.state,
        ChargingState.SUSPENDED_EV,
        'the latest reading decides, 20 W is below the threshold',
      );
      assert.equal(
        chargingStateFromPower([power('10:00:00', { value: '20', phase: 'L1' }, { value: '40', phase: 'L2' })], '50')?.state,
        ChargingState.CHARGING,
        'phases add up to 60 W',
      );
      assert.equal(chargingStateFromPower([energy('10:00:00', '1000')]), undefined);
    });
  });

  describe('authorization', () => {
    it('records who authorized the session, once', () => {
      const authorize = {
        type: 'RecordAuthorization' as const,
        sessionId,
        idToken: { id: 'B4A63CDF' },
        status: AuthorizationStatus.ACCEPTED,
        source: AuthorizationSource.WHITELIST,
        now: t('10:01:02'),
      };
      const outcome = spec.given([started()]).when(authorize);
      assert.deepEqual(
        outcome.events.map((e) => e.type),
        ['SessionAuthorized'],
      );
      assert.equal(outcome.state.authorization, AuthorizationStatus.ACCEPTED);
      spec
        .given([started(), ...(outcome.events as SessionStreamEvent[])])
        .when(authorize)
        .thenNothing();
    });
  });

  it('decides a sequence of commands on one stream, each seeing the previous events', () => {
    const { events, state } = decideAll(sessionDecider, [start(), meterValues([energy('10:16:00', '4250')]), stop(), stop()], sessionDecider.initialState());
    assert.deepEqual(
      events.map((e) => e.type),
      ['SessionStarted', 'SessionMeterValuesRecorded', 'SessionStopped'],
    );
    assert.equal(state.status, 'stopped');
  });
});
