import { TariffError } from '../shared/errors.js';
import { isOcpiDateTime, parseOcpiDateTime } from '../shared/time.js';
import {
  CdrDimensionType,
  DayOfWeek,
  ReservationRestrictionType,
  TariffDimensionType,
  TariffType,
  type CdrForPricing,
  type Tariff,
} from './types.js';

export type Validation<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issues: readonly string[] };

const TIME_OF_DAY = /^([0-1][0-9]|2[0-3]):[0-5][0-9]$/;
const DATE = /^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/;
const CURRENCY = /^[A-Z]{3}$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

type Json = Record<string, unknown>;

class Checker {
  readonly issues: string[] = [];

  fail(path: string, problem: string): void {
    this.issues.push(`${path}: ${problem}`);
  }

  object(value: unknown, path: string): value is Json {
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return true;
    this.fail(path, 'expected an object');
    return false;
  }

  array(value: unknown, path: string, atLeastOne: boolean): value is unknown[] {
    if (!Array.isArray(value)) {
      this.fail(path, atLeastOne ? 'expected a non-empty array' : 'expected an array');
      return false;
    }
    if (atLeastOne && value.length === 0) {
      this.fail(path, 'expected a non-empty array');
      return false;
    }
    return true;
  }

  ciString(value: unknown, path: string, maxLength: number): void {
    if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || !PRINTABLE_ASCII.test(value)) {
      this.fail(path, `expected a string of 1 to ${maxLength} printable ASCII characters`);
    }
  }

  string(value: unknown, path: string, maxLength: number): void {
    if (typeof value !== 'string' || value.length > maxLength) this.fail(path, `expected a string of at most ${maxLength} characters`);
  }

  number(value: unknown, path: string, { min }: { min?: number } = {}): value is number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.fail(path, 'expected a number');
      return false;
    }
    if (min !== undefined && value < min) {
      this.fail(path, min === 0 ? 'expected a number >= 0' : `expected a number >= ${min}`);
      return false;
    }
    return true;
  }

  integer(value: unknown, path: string, positive: boolean): void {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (positive ? 1 : 0)) {
      this.fail(path, positive ? 'expected a positive integer' : 'expected an integer >= 0');
    }
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: Readonly<Record<string, T>>): value is T {
    if (typeof value === 'string' && Object.hasOwn(allowed, value)) return true;
    this.fail(path, `expected one of ${Object.values(allowed).join(', ')}`);
    return false;
  }

  dateTime(value: unknown, path: string): void {
    if (!isOcpiDateTime(value)) this.fail(path, 'expected an OCPI DateTime such as 2019-06-23T08:16:02Z');
  }

  regex(value: unknown, path: string, pattern: RegExp, example: string): void {
    if (typeof value !== 'string' || !pattern.test(value)) this.fail(path, `expected ${example}`);
  }

  price(value: unknown, path: string): void {
    if (!this.object(value, path)) return;
    const excl = this.number(value['excl_vat'], `${path}.excl_vat`, { min: 0 });
    if (value['incl_vat'] !== undefined && this.number(value['incl_vat'], `${path}.incl_vat`, { min: 0 }) && excl) {
      if ((value['incl_vat'] as number) < (value['excl_vat'] as number)) this.fail(`${path}.incl_vat`, 'expected incl_vat >= excl_vat');
    }
  }

  present(object: Json, key: string): boolean {
    return object[key] !== undefined && object[key] !== null;
  }
}

function checkRestrictions(c: Checker, r: Json, path: string): void {
  const optional = (key: string, check: (value: unknown, p: string) => void) => {
    if (c.present(r, key)) check(r[key], `${path}.${key}`);
  };
  optional('start_time', (v, p) => c.regex(v, p, TIME_OF_DAY, 'a time of day such as 13:30'));
  optional('end_time', (v, p) => c.regex(v, p, TIME_OF_DAY, 'a time of day such as 19:45'));
  optional('start_date', (v, p) => c.regex(v, p, DATE, 'a date such as 2015-12-24'));
  optional('end_date', (v, p) => c.regex(v, p, DATE, 'a date such as 2015-12-27'));
  for (const key of ['min_kwh', 'max_kwh', 'min_current', 'max_current', 'min_power', 'max_power']) {
    optional(key, (v, p) => c.number(v, p, { min: 0 }));
  }
  optional('min_duration', (v, p) => c.integer(v, p, false));
  optional('max_duration', (v, p) => c.integer(v, p, false));
  optional('day_of_week', (v, p) => {
    if (c.array(v, p, false)) v.forEach((day, i) => c.oneOf(day, `${p}[${i}]`, DayOfWeek));
  });
  optional('reservation', (v, p) => c.oneOf(v, p, ReservationRestrictionType));
  for (const [min, max] of [['min_kwh', 'max_kwh'], ['min_current', 'max_current'], ['min_power', 'max_power'], ['min_duration', 'max_duration']] as const) {
    if (typeof r[min] === 'number' && typeof r[max] === 'number' && (r[min] as number) >= (r[max] as number)) {
      c.fail(`${path}.${max}`, `expected more than ${min} (${r[min]}): the element could never apply`);
    }
  }
  if (typeof r['start_date'] === 'string' && typeof r['end_date'] === 'string' && r['start_date'] >= r['end_date']) {
    c.fail(`${path}.end_date`, 'expected a date after start_date (end_date is exclusive)');
  }
}

