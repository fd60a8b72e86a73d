import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { ChargingPeriod, Tariff } from '../ocpi/types.js';
import { parseTariff } from '../ocpi/validate.js';
import { priceCdr } from '../pricing/price-cdr.js';
import { aPriceComponent, aRandomSession, aTariff, aTariffWithRestrictions, anElement, SeededRandom } from '../testing/index.js';
import { buildChargingPeriods, buildExpiredReservationPeriods, priceSession, type SessionTimeline, type TimelineSample } from './build-charging-periods.js';

const fixtureTariff = (name: string): Tariff => parseTariff(JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'fixtures', name, 'tariff.json'), 'utf8')));
const z = (hhmm: string, day = '2019-06-03') => `${day}T${hhmm.length === 5 ? `${hhmm}:00` : hhmm}Z`;
const sample = (at: string, charging: boolean, extra: Partial<TimelineSample> = {}): TimelineSample => ({ at, charging, ...extra });
const shape = (periods: readonly ChargingPeriod[]) => periods.map((p) => [p.start_date_time, Object.fromEntries(p.dimensions.map((d) => [d.type, d.volume]))]);
const price = (tariff: Tariff, timeline: SessionTimeline, timeZone = 'UTC') => priceSession(tariff, timeline, { timeZone }).totals.total_cost;

