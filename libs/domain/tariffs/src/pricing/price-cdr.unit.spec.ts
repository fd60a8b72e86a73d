import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CdrDimension, ChargingPeriod, Tariff, TariffRestrictions } from '../ocpi/types.js';
import { TariffError } from '../shared/errors.js';
import { aPriceComponent, aTariff, anElement } from '../testing/index.js';
import { explainPrice, priceCdr, type PricingInput } from './price-cdr.js';
import { isTariffApplicable, selectTariff } from './select-tariff.js';

/** '2024-03-04T10:00' -> '2024-03-04T10:00:00Z' */
const at = (iso: string) => (iso.endsWith('Z') ? iso : `${iso.length === 16 ? `${iso}:00` : iso}Z`);
const period = (start: string, dims: Partial<Record<CdrDimension['type'], number>>): ChargingPeriod => ({
  start_date_time: at(start),
  dimensions: Object.entries(dims).map(([type, volume]) => ({ type: type as CdrDimension['type'], volume: volume! })),
});
const session = (periods: ChargingPeriod[], end: string, override: Partial<PricingInput> = {}): PricingInput => ({
  chargingPeriods: periods,
  startDateTime: periods[0]!.start_date_time,
  endDateTime: at(end),
  ...override,
});
const energyAt = (price: number, restrictions?: TariffRestrictions) => anElement([aPriceComponent({ type: 'ENERGY', price, vat: undefined })], restrictions);
const kwhCost = (tariff: Tariff, input: PricingInput) => priceCdr(tariff, input).total_energy_cost.excl_vat;

describe('priceCdr: element lookup per dimension (mod_tariffs, Tariff object)', () => {
  it('takes each dimension from the first matching element that has it, not all components of the first match', () => {
    const tariff = aTariff({
      elements: [
        anElement([aPriceComponent({ type: 'TIME', price: 1, vat: undefined, step_size: 1 })], { max_power: 100 }),
        anElement([aPriceComponent({ type: 'ENERGY', price: 0.3, vat: undefined }), aPriceComponent({ type: 'TIME', price: 9, vat: undefined, step_size: 1 })]),
      ],
    });
    const totals = priceCdr(tariff, session([period('2024-03-04T10:00', { ENERGY: 10, TIME: 1, MAX_POWER: 11 })], '2024-03-04T11:00'));
    assert.equal(totals.total_time_cost.excl_vat, 1);
    assert.equal(totals.total_energy_cost.excl_vat, 3);
  });

  it('makes a dimension free when no element for it matches', () => {
    const tariff = aTariff({ elements: [energyAt(0.3, { start_time: '18:00', end_time: '22:00' })] });
    const totals = priceCdr(tariff, session([period('2024-03-04T10:00', { ENERGY: 10, TIME: 1 })], '2024-03-04T11:00'));
    assert.deepEqual(totals.total_cost, { excl_vat: 0, incl_vat: 0 });
    assert.equal(totals.total_energy, 10);
  });

  it('bills TIME on charging time and PARKING_TIME on the time not charging, never wall clock', () => {
    const tariff = aTariff({ elements: [anElement([aPriceComponent({ type: 'TIME', price: 6, vat: undefined, step_size: 1 })])] });
    const totals = priceCdr(tariff, session([period('2024-03-04T10:00', { ENERGY: 5, TIME: 0.5 }), period('2024-03-04T10:30', { PARKING_TIME: 1.5 })], '2024-03-04T12:00'));
    assert.equal(totals.total_time_cost.excl_vat, 3);
    assert.equal(totals.total_parking_cost.excl_vat, 0);
    assert.equal(totals.total_time, 2);
    assert.equal(totals.total_parking_time, 1.5);
  });

  it('bills the FLAT fee once, from the element active when the session starts', () => {
    const tariff = aTariff({
      elements: [
        anElement([aPriceComponent({ type: 'FLAT', price: 2, vat: undefined, step_size: 0 })], { start_time: '18:00' }),
        anElement([aPriceComponent({ type: 'FLAT', price: 1, vat: undefined, step_size: 0 })]),
      ],
    });
    const periods = [period('2024-03-04T17:00', { TIME: 1 }), period('2024-03-04T18:00', { TIME: 1 }), period('2024-03-04T19:00', { TIME: 1 })];
    assert.equal(priceCdr(tariff, session(periods, '2024-03-04T20:00')).total_fixed_cost.excl_vat, 1);
    assert.equal(priceCdr(tariff, session(periods.slice(1), '2024-03-04T20:00')).total_fixed_cost.excl_vat, 2);
  });
});

