import type { ChargingPeriod, PriceComponent, Tariff, TariffElement, TariffRestrictions } from '../ocpi/types.js';
import { formatOcpiDateTime } from '../shared/time.js';
import { SeededRandom } from './random.js';

export function aPriceComponent(override: Partial<PriceComponent> = {}): PriceComponent {
  return { type: 'ENERGY', price: 0.25, vat: 20, step_size: 1, ...override };
}

export function aTariff(override: Partial<Tariff> = {}): Tariff {
  return {
    country_code: 'NL',
    party_id: 'RGT',
    id: 'T1',
    currency: 'EUR',
    elements: [{ price_components: [aPriceComponent()] }],
    last_updated: '2024-01-01T00:00:00Z',
    ...override,
  };
}

export const anElement = (components: readonly PriceComponent[], restrictions?: TariffRestrictions): TariffElement =>
  restrictions === undefined ? { price_components: components } : { price_components: components, restrictions };

/** A tariff with every kind of restriction that prices per period: time of day, weekdays, kWh, power, duration. */
export function aTariffWithRestrictions(id = 'RESTRICTED'): Tariff {
  return aTariff({
    id,
    min_price: { excl_vat: 1.5, incl_vat: 1.8 },
    max_price: { excl_vat: 80, incl_vat: 96 },
    elements: [
      anElement([aPriceComponent({ type: 'FLAT', price: 0.5, vat: 21, step_size: 1 })]),
      anElement([aPriceComponent({ type: 'ENERGY', price: 0.39, vat: 21, step_size: 1 })], { start_time: '22:00', end_time: '06:00' }),
      anElement([aPriceComponent({ type: 'ENERGY', price: 0.59, vat: 21, step_size: 1 }), aPriceComponent({ type: 'TIME', price: 1.2, vat: 21, step_size: 60 })], {
        min_power: 50,
        day_of_week: ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY'],
      }),
      anElement([aPriceComponent({ type: 'ENERGY', price: 0.45, vat: 21, step_size: 100 })], { max_kwh: 30 }),
      anElement([aPriceComponent({ type: 'ENERGY', price: 0.49, vat: 21, step_size: 100 })]),
      anElement([aPriceComponent({ type: 'PARKING_TIME', price: 6, vat: 21, step_size: 300 })], { start_time: '09:00', end_time: '20:00', min_duration: 1800 }),
      anElement([aPriceComponent({ type: 'PARKING_TIME', price: 2, vat: 21, step_size: 300 })], { max_current: 16 }),
    ],
  });
}

export interface GeneratedSession {
  readonly startDateTime: string;
  readonly endDateTime: string;
  readonly chargingPeriods: ChargingPeriod[];
}

/** A session of `count` periods: mostly charging, some parking, with energy, time, power and current. */
export function aRandomSession(random: SeededRandom, count = 10, from = Date.UTC(2024, 0, 1)): GeneratedSession {
  let at = from + random.int(0, 365 * 24 * 60) * 60_000;
  const start = at;
  const periods: ChargingPeriod[] = [];
  for (let i = 0; i < count; i++) {
    const seconds = random.int(1, 90) * 60;
    const hours = Number((seconds / 3600).toFixed(4));
    const parking = i > count / 2 && random.bool(0.4);
    const power = random.decimal(3, 150, 1);
    periods.push({
      start_date_time: formatOcpiDateTime(at),
      dimensions: parking
        ? [{ type: 'PARKING_TIME', volume: hours }]
        : [
            { type: 'ENERGY', volume: Number(((power * seconds) / 3600).toFixed(3)) },
            { type: 'TIME', volume: hours },
            { type: 'MIN_POWER', volume: power },
            { type: 'MAX_POWER', volume: power },
            { type: 'MAX_CURRENT', volume: random.decimal(6, 64, 1) },
          ],
    });
    at += seconds * 1000;
  }
  return { startDateTime: formatOcpiDateTime(start), endDateTime: formatOcpiDateTime(at), chargingPeriods: periods };
}