describe('buildChargingPeriods', () => {
  it('starts a period where the time of day changes the price (tariff_14, 17:00 Berlin) and where charging stops', () => {
    const timeline: SessionTimeline = {
      startDateTime: z('14:55'),
      endDateTime: z('15:07'),
      meterStartWh: 0,
      meterStopWh: 2000,
      samples: [sample(z('14:55'), true), sample(z('15:05'), false, { energyWh: 2000 })],
    };
    const periods = buildChargingPeriods(fixtureTariff('tariffs-22-step-size-switch-1'), timeline, { timeZone: 'Europe/Berlin' });
    assert.deepEqual(shape(periods), [
      [z('14:55'), { ENERGY: 1, TIME: 0.0833 }],
      [z('15:00'), { ENERGY: 1, TIME: 0.0833 }],
      [z('15:05'), { PARKING_TIME: 0.0333 }],
    ]);
    assert.ok(periods.every((p) => p.tariff_id === '22'));
    assert.deepEqual(price(fixtureTariff('tariffs-22-step-size-switch-1'), timeline, 'Europe/Berlin'), { excl_vat: 0.55, incl_vat: 0.55 });
  });

  it('starts a period at the first second the energy has reached a max_kwh', () => {
    const tariff = aTariff({ elements: [anElement([aPriceComponent({ price: 0.5, vat: undefined })], { max_kwh: 10 }), anElement([aPriceComponent({ price: 0.2, vat: undefined })])] });
    const periods = buildChargingPeriods(tariff, { startDateTime: z('10:00'), endDateTime: z('11:00'), samples: [sample(z('10:00'), true, { energyWh: 0 }), sample(z('11:00'), true, { energyWh: 11000 })] });
    assert.deepEqual(shape(periods), [
      // 10 kWh at 11 kW is reached at 10:54:32.7; at 10:54:33 the meter reads 11000 x 3273 / 3600 Wh.
      [z('10:00'), { ENERGY: 10.0008, TIME: 0.9092 }],
      [z('10:54:33'), { ENERGY: 0.9992, TIME: 0.0908 }],
    ]);
    assert.equal(priceCdr(tariff, { chargingPeriods: periods, startDateTime: z('10:00'), endDateTime: z('11:00') }).total_energy_cost.excl_vat, 5.2002);
  });

  it('starts a period at max_duration, and at power changes only when they change the element (max_power example)', () => {
    const tariff = fixtureTariff('tariffs-25-max-power-restriction');
    const timeline: SessionTimeline = {
      startDateTime: z('10:00'),
      endDateTime: z('11:07:30'),
      meterStopWh: 41500,
      samples: [
        sample(z('10:00'), true, { energyWh: 0, powerKw: 6 }),
        sample(z('10:10'), true, { energyWh: 1000, powerKw: 48 }),
        sample(z('10:30'), true, { powerKw: 40 }),
        sample(z('11:00'), true, { energyWh: 41000, powerKw: 4 }),
      ],
    };
    const periods = buildChargingPeriods(tariff, timeline);
    assert.deepEqual(shape(periods), [
      [z('10:00'), { ENERGY: 1, TIME: 0.1667, MIN_POWER: 6, MAX_POWER: 6 }],
      [z('10:10'), { ENERGY: 40, TIME: 0.8333, MIN_POWER: 40, MAX_POWER: 48 }],
      [z('11:00'), { ENERGY: 0.5, TIME: 0.125, MIN_POWER: 4, MAX_POWER: 4 }],
    ]);
    assert.deepEqual(price(tariff, timeline), { excl_vat: 20.3, incl_vat: 24.36 });
    const duration = fixtureTariff('tariffs-26-max-duration-restriction');
    const starts = buildChargingPeriods(duration, { startDateTime: z('10:00'), endDateTime: z('11:10'), samples: [sample(z('10:00'), true)] }).map((p) => p.start_date_time);
    assert.deepEqual(starts, [z('10:00'), z('10:30'), z('11:00')]);
  });

  it('takes parking time from the EV state, not the wall clock; an EVSE suspension is still charging time', () => {
    const tariff = aTariff({ elements: [anElement([aPriceComponent({ type: 'TIME', price: 1, step_size: 1 }), aPriceComponent({ type: 'PARKING_TIME', price: 2, step_size: 1 })])] });
    const periods = buildChargingPeriods(tariff, {
      startDateTime: z('10:00'),
      endDateTime: z('11:30'),
      samples: [
        sample(z('10:00'), true, { energyWh: 0 }),
        sample(z('10:20'), true, { energyWh: 3000, powerKw: 0 }),
        sample(z('10:30'), false, { energyWh: 3000 }),
        sample(z('10:45'), true, { energyWh: 3000 }),
        sample(z('11:00'), false, { energyWh: 4000 }),
      ],
    });
    assert.deepEqual(shape(periods), [
      [z('10:00'), { ENERGY: 3, TIME: 0.5, MIN_POWER: 0, MAX_POWER: 0 }],
      [z('10:30'), { PARKING_TIME: 0.25 }],
      [z('10:45'), { ENERGY: 1, TIME: 0.25 }],
      [z('11:00'), { PARKING_TIME: 0.5 }],
    ]);
  });

  it('merges samples that keep the same components into one period, unless asked not to', () => {
    const tariff = aTariff();
    const samples = Array.from({ length: 60 }, (_, i) => sample(new Date(Date.parse(z('10:00')) + i * 60_000).toISOString(), true, { energyWh: i * 100 }));
    const timeline = { startDateTime: z('10:00'), endDateTime: z('11:00'), meterStopWh: 6000, samples };
    assert.deepEqual(shape(buildChargingPeriods(tariff, timeline)), [[z('10:00'), { ENERGY: 6, TIME: 1 }]]);
    const unmerged = buildChargingPeriods(tariff, timeline, { merge: false });
    assert.equal(unmerged.length, 60);
    assert.deepEqual(priceCdr(tariff, { chargingPeriods: unmerged, startDateTime: z('10:00'), endDateTime: z('11:00') }), priceCdr(tariff, { chargingPeriods: buildChargingPeriods(tariff, timeline), startDateTime: z('10:00'), endDateTime: z('11:00') }));
  });

  it('splits at a local boundary on the day clocks go forward', () => {
    const tariff = aTariff({ elements: [anElement([aPriceComponent({ price: 0.5 })], { start_time: '03:00', end_time: '17:00' }), anElement([aPriceComponent({ price: 0.2 })])] });
    const starts = buildChargingPeriods(tariff, { startDateTime: '2024-03-31T00:00:00Z', endDateTime: '2024-03-31T16:00:00Z', samples: [sample('2024-03-31T00:00:00Z', true)] }, { timeZone: 'Europe/Berlin' }).map(
      (p) => p.start_date_time,
    );
    // 03:00 CEST is 01:00Z, the instant 02:00 CET jumps to 03:00 CEST; 17:00 CEST is 15:00Z.
    assert.deepEqual(starts, ['2024-03-31T00:00:00Z', '2024-03-31T01:00:00Z', '2024-03-31T15:00:00Z']);
  });

  it('adds the reservation before the session, and prices an expired one on its own', () => {
    const reserved = fixtureTariff('tariffs-16-reservation-15min');
    const timeline: SessionTimeline = {
      reservationStartDateTime: z('09:45'),
      startDateTime: z('10:00'),
      endDateTime: z('12:00'),
      samples: [sample(z('10:00'), true, { energyWh: 0 }), sample(z('12:00'), true, { energyWh: 20000 })],
    };
    const { chargingPeriods, totals } = priceSession(reserved, timeline);
    assert.deepEqual(shape(chargingPeriods), [
      [z('09:45'), { RESERVATION_TIME: 0.25 }],
      [z('10:00'), { ENERGY: 20, TIME: 2 }],
    ]);
    assert.deepEqual(totals.total_cost, { excl_vat: 6.75, incl_vat: 7.6 });
    const expiring = fixtureTariff('tariffs-19-reservation-expire-fee-expired');
    const expired = buildExpiredReservationPeriods(expiring, { startDateTime: z('10:00'), endDateTime: z('11:00') });
    assert.deepEqual(shape(expired), [[z('10:00'), { RESERVATION_TIME: 1 }]]);
    assert.deepEqual(priceCdr(expiring, { chargingPeriods: expired, startDateTime: z('10:00'), endDateTime: z('11:00') }).total_cost, { excl_vat: 6, incl_vat: 7.2 });
  });

  it('prices a session checked by hand: start fee, night energy from 22:00 Amsterdam, parking after the first hour', () => {
    const tariff = aTariff({
      elements: [
        anElement([aPriceComponent({ type: 'FLAT', price: 0.35, vat: 21, step_size: 1 })]),
        anElement([aPriceComponent({ type: 'ENERGY', price: 0.3, vat: 21, step_size: 1 })], { start_time: '22:00', end_time: '07:00' }),
        anElement([aPriceComponent({ type: 'ENERGY', price: 0.45, vat: 21, step_size: 1 })]),
        anElement([aPriceComponent({ type: 'PARKING_TIME', price: 3, vat: 21, step_size: 300 })], { min_duration: 3600 }),
      ],
    });
    // 21:30 local (UTC+1): 11 kW until 23:00, then parked until 23:40.
    const timeline: SessionTimeline = {
      startDateTime: '2024-01-15T20:30:00Z',
      endDateTime: '2024-01-15T22:40:00Z',
      meterStopWh: '16500',
      samples: [sample('2024-01-15T20:30:00Z', true, { energyWh: '0', powerKw: '11' }), sample('2024-01-15T22:00:00Z', false, { energyWh: '16500', powerKw: '0' })],
    };
    const { chargingPeriods, totals } = priceSession(tariff, timeline, { timeZone: 'Europe/Amsterdam' });
    assert.deepEqual(shape(chargingPeriods), [
      ['2024-01-15T20:30:00Z', { ENERGY: 5.5, TIME: 0.5, MIN_POWER: 11, MAX_POWER: 11 }],
      ['2024-01-15T21:00:00Z', { ENERGY: 11, TIME: 1, MIN_POWER: 11, MAX_POWER: 11 }],
      ['2024-01-15T22:00:00Z', { PARKING_TIME: 0.6667 }],
    ]);
    // Energy 5.5 x 0.45 + 11 x 0.30 = 5.775 (6.98775 incl. 21 %); start 0.35 (0.4235); parking 40 min x 3.00 = 2.00 (2.42).
    assert.deepEqual(totals, {
      total_cost: { excl_vat: 8.125, incl_vat: 9.8313 },
      total_fixed_cost: { excl_vat: 0.35, incl_vat: 0.4235 },
      total_energy: 16.5,
      total_energy_cost: { excl_vat: 5.775, incl_vat: 6.9878 },
      total_time: 2.1667,
      total_time_cost: { excl_vat: 0, incl_vat: 0 },
      total_parking_time: 0.6667,
      total_parking_cost: { excl_vat: 2, incl_vat: 2.42 },
      total_reservation_cost: { excl_vat: 0, incl_vat: 0 },
    });
  });

  it('merging never changes the price (seeded sessions under a tariff with restrictions)', () => {
    const tariff = aTariffWithRestrictions();
    for (let seed = 1; seed <= 100; seed++) {
      const random = new SeededRandom(seed);
      const generated = aRandomSession(random, random.int(2, 12));
      let wh = 0;
      const samples = generated.chargingPeriods.map((p) => {
        const energy = p.dimensions.find((d) => d.type === 'ENERGY')?.volume ?? 0;
        const power = p.dimensions.find((d) => d.type === 'MAX_POWER')?.volume;
        const s = sample(p.start_date_time, energy > 0, { energyWh: wh, ...(power === undefined ? {} : { powerKw: power, currentA: random.int(6, 40) }) });
        wh += energy * 1000;
        return s;
      });
      const timeline: SessionTimeline = { startDateTime: generated.startDateTime, endDateTime: generated.endDateTime, meterStopWh: wh, samples };
      const input = (periods: ChargingPeriod[]) => ({ chargingPeriods: periods, startDateTime: generated.startDateTime, endDateTime: generated.endDateTime, timeZone: 'Europe/Amsterdam' });
      const merged = buildChargingPeriods(tariff, timeline, { timeZone: 'Europe/Amsterdam' });
      const every = buildChargingPeriods(tariff, timeline, { timeZone: 'Europe/Amsterdam', merge: false });
      assert.ok(merged.length <= every.length);
      assert.deepEqual(priceCdr(tariff, input(merged)), priceCdr(tariff, input(every)), `seed ${seed}`);
    }
  });
});