describe('priceCdr: restrictions', () => {
  const windowed = (restrictions: TariffRestrictions) => aTariff({ elements: [energyAt(1, restrictions), energyAt(0.1)] });
  const priceAt = (tariff: Tariff, start: string, timeZone = 'UTC') =>
    kwhCost(tariff, session([period(start, { ENERGY: 1, TIME: 0.25 })], new Date(Date.parse(at(start)) + 900_000).toISOString(), { timeZone }));

  it('start_time inclusive, end_time exclusive, 00:00 as end of day', () => {
    const tariff = windowed({ start_time: '17:00', end_time: '00:00' });
    assert.equal(priceAt(tariff, '2024-03-04T16:59'), 0.1);
    assert.equal(priceAt(tariff, '2024-03-04T17:00'), 1);
    assert.equal(priceAt(tariff, '2024-03-04T23:59'), 1);
    assert.equal(priceAt(tariff, '2024-03-05T00:00'), 0.1);
  });

  it('a window with end_time before start_time wraps past midnight', () => {
    const tariff = windowed({ start_time: '22:00', end_time: '06:00' });
    assert.deepEqual(
      ['21:59', '22:00', '23:30', '00:00', '05:59', '06:00'].map((t) => priceAt(tariff, `2024-03-04T${t}`)),
      [0.1, 1, 1, 1, 1, 0.1],
    );
  });

  it('time windows are local to the location: 17:00 in Amsterdam is 16:00Z in winter, 15:00Z in summer', () => {
    const tariff = windowed({ start_time: '17:00', end_time: '20:00' });
    assert.equal(priceAt(tariff, '2024-01-15T16:00', 'Europe/Amsterdam'), 1);
    assert.equal(priceAt(tariff, '2024-01-15T15:59', 'Europe/Amsterdam'), 0.1);
    assert.equal(priceAt(tariff, '2024-07-15T15:00', 'Europe/Amsterdam'), 1);
    assert.equal(priceAt(tariff, '2024-07-15T16:00', 'Europe/Amsterdam'), 1);
    assert.equal(priceAt(tariff, '2024-07-15T18:00', 'Europe/Amsterdam'), 0.1);
  });

  it('day_of_week is the local weekday of each moment, also inside a wrapped window', () => {
    // Choice (docs/tariffs.md): restrictions are ANDed per instant, so FRIDAY 22:00-06:00 covers
    // Friday 00:00-06:00 and Friday 22:00-24:00, not Saturday 00:00-06:00.
    const tariff = windowed({ start_time: '22:00', end_time: '06:00', day_of_week: ['FRIDAY'] });
    assert.equal(priceAt(tariff, '2024-03-08T23:00'), 1);
    assert.equal(priceAt(tariff, '2024-03-08T03:00'), 1);
    assert.equal(priceAt(tariff, '2024-03-09T03:00'), 0.1);
    assert.equal(priceAt(tariff, '2024-03-08T12:00'), 0.1);
  });

  it('start_date inclusive, end_date exclusive, in local dates', () => {
    const tariff = windowed({ start_date: '2024-03-01', end_date: '2024-03-10' });
    assert.equal(priceAt(tariff, '2024-02-29T23:59'), 0.1);
    assert.equal(priceAt(tariff, '2024-03-01T00:00'), 1);
    assert.equal(priceAt(tariff, '2024-03-09T23:59'), 1);
    assert.equal(priceAt(tariff, '2024-03-10T00:00'), 0.1);
    // 2024-03-09T23:30Z is already the 10th in Amsterdam.
    assert.equal(priceAt(tariff, '2024-03-09T23:30', 'Europe/Amsterdam'), 0.1);
  });

  it('min_kwh inclusive and max_kwh exclusive on the energy before the period', () => {
    const tariff = aTariff({ elements: [energyAt(0.5, { max_kwh: 10 }), energyAt(0.2, { min_kwh: 10 })] });
    const cost = (first: number) =>
      kwhCost(tariff, session([period('2024-03-04T10:00', { ENERGY: first, TIME: 1 }), period('2024-03-04T11:00', { ENERGY: 5, TIME: 1 })], '2024-03-04T12:00'));
    assert.equal(cost(9.9999), 7.5);
    assert.equal(cost(10), 6);
  });

  it('min/max_current and min/max_power compare the period\'s lowest and highest values; unknown rules nothing out', () => {
    const tariff = aTariff({ elements: [energyAt(1, { min_current: 16, max_current: 32 }), energyAt(0.1)] });
    const cost = (dims: Partial<Record<CdrDimension['type'], number>>) => kwhCost(tariff, session([period('2024-03-04T10:00', { ENERGY: 1, TIME: 1, ...dims })], '2024-03-04T11:00'));
    assert.equal(cost({ MIN_CURRENT: 16, MAX_CURRENT: 31.9 }), 1);
    assert.equal(cost({ MIN_CURRENT: 15.9, MAX_CURRENT: 20 }), 0.1);
    assert.equal(cost({ MIN_CURRENT: 20, MAX_CURRENT: 32 }), 0.1);
    assert.equal(cost({ CURRENT: 20 }), 1);
    assert.equal(cost({}), 1);
    const power = aTariff({ elements: [energyAt(1, { min_power: 11 }), energyAt(0.1)] });
    // Without a power dimension, the average power of the period: 10 kWh in 1 h is 10 kW.
    assert.equal(kwhCost(power, session([period('2024-03-04T10:00', { ENERGY: 10, TIME: 1 })], '2024-03-04T11:00')), 1);
    assert.equal(kwhCost(power, session([period('2024-03-04T10:00', { ENERGY: 11, TIME: 1 })], '2024-03-04T11:00')), 11);
  });

  it('min_duration inclusive and max_duration exclusive, from the session start', () => {
    const tariff = aTariff({ elements: [energyAt(0, { max_duration: 1800 }), energyAt(1)] });
    const cost = (second: string) =>
      kwhCost(tariff, session([period('2024-03-04T10:00', { ENERGY: 1, TIME: 0.5 }), period(`2024-03-04T${second}`, { ENERGY: 1, TIME: 0.1 })], '2024-03-04T11:00'));
    assert.equal(cost('10:29:59'), 0);
    assert.equal(cost('10:30:00'), 1);
  });
});