function checkElement(c: Checker, element: unknown, path: string): void {
  if (!c.object(element, path)) return;
  let reservation = false;
  if (c.present(element, 'restrictions') && c.object(element['restrictions'], `${path}.restrictions`)) {
    const restrictions = element['restrictions'] as Json;
    checkRestrictions(c, restrictions, `${path}.restrictions`);
    reservation = c.present(restrictions, 'reservation');
  }
  const components = element['price_components'];
  if (!c.array(components, `${path}.price_components`, true)) return;
  const seen = new Set<string>();
  components.forEach((component, i) => {
    const p = `${path}.price_components[${i}]`;
    if (!c.object(component, p)) return;
    const type = component['type'];
    if (c.oneOf(type, `${p}.type`, TariffDimensionType)) {
      if (seen.has(type)) c.fail(`${p}.type`, `${type} appears twice in this element: which one applies would be ambiguous`);
      seen.add(type);
      if (reservation && type !== 'FLAT' && type !== 'TIME') c.fail(`${p}.type`, 'a reservation element allows only FLAT and TIME');
    }
    c.number(component['price'], `${p}.price`, { min: 0 });
    if (c.present(component, 'vat')) c.number(component['vat'], `${p}.vat`, { min: 0 });
    // The spec's own Free of Charge example gives a FLAT component step_size 0; FLAT has no unit to step.
    c.integer(component['step_size'], `${p}.step_size`, type !== 'FLAT');
  });
}

/** Validates an OCPI 2.2.1 Tariff object; each issue names the field path. */
export function validateTariff(json: unknown): Validation<Tariff> {
  const c = new Checker();
  if (!c.object(json, 'tariff')) return { ok: false, issues: c.issues };
  const t = json;
  c.ciString(t['country_code'], 'country_code', 2);
  c.ciString(t['party_id'], 'party_id', 3);
  c.ciString(t['id'], 'id', 36);
  c.regex(t['currency'], 'currency', CURRENCY, 'an ISO 4217 currency code such as EUR');
  if (c.present(t, 'type')) c.oneOf(t['type'], 'type', TariffType);
  if (c.present(t, 'tariff_alt_text') && c.array(t['tariff_alt_text'], 'tariff_alt_text', false)) {
    t['tariff_alt_text'].forEach((text, i) => {
      if (!c.object(text, `tariff_alt_text[${i}]`)) return;
      c.string(text['language'], `tariff_alt_text[${i}].language`, 2);
      c.string(text['text'], `tariff_alt_text[${i}].text`, 512);
    });
  }
  if (c.present(t, 'tariff_alt_url')) c.string(t['tariff_alt_url'], 'tariff_alt_url', 255);
  if (c.present(t, 'min_price')) c.price(t['min_price'], 'min_price');
  if (c.present(t, 'max_price')) c.price(t['max_price'], 'max_price');
  const min = t['min_price'] as Json | undefined;
  const max = t['max_price'] as Json | undefined;
  for (const field of ['excl_vat', 'incl_vat']) {
    if (typeof min?.[field] === 'number' && typeof max?.[field] === 'number' && (min[field] as number) > (max[field] as number)) {
      c.fail(`max_price.${field}`, `expected at least min_price.${field} (${min[field]})`);
    }
  }
  if (c.array(t['elements'], 'elements', true)) t['elements'].forEach((element, i) => checkElement(c, element, `elements[${i}]`));
  if (c.present(t, 'start_date_time')) c.dateTime(t['start_date_time'], 'start_date_time');
  if (c.present(t, 'end_date_time')) c.dateTime(t['end_date_time'], 'end_date_time');
  if (isOcpiDateTime(t['start_date_time']) && isOcpiDateTime(t['end_date_time'])) {
    if (parseOcpiDateTime(t['start_date_time']) > parseOcpiDateTime(t['end_date_time'])) c.fail('end_date_time', 'expected a time after start_date_time');
  }
  c.dateTime(t['last_updated'], 'last_updated');
  return c.issues.length === 0 ? { ok: true, value: json as unknown as Tariff } : { ok: false, issues: c.issues };
}

