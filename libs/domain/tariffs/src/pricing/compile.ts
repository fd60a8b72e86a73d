import { DAYS_OF_WEEK, type PriceComponent, type Tariff, type TariffDimensionType, type TariffRestrictions } from '../ocpi/types.js';
import { Decimal, decimalOf } from '../shared/decimal.js';
import { toMicro } from '../shared/fixed.js';
import { pow10, rescale, scaledOf, type ScaledDecimal } from '../shared/money.js';
import { parseOcpiDateTime, type LocalTime } from '../shared/time.js';

/** Which elements a period may use: reservation elements describe reservation costs only (mod_tariffs, TariffRestrictions.reservation). */
export type Phase = 'session' | 'reservation' | 'reservationExpired';

export interface CompiledComponent {
  readonly id: number;
  readonly dimension: TariffDimensionType;
  readonly elementIndex: number;
  readonly componentIndex: number;
  /** Part of a reservation element: its cost is reservation cost. */
  readonly reservation: boolean;
  readonly price: Decimal;
  /** The VAT percentage, undefined when the component has none. */
  readonly vat: Decimal | undefined;
  readonly stepSize: number;
  /** price * 10^money.priceScale, exactly. */
  readonly priceUnits: bigint;
  /** (1 + vat / 100) * 10^money.vatScale, exactly; 10^vatScale without VAT. */
  readonly vatUnits: bigint;
}

/**
 * Exact money: a cost excl. VAT is a numerator over `exclDenominator` (10^priceScale * 10^6 * 3600, so
 * that price * µkWh and price * seconds / 3600 are both whole), incl. VAT over `inclDenominator`.
 */
export interface MoneyScale {
  readonly priceScale: number;
  readonly vatScale: number;
  readonly exclDenominator: bigint;
  readonly inclDenominator: bigint;
}

export interface CompiledRestrictions {
  readonly startMinute: number | undefined;
  readonly endMinute: number | undefined;
  readonly startDate: number | undefined;
  readonly endDate: number | undefined;
  /** Thresholds in millionths: µkWh, µA, µkW. */
  readonly minKwh: number | undefined;
  readonly maxKwh: number | undefined;
  readonly minCurrent: number | undefined;
  readonly maxCurrent: number | undefined;
  readonly minPower: number | undefined;
  readonly maxPower: number | undefined;
  readonly minDurationMs: number | undefined;
  readonly maxDurationMs: number | undefined;
  /** Bit n set = day n allowed, 0 = Monday; undefined = every day. */
  readonly days: number | undefined;
  readonly usesLocalTime: boolean;
}

export interface CompiledElement {
  readonly index: number;
  readonly restrictions: CompiledRestrictions | undefined;
  readonly energy: CompiledComponent | undefined;
  readonly time: CompiledComponent | undefined;
  readonly parking: CompiledComponent | undefined;
  readonly flat: CompiledComponent | undefined;
}

export interface CompiledPhase {
  /** Elements a period of this phase may use, in lookup order. */
  readonly elements: readonly CompiledElement[];
  readonly usesLocalTime: boolean;
}

export interface CompiledPrice {
  readonly exclVat: ScaledDecimal;
  readonly inclVat: ScaledDecimal | undefined;
}

export interface CompiledTariff {
  readonly tariff: Tariff;
  readonly components: readonly CompiledComponent[];
  readonly money: MoneyScale;
  readonly phases: Readonly<Record<Phase, CompiledPhase>>;
  readonly minPrice: CompiledPrice | undefined;
  readonly maxPrice: CompiledPrice | undefined;
  readonly validFrom: number | undefined;
  readonly validUntil: number | undefined;
}

/** What restrictions are checked against: the state at the start of a charging period. */
export interface PeriodFacts {
  readonly local: LocalTime | undefined;
  /** Energy consumed in the session before the period, µkWh. */
  readonly energyBefore: number;
  /** Session (or reservation) duration at the start of the period, ms. */
  readonly durationMs: number;
  /** Lowest and highest power (µkW) and current (µA) of the period; undefined when not known. */
  readonly powerLow: number | undefined;
  readonly powerHigh: number | undefined;
  readonly currentLow: number | undefined;
  readonly currentHigh: number | undefined;
}

const compiled = new WeakMap<Tariff, CompiledTariff>();

const minutesOf = (time: string | undefined): number | undefined =>
  time === undefined ? undefined : Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
