import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthorizationSource, ChargingState } from '@roamgate/contracts';
import { SessionAnomaly } from '@roamgate/domain-charging';
import { buildChargingPeriods, type ChargingPeriod } from '@roamgate/domain-tariffs';
import { aPriceComponent, aTariff } from '@roamgate/domain-tariffs/testing';
import { currentImportA, IssuingAnomaly, requestsPower, sessionFactsOf, timelineOf } from './session-timeline';
import { readingOf, recordedOf, sessionEventsOf, type SessionSpec } from './testing/sessions';

const day = '2025-03-03';
const at = (hhmm: string) => `${day}T${hhmm}:00Z`;
const factsOf = (spec: SessionSpec) => sessionFactsOf(recordedOf(sessionEventsOf(spec)));
const base: SessionSpec = { sessionId: 'S-1', start: at('10:00'), stop: at('11:00'), meterStartWh: '1000', meterStopWh: '11000' };

/** A tariff with ENERGY, TIME and PARKING_TIME and no restrictions: periods split only on charging vs parking. */
const plain = aTariff({
  elements: [
    {
      price_components: [
        aPriceComponent({ type: 'ENERGY', price: 0.25, vat: 10 }),
        aPriceComponent({ type: 'TIME', price: 2, vat: 10 }),
        aPriceComponent({ type: 'PARKING_TIME', price: 6, vat: 10 }),
      ],
    },
  ],
});

function periodsOf(spec: SessionSpec, tariff = plain): ChargingPeriod[] {
  const { timeline, initiallyCharging } = timelineOf(factsOf(spec));
  return buildChargingPeriods(tariff, timeline, { initiallyCharging });
}

const kinds = (periods: readonly ChargingPeriod[]) =>
  periods.map((p) => `${p.start_date_time.slice(11, 16)} ${p.dimensions.filter((d) => d.type === 'TIME' || d.type === 'PARKING_TIME' || d.type === 'ENERGY').map((d) => `${d.type}=${d.volume}`).join(' ')}`);