describe('priceCdr: step_size (mod_cdrs, with the 2.2.1 errata)', () => {
  it('rounds the session total of energy once, onto the last energy component', () => {
    const tariff = aTariff({ elements: [energyAt(1, { max_kwh: 1 }), anElement([aPriceComponent({ type: 'ENERGY', price: 2, vat: undefined, step_size: 1000 })])] });
    const report = explainPrice(tariff, session([period('2024-03-04T10:00', { ENERGY: 1, TIME: 1 }), period('2024-03-04T11:00', { ENERGY: 0.2, TIME: 1 })], '2024-03-04T12:00'));
    assert.deepEqual(report.lines.map((l) => [l.volume, l.billedVolume, l.exclVat]), [['1', '1', '1'], ['0.2', '1', '2']]);
  });

  it('with time and parking, rounds only the parking total when parking comes last', () => {
    const tariff = aTariff({
      elements: [anElement([aPriceComponent({ type: 'TIME', price: 60, vat: undefined, step_size: 600 }), aPriceComponent({ type: 'PARKING_TIME', price: 60, vat: undefined, step_size: 900 })])],
    });
    const totals = priceCdr(tariff, session([period('2024-03-04T10:00', { TIME: 1260 / 3600 }), period('2024-03-04T10:21', { PARKING_TIME: 60 / 3600 })], '2024-03-04T10:22'));
    assert.equal(totals.total_time_cost.excl_vat, 21);
    assert.equal(totals.total_parking_cost.excl_vat, 15);
  });

  it('with charging after parking, rounds the charging total', () => {
    const tariff = aTariff({
      elements: [anElement([aPriceComponent({ type: 'TIME', price: 60, vat: undefined, step_size: 600 }), aPriceComponent({ type: 'PARKING_TIME', price: 60, vat: undefined, step_size: 900 })])],
    });
    const totals = priceCdr(tariff, session([period('2024-03-04T10:00', { PARKING_TIME: 60 / 3600 }), period('2024-03-04T10:01', { TIME: 1260 / 3600 })], '2024-03-04T10:22'));
    assert.equal(totals.total_parking_cost.excl_vat, 1);
    assert.equal(totals.total_time_cost.excl_vat, 30);
  });
});