const dateOf = (date: string | undefined): number | undefined => (date === undefined ? undefined : Number(date.replaceAll('-', '')));
const microOrUndefined = (value: number | undefined): number | undefined => (value === undefined || value === null ? undefined : toMicro(value));

function compileRestrictions(r: TariffRestrictions | undefined): CompiledRestrictions | undefined {
  if (r === undefined || r === null) return undefined;
  let startMinute = minutesOf(r.start_time ?? undefined);
  let endMinute = minutesOf(r.end_time ?? undefined);
  // "To stop at end of the day use: 00:00": an end of 00:00 is the next midnight.
  if (endMinute === 0) endMinute = 1440;
  if (startMinute === 0 && endMinute === undefined) startMinute = undefined;
  const days = r.day_of_week?.reduce((mask, day) => mask | (1 << DAYS_OF_WEEK.indexOf(day)), 0);
  const compiledRestrictions: CompiledRestrictions = {
    startMinute,
    endMinute,
    startDate: dateOf(r.start_date ?? undefined),
    endDate: dateOf(r.end_date ?? undefined),
    minKwh: microOrUndefined(r.min_kwh),
    maxKwh: microOrUndefined(r.max_kwh),
    minCurrent: microOrUndefined(r.min_current),
    maxCurrent: microOrUndefined(r.max_current),
    minPower: microOrUndefined(r.min_power),
    maxPower: microOrUndefined(r.max_power),
    minDurationMs: r.min_duration === undefined || r.min_duration === null ? undefined : r.min_duration * 1000,
    maxDurationMs: r.max_duration === undefined || r.max_duration === null ? undefined : r.max_duration * 1000,
    days: days === undefined || days === 0 ? undefined : days,
    usesLocalTime: false,
  };
  const usesLocalTime =
    compiledRestrictions.startMinute !== undefined ||
    compiledRestrictions.endMinute !== undefined ||
    compiledRestrictions.startDate !== undefined ||
    compiledRestrictions.endDate !== undefined ||
    compiledRestrictions.days !== undefined;
  const any = usesLocalTime || Object.entries(compiledRestrictions).some(([key, value]) => key !== 'usesLocalTime' && value !== undefined);
  return any ? { ...compiledRestrictions, usesLocalTime } : undefined;
}

function price(p: { excl_vat: number; incl_vat?: number } | undefined): CompiledPrice | undefined {
  if (p === undefined || p === null) return undefined;
  return { exclVat: scaledOf(p.excl_vat), inclVat: p.incl_vat === undefined || p.incl_vat === null ? undefined : scaledOf(p.incl_vat) };
}

function moneyScale(tariff: Tariff): MoneyScale {
  let priceScale = 0;
  let vatScale = 2;
  for (const element of tariff.elements) {
    for (const component of element.price_components) {
      priceScale = Math.max(priceScale, scaledOf(component.price).scale);
      if (component.vat != null) vatScale = Math.max(vatScale, scaledOf(component.vat).scale + 2);
    }
  }
  const exclDenominator = pow10(priceScale) * pow10(6) * 3600n;
  return { priceScale, vatScale, exclDenominator, inclDenominator: exclDenominator * pow10(vatScale) };
}