describe('session timeline for CDR issuing', () => {
  it('reads what the CDR needs from the session stream: partner, last authorization reference, auth method', () => {
    const facts = factsOf({ ...base, partnerId: 'NL-EMS', authorizationReference: 'REF-1', authorization: AuthorizationSource.REAL_TIME });
    assert.equal(facts.partnerId, 'NL-EMS');
    assert.equal(facts.authorizationReference, 'REF-1');
    assert.equal(facts.authMethod, 'AUTH_REQUEST');
    assert.equal(facts.state.status, 'stopped');
    assert.equal(facts.startPosition, 1);
    assert.equal(factsOf({ ...base, authorization: AuthorizationSource.REMOTE_START }).authMethod, 'COMMAND');
    assert.equal(factsOf({ ...base, commandId: 'C-1', authorization: AuthorizationSource.LOCAL }).authMethod, 'COMMAND', 'a remote start is the method, whatever the charger checked after');
    assert.equal(factsOf(base).authMethod, 'WHITELIST');
  });

  it('bills the whole session as charging time while the charger reports nothing else', () => {
    // 10 kWh in one hour, no state reported: one charging period.
    assert.deepEqual(kinds(periodsOf(base)), ['10:00 ENERGY=10 TIME=1']);
  });

  it('bills parking from the moment the EV stops requesting power (SuspendedEV), not from a wall-clock rule', () => {
    // Charging 10:00-10:40 with 8 kWh (register 1000 -> 9000 at 10:40), then SuspendedEV until 11:00 with no energy.
    const periods = periodsOf({
      ...base,
      meterStopWh: '9000',
      states: [
        [at('10:00'), ChargingState.CHARGING],
        [at('10:40'), ChargingState.SUSPENDED_EV],
      ],
      readings: [{ at: at('10:40'), wh: '9000' }],
    });
    assert.deepEqual(kinds(periods), ['10:00 ENERGY=8 TIME=0.6667', '10:40 PARKING_TIME=0.3333']);
  });

  it('keeps SuspendedEVSE as charging time: the EV still requests power (OCPI 2.2.1 errata)', () => {
    const periods = periodsOf({
      ...base,
      states: [
        [at('10:00'), ChargingState.CHARGING],
        [at('10:20'), ChargingState.SUSPENDED_EVSE],
        [at('10:30'), ChargingState.CHARGING],
      ],
    });
    assert.deepEqual(kinds(periods), ['10:00 ENERGY=10 TIME=1']);
  });

  it('counts an EV that is connected but not charging yet (EVConnected) as parking', () => {
    const periods = periodsOf({
      ...base,
      states: [
        [at('10:00'), ChargingState.EV_CONNECTED],
        [at('10:15'), ChargingState.CHARGING],
      ],
      readings: [{ at: at('10:15'), wh: '1000' }],
    });
    assert.deepEqual(kinds(periods), ['10:00 PARKING_TIME=0.25', '10:15 ENERGY=10 TIME=0.75']);
  });

  it('takes a charger that keeps saying Charging while the EV draws no power as parking, until power flows again', () => {
    const { timeline } = timelineOf(
      factsOf({
        ...base,
        states: [[at('10:00'), ChargingState.CHARGING]],
        readings: [
          { at: at('10:20'), wh: '6000', powerW: '11000' },
          { at: at('10:30'), wh: '6000', powerW: '20' },
          { at: at('10:50'), wh: '6000', powerW: '7400' },
        ],
        meterStopWh: '7000',
      }),
    );
    assert.deepEqual(
      timeline.samples.map((s) => [new Date(s.at).toISOString().slice(11, 16), s.charging, s.powerKw]),
      [
        ['10:00', true, undefined],
        ['10:20', true, '11'],
        ['10:30', false, '0.02'],
        ['10:50', true, '7.4'],
      ],
    );
    const periods = buildChargingPeriods(plain, timeline, { initiallyCharging: true });
    // 10:00-10:20 and 10:20-10:30 keep the same components, so they are one period.
    assert.deepEqual(kinds(periods), ['10:00 ENERGY=5 TIME=0.5', '10:30 PARKING_TIME=0.3333', '10:50 ENERGY=1 TIME=0.1667']);
    // MIN_POWER and MAX_POWER come from the readings: the first period was measured at 11 kW only.
    assert.deepEqual(periods[0]!.dimensions.filter((d) => d.type.endsWith('_POWER')), [
      { type: 'MIN_POWER', volume: 11 },
      { type: 'MAX_POWER', volume: 11 },
    ]);
  });

  it('orders readings and state changes by the charger timestamps, whatever order they were recorded in', () => {
    const events = sessionEventsOf({
      ...base,
      states: [
        [at('10:00'), ChargingState.CHARGING],
        [at('10:30'), ChargingState.SUSPENDED_EV],
      ],
      readings: [{ at: at('10:30'), wh: '6000' }],
    });
    // the SuspendedEV change arrives last (offline queue), after the stop
    const stop = events.findIndex((e) => e.type === 'SessionStopped');
    const suspended = events.findIndex((e) => e.type === 'SessionChargingStateChanged' && e.data.chargingState === ChargingState.SUSPENDED_EV);
    const reordered = [...events.filter((_, i) => i !== suspended && i !== stop), events[stop]!, events[suspended]!];
    const inOrder = timelineOf(sessionFactsOf(recordedOf(events)));
    const late = timelineOf(sessionFactsOf(recordedOf(reordered)));
    assert.deepEqual(late.timeline, inOrder.timeline);
  });

  it('leaves out a meter stop below the meter start, bills the energy the readings show and says so', () => {
    const facts = factsOf({ ...base, meterStopWh: '900', readings: [{ at: at('10:30'), wh: '4000' }] });
    assert.ok(facts.state.anomalies.includes(SessionAnomaly.MeterStopBelowMeterStart));
    const { timeline, anomalies } = timelineOf(facts);
    assert.deepEqual(anomalies, [IssuingAnomaly.EnergyReadingsIgnored]);
    assert.equal(timeline.meterStopWh, undefined);
    assert.equal(timeline.meterStartWh, '1000');
    assert.deepEqual(kinds(buildChargingPeriods(plain, timeline, { initiallyCharging: true })), ['10:00 ENERGY=3 TIME=1']);
  });

  it('says so when a session has no energy reading at all', () => {
    const { timeline, anomalies } = timelineOf(factsOf({ sessionId: 'S-2', start: at('10:00'), stop: at('10:30') }));
    assert.deepEqual(anomalies, [IssuingAnomaly.NoEnergyReadings]);
    assert.deepEqual(kinds(buildChargingPeriods(plain, timeline, { initiallyCharging: true })), ['10:00 ENERGY=0 TIME=0.5']);
  });

  it('ends a session that stopped before it started at its start', () => {
    const facts = factsOf({ ...base, stop: at('09:59') });
    assert.ok(facts.state.anomalies.includes(SessionAnomaly.StoppedBeforeStarted));
    const { timeline } = timelineOf(facts);
    assert.equal(new Date(timeline.endDateTime).getTime(), new Date(timeline.startDateTime).getTime());
  });

  it('maps every OCPP charging state to requesting power or not, and none for an unspecified one', () => {
    assert.deepEqual(
      [ChargingState.CHARGING, ChargingState.SUSPENDED_EVSE, ChargingState.SUSPENDED_EV, ChargingState.EV_CONNECTED, ChargingState.IDLE, ChargingState.UNSPECIFIED].map(requestsPower),
      [true, true, false, false, false, undefined],
    );
  });

  it('sums the current of the phases, or takes the total when the charger sends one', () => {
    const phases = readingOf({ at: at('10:00') });
    const withPhases = { ...phases, values: ['L1', 'L2', 'L3', 'N'].map((phase) => ({ value: '16', measurand: 'Current.Import', unit: 'A', phase })) };
    assert.equal(currentImportA(withPhases), '48');
    assert.equal(currentImportA(readingOf({ at: at('10:00'), currentA: '31.5' })), '31.5');
    assert.equal(currentImportA(readingOf({ at: at('10:00'), wh: '5' })), undefined);
  });
});