describe('priceCdr: VAT, rounding and bounds', () => {
  it('an absent vat means no VAT: incl_vat equals excl_vat; the line says null, unlike 0 %', () => {
    const tariff = aTariff({ elements: [anElement([aPriceComponent({ type: 'ENERGY', price: 0.3, vat: undefined }), aPriceComponent({ type: 'FLAT', price: 1, vat: 0 })])] });
    const report = explainPrice(tariff, session([period('2024-03-04T10:00', { ENERGY: 10, TIME: 1 })], '2024-03-04T11:00'));
    assert.deepEqual(report.totals.total_cost, { excl_vat: 4, incl_vat: 4 });
    assert.deepEqual(report.lines.map((l) => l.vat), [null, '0']);
  });

  it('rounds each cost half up to 4 decimals, or to the decimals asked, and total_cost is the sum of the parts', () => {
    const tariff = aTariff({ elements: [anElement([aPriceComponent({ type: 'ENERGY', price: 0.25, vat: 21 }), aPriceComponent({ type: 'FLAT', price: 0.33325, vat: 21 })])] });
    const input = session([period('2024-03-04T10:00', { ENERGY: 0.334, TIME: 1 })], '2024-03-04T11:00');
    const four = priceCdr(tariff, input);
    assert.deepEqual(four.total_energy_cost, { excl_vat: 0.0835, incl_vat: 0.101 });
    assert.deepEqual(four.total_fixed_cost, { excl_vat: 0.3333, incl_vat: 0.4032 });
    assert.deepEqual(four.total_cost, { excl_vat: 0.4168, incl_vat: 0.5042 });
    // 0.0835 + 0.33325 = 0.41675 would round to 0.42; the sum of the rounded parts is 0.08 + 0.33.
    assert.deepEqual(priceCdr(tariff, { ...input, decimals: 2 }).total_cost, { excl_vat: 0.41, incl_vat: 0.5 });
  });

  it('min_price and max_price bound excl. and incl. VAT independently', () => {
    const tariff = (bounds: Partial<Tariff>) =>
      aTariff({
        ...bounds,
        elements: [anElement([aPriceComponent({ type: 'ENERGY', price: 1, vat: 0 }), aPriceComponent({ type: 'FLAT', price: 1, vat: 100 })])],
      });
    const input = session([period('2024-03-04T10:00', { ENERGY: 2, TIME: 1 })], '2024-03-04T11:00');
    // Costs 3.00 excl. and 4.00 incl. VAT.
    assert.deepEqual(priceCdr(tariff({ min_price: { excl_vat: 3.5, incl_vat: 3.85 } }), input).total_cost, { excl_vat: 3.5, incl_vat: 4 });
    assert.deepEqual(priceCdr(tariff({ max_price: { excl_vat: 3.5, incl_vat: 3.85 } }), input).total_cost, { excl_vat: 3, incl_vat: 3.85 });
    assert.deepEqual(priceCdr(tariff({ max_price: { excl_vat: 2.5 } }), input).total_cost, { excl_vat: 2.5, incl_vat: 4 });
    assert.deepEqual(explainPrice(tariff({ min_price: { excl_vat: 3.5, incl_vat: 3.85 } }), input).bounded, {
      minExclVat: true,
      minInclVat: false,
      maxExclVat: false,
      maxInclVat: false,
    });
  });
});

describe('priceCdr: tariff validity, type, currency and time zone', () => {
  const input = session([period('2024-03-04T10:00', { ENERGY: 1, TIME: 1 })], '2024-03-04T11:00');
  const fails = (tariff: Tariff, code: string, override: Partial<PricingInput> = {}) =>
    assert.throws(() => priceCdr(tariff, { ...input, ...override }), (e: unknown) => e instanceof TariffError && e.code === code);

  it('refuses a tariff not valid at the session start', () => {
    fails(aTariff({ start_date_time: '2024-03-04T10:00:01Z' }), 'TARIFF_NOT_VALID');
    fails(aTariff({ end_date_time: '2024-03-04T09:59:59Z' }), 'TARIFF_NOT_VALID');
    assert.doesNotThrow(() => priceCdr(aTariff({ start_date_time: '2024-03-04T10:00:00Z', end_date_time: '2024-03-04T10:00:00Z' }), input));
  });

  it('refuses another currency, another tariff type, an unknown zone', () => {
    fails(aTariff(), 'CURRENCY_MISMATCH', { currency: 'USD' });
    fails(aTariff({ type: 'PROFILE_GREEN' }), 'TARIFF_TYPE_MISMATCH', { tariffType: 'REGULAR' });
    fails(aTariff(), 'UNKNOWN_TIME_ZONE', { timeZone: 'Europe/Atlantis' });
  });

  it('selects the typed tariff of the session before an untyped one, among those valid at its start', () => {
    const untyped = aTariff({ id: 'any' });
    const regular = aTariff({ id: 'regular', type: 'REGULAR' });
    const green = aTariff({ id: 'green', type: 'PROFILE_GREEN' });
    const nextYear = aTariff({ id: 'next', type: 'PROFILE_GREEN', start_date_time: '2025-01-01T00:00:00Z' });
    const tariffs = [untyped, regular, green, nextYear];
    assert.equal(selectTariff(tariffs, { at: '2024-03-04T10:00:00Z' })?.id, 'regular');
    assert.equal(selectTariff(tariffs, { at: '2024-03-04T10:00:00Z', type: 'PROFILE_GREEN' })?.id, 'green');
    assert.equal(selectTariff(tariffs, { at: '2025-03-04T10:00:00Z', type: 'PROFILE_GREEN' })?.id, 'next');
    assert.equal(selectTariff(tariffs, { at: '2024-03-04T10:00:00Z', type: 'AD_HOC_PAYMENT' })?.id, 'any');
    assert.equal(isTariffApplicable(green, { at: '2024-03-04T10:00:00Z' }), false);
  });
});