/** Parses a validated tariff once: restrictions, prices and VAT factors become decimals and bit masks. */
export function compileTariff(tariff: Tariff): CompiledTariff {
  const cached = compiled.get(tariff);
  if (cached !== undefined) return cached;
  const components: CompiledComponent[] = [];
  const money = moneyScale(tariff);
  const session: CompiledElement[] = [];
  const reservation: CompiledElement[] = [];
  const expires: CompiledElement[] = [];
  tariff.elements.forEach((element, index) => {
    const byDimension: Partial<Record<TariffDimensionType, CompiledComponent>> = {};
    element.price_components.forEach((component: PriceComponent, componentIndex) => {
      if (byDimension[component.type] !== undefined) return;
      const vat = component.vat === undefined || component.vat === null ? undefined : decimalOf(component.vat);
      const c: CompiledComponent = {
        id: components.length,
        dimension: component.type,
        elementIndex: index,
        componentIndex,
        reservation: element.restrictions?.reservation !== undefined && element.restrictions?.reservation !== null,
        price: decimalOf(component.price),
        vat,
        stepSize: component.step_size,
        priceUnits: rescale(scaledOf(component.price), money.priceScale),
        vatUnits: vat === undefined ? pow10(money.vatScale) : rescale(scaledOf(vat.plus(100)), money.vatScale - 2),
      };
      components.push(c);
      byDimension[component.type] = c;
    });
    const compiledElement: CompiledElement = {
      index,
      restrictions: compileRestrictions(element.restrictions),
      energy: byDimension.ENERGY,
      time: byDimension.TIME,
      parking: byDimension.PARKING_TIME,
      flat: byDimension.FLAT,
    };
    const kind = element.restrictions?.reservation;
    if (kind === 'RESERVATION') reservation.push(compiledElement);
    else if (kind === 'RESERVATION_EXPIRES') expires.push(compiledElement);
    else session.push(compiledElement);
  });
  const phase = (elements: CompiledElement[]): CompiledPhase => ({
    elements,
    usesLocalTime: elements.some((e) => e.restrictions?.usesLocalTime === true),
  });
  const result: CompiledTariff = {
    tariff,
    components,
    money,
    phases: {
      session: phase(session),
      reservation: phase(reservation),
      // mod_tariffs, ReservationRestrictionType: an expired reservation is priced by the RESERVATION_EXPIRES
      // elements first, whatever their position; RESERVATION elements still price what those leave out.
      reservationExpired: phase([...expires, ...reservation]),
    },
    minPrice: price(tariff.min_price),
    maxPrice: price(tariff.max_price),
    validFrom: tariff.start_date_time === undefined || tariff.start_date_time === null ? undefined : parseOcpiDateTime(tariff.start_date_time),
    validUntil: tariff.end_date_time === undefined || tariff.end_date_time === null ? undefined : parseOcpiDateTime(tariff.end_date_time),
  };
  compiled.set(tariff, result);
  return result;
}

function inWindow(r: CompiledRestrictions, minute: number): boolean {
  const { startMinute: start, endMinute: end } = r;
  if (start === undefined) return end === undefined || minute < end;
  if (end === undefined) return minute >= start;
  if (start < end) return minute >= start && minute < end;
  if (start > end) return minute >= start || minute < end;
  return true;
}

/** All restrictions of an element, ANDed (mod_tariffs, TariffRestrictions). */
export function restrictionsMatch(r: CompiledRestrictions | undefined, facts: PeriodFacts): boolean {
  if (r === undefined) return true;
  if (r.usesLocalTime) {
    const local = facts.local!;
    if (!inWindow(r, local.minuteOfDay)) return false;
    if (r.startDate !== undefined && local.date < r.startDate) return false;
    if (r.endDate !== undefined && local.date >= r.endDate) return false;
    if (r.days !== undefined && (r.days & (1 << local.dayOfWeek)) === 0) return false;
  }
  if (r.minDurationMs !== undefined && facts.durationMs < r.minDurationMs) return false;
  if (r.maxDurationMs !== undefined && facts.durationMs >= r.maxDurationMs) return false;
  if (r.minKwh !== undefined && facts.energyBefore < r.minKwh) return false;
  if (r.maxKwh !== undefined && facts.energyBefore >= r.maxKwh) return false;
  // Unknown power or current cannot rule an element out: the CDR simply did not measure it.
  if (r.minCurrent !== undefined && facts.currentLow !== undefined && facts.currentLow < r.minCurrent) return false;
  if (r.maxCurrent !== undefined && facts.currentHigh !== undefined && facts.currentHigh >= r.maxCurrent) return false;
  if (r.minPower !== undefined && facts.powerLow !== undefined && facts.powerLow < r.minPower) return false;
  if (r.maxPower !== undefined && facts.powerHigh !== undefined && facts.powerHigh >= r.maxPower) return false;
  return true;
}

export type ComponentSlot = 'energy' | 'time' | 'parking' | 'flat';

/**
 * The active component of one dimension: the first element, in order, whose restrictions all match and
 * that has a component for the dimension; none means the dimension is free (mod_tariffs, Tariff object).
 * `matches` memoises each element's verdict for the period, since dimensions share elements.
 */
export function activeComponent(
  phase: CompiledPhase,
  slot: ComponentSlot,
  facts: PeriodFacts,
  matches: number[],
): CompiledComponent | undefined {
  const elements = phase.elements;
  for (let i = 0; i < elements.length; i++) {
    const element = elements[i]!;
    const component = element[slot];
    if (component === undefined) continue;
    let verdict = matches[i]!;
    if (verdict === 0) {
      verdict = restrictionsMatch(element.restrictions, facts) ? 1 : -1;
      matches[i] = verdict;
    }
    if (verdict === 1) return component;
  }
  return undefined;
}