const CHARGING_DIMENSIONS: ReadonlySet<string> = new Set(['ENERGY', 'TIME', 'PARKING_TIME']);

/**
 * Validates the fields of an OCPI 2.2.1 CDR that pricing reads (start/end, currency, charging_periods,
 * and tariffs when present); other CDR fields are left to the module that sends CDRs.
 */
export function validateCdr(json: unknown): Validation<CdrForPricing> {
  const c = new Checker();
  if (!c.object(json, 'cdr')) return { ok: false, issues: c.issues };
  const cdr = json;
  c.dateTime(cdr['start_date_time'], 'start_date_time');
  c.dateTime(cdr['end_date_time'], 'end_date_time');
  const start = isOcpiDateTime(cdr['start_date_time']) ? parseOcpiDateTime(cdr['start_date_time']) : Number.NaN;
  const end = isOcpiDateTime(cdr['end_date_time']) ? parseOcpiDateTime(cdr['end_date_time']) : Number.NaN;
  if (start > end) c.fail('end_date_time', 'expected a time at or after start_date_time');
  c.regex(cdr['currency'], 'currency', CURRENCY, 'an ISO 4217 currency code such as EUR');
  if (c.array(cdr['charging_periods'], 'charging_periods', true)) {
    let previous = start;
    cdr['charging_periods'].forEach((period, i) => {
      const p = `charging_periods[${i}]`;
      if (!c.object(period, p)) return;
      c.dateTime(period['start_date_time'], `${p}.start_date_time`);
      if (isOcpiDateTime(period['start_date_time'])) {
        const at = parseOcpiDateTime(period['start_date_time']);
        if (at < previous) c.fail(`${p}.start_date_time`, i === 0 ? 'expected a time at or after the CDR start_date_time' : 'expected a time at or after the previous period start');
        else if (at > end) c.fail(`${p}.start_date_time`, 'expected a time at or before the CDR end_date_time');
        else previous = at;
      }
      if (c.present(period, 'tariff_id')) c.ciString(period['tariff_id'], `${p}.tariff_id`, 36);
      if (!c.array(period['dimensions'], `${p}.dimensions`, true)) return;
      let reservation = false;
      let charging = false;
      period['dimensions'].forEach((dimension, j) => {
        const d = `${p}.dimensions[${j}]`;
        if (!c.object(dimension, d)) return;
        if (c.oneOf(dimension['type'], `${d}.type`, CdrDimensionType)) {
          if (dimension['type'] === 'RESERVATION_TIME') reservation = true;
          if (CHARGING_DIMENSIONS.has(dimension['type'])) charging = true;
        }
        const negativeAllowed = ['ENERGY', 'CURRENT', 'MIN_CURRENT', 'MIN_POWER', 'POWER'].includes(dimension['type'] as string);
        c.number(dimension['volume'], `${d}.volume`, negativeAllowed ? {} : { min: 0 });
      });
      if (reservation && charging) c.fail(`${p}.dimensions`, 'RESERVATION_TIME cannot share a period with ENERGY, TIME or PARKING_TIME: the reservation ends when charging starts');
    });
  }
  if (c.present(cdr, 'tariffs') && c.array(cdr['tariffs'], 'tariffs', false)) {
    cdr['tariffs'].forEach((tariff, i) => {
      const result = validateTariff(tariff);
      if (!result.ok) for (const issue of result.issues) c.issues.push(`tariffs[${i}].${issue}`);
    });
  }
  return c.issues.length === 0 ? { ok: true, value: json as unknown as CdrForPricing } : { ok: false, issues: c.issues };
}

function orThrow<T>(result: Validation<T>, code: 'INVALID_TARIFF' | 'INVALID_CDR', what: string): T {
  if (result.ok) return result.value;
  throw new TariffError(code, `invalid ${what}: ${result.issues.join('; ')}`, result.issues);
}

export const parseTariff = (json: unknown): Tariff => orThrow(validateTariff(json), 'INVALID_TARIFF', 'tariff');
export const parseCdr = (json: unknown): CdrForPricing => orThrow(validateCdr(json), 'INVALID_CDR', 'CDR');
