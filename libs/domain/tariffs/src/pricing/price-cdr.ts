import type { CdrTotals, ChargingPeriod, Price, Tariff, TariffDimensionType, TariffType } from '../ocpi/types.js';
import { Decimal, OCPI_DECIMALS, SECONDS_PER_HOUR } from '../shared/decimal.js';
import { TariffError } from '../shared/errors.js';
import { MICRO, microTo4Decimals, msToHours, secondsToHours } from '../shared/fixed.js';
import { divideHalfUp, pow10, rescale, toNumber, type ScaledDecimal } from '../shared/money.js';
import { formatOcpiDateTime, instantOf, parseOcpiDateTime, ZoneClock } from '../shared/time.js';
import { activeComponent, compileTariff, type CompiledComponent, type CompiledPhase, type CompiledTariff, type PeriodFacts } from './compile.js';
import { volumesOf, type PeriodVolumes } from './period-facts.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export interface PricingInput {
  readonly chargingPeriods: readonly ChargingPeriod[];
  /** CDR start_date_time: the session start, or the reservation start when the CDR begins with one. */
  readonly startDateTime: string | Date;
  readonly endDateTime: string | Date;
  /** IANA zone of the location (Location.time_zone); restrictions are local times. Default UTC. */
  readonly timeZone?: string;
  /** The CDR's currency, checked against the tariff's. */
  readonly currency?: string;
  /** The session's tariff type (charging preference, ad-hoc payment); a typed tariff must match it. */
  readonly tariffType?: TariffType;
  /** Whether the reservation expired without a session; by default, when no period is a charging one. */
  readonly reservationExpired?: boolean;
  /** Decimals that costs are rounded to, half up. Default 4, as OCPI numbers. */
  readonly decimals?: number;
}

export type CostCategory = 'fixed' | 'energy' | 'time' | 'parking' | 'reservation';

/** One price component that was billed: how much of its dimension, and what it cost. */
export interface PriceLine {
  readonly category: CostCategory;
  readonly dimension: TariffDimensionType;
  readonly elementIndex: number;
  readonly componentIndex: number;
  readonly price: string;
  /** VAT percentage; null when the component has none (no VAT applies). */
  readonly vat: string | null;
  readonly stepSize: number;
  /** kWh for ENERGY, hours for TIME and PARKING_TIME, 1 for FLAT; as measured. */
  readonly volume: string;
  /** After step_size: the rounding of the session total lands on the last relevant component. */
  readonly billedVolume: string;
  readonly exclVat: string;
  readonly inclVat: string;
}

export interface PriceReport {
  readonly tariffId: string;
  readonly currency: string;
  readonly totals: CdrTotals;
  readonly lines: readonly PriceLine[];
  /** Which of the tariff's bounds changed total_cost. */
  readonly bounded: { readonly minExclVat: boolean; readonly minInclVat: boolean; readonly maxExclVat: boolean; readonly maxInclVat: boolean };
}

/** What each component billed: µkWh for ENERGY, seconds for TIME and PARKING_TIME (step rounding kept apart). */
interface Billing {
  readonly compiled: CompiledTariff;
  readonly decimals: number;
  readonly billed: CompiledComponent[];
  readonly quantity: readonly number[];
  readonly extra: readonly number[];
  readonly totalEnergy: number;
  readonly parkingSeconds: number;
  readonly sessionMs: number | undefined;
}

function checkApplicable(compiled: CompiledTariff, input: PricingInput, startMs: number): void {
  const { tariff } = compiled;
  if (input.currency !== undefined && input.currency !== tariff.currency) {
    throw new TariffError('CURRENCY_MISMATCH', `the CDR is in ${input.currency} but tariff ${tariff.id} is in ${tariff.currency}`);
  }
  if (input.tariffType !== undefined && tariff.type != null && tariff.type !== input.tariffType) {
    throw new TariffError('TARIFF_TYPE_MISMATCH', `tariff ${tariff.id} is for ${tariff.type} sessions, not ${input.tariffType}`);
  }
  if ((compiled.validFrom !== undefined && startMs < compiled.validFrom) || (compiled.validUntil !== undefined && startMs > compiled.validUntil)) {
    throw new TariffError(
      'TARIFF_NOT_VALID',
      `tariff ${tariff.id} is valid from ${tariff.start_date_time ?? 'any time'} until ${tariff.end_date_time ?? 'any time'}, not at the session start ${formatOcpiDateTime(startMs)}`,
    );
  }
}

const stepUp = (total: number, step: number): number => Math.ceil(total / step) * step - total;

function bill(tariff: Tariff, input: PricingInput): Billing {
  const compiled = compileTariff(tariff);
  const startMs = instantOf(input.startDateTime, 'startDateTime');
  const endMs = instantOf(input.endDateTime, 'endDateTime');
  const decimals = input.decimals ?? OCPI_DECIMALS;
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 10) throw new TariffError('INVALID_INPUT', 'decimals: expected an integer from 0 to 10');
  checkApplicable(compiled, input, startMs);
  const clock = ZoneClock.for(input.timeZone ?? 'UTC');
  const periods = input.chargingPeriods;
  if (periods.length === 0) throw new TariffError('INVALID_INPUT', 'chargingPeriods: expected at least one charging period');

  const count = periods.length;
  const volumes: PeriodVolumes[] = new Array(count);
  const starts: number[] = new Array(count);
  let sessionStart: number | undefined;
  let reservationStart: number | undefined;
  for (let i = 0; i < count; i++) {
    const period = periods[i]!;
    const v = volumesOf(period);
    const at = parseOcpiDateTime(period.start_date_time);
    if (Number.isNaN(at)) instantOf(period.start_date_time, `chargingPeriods[${i}].start_date_time`);
    volumes[i] = v;
    starts[i] = at;
    if (v.reservation) reservationStart ??= at;
    else sessionStart ??= at;
  }
  const expired = input.reservationExpired ?? sessionStart === undefined;
  const session = compiled.phases.session;
  const reservation = expired ? compiled.phases.reservationExpired : compiled.phases.reservation;

  const n = compiled.components.length;
  const quantity: number[] = new Array<number>(n).fill(0);
  const extra: number[] = new Array<number>(n).fill(0);
  const used: boolean[] = new Array<boolean>(n).fill(false);
  const billed: CompiledComponent[] = [];
  const use = (c: CompiledComponent) => {
    if (!used[c.id]) {
      used[c.id] = true;
      billed.push(c);
    }
  };
  const matches: number[] = new Array<number>(tariff.elements.length).fill(0);
  let energyBefore = 0;
  let parkingSeconds = 0;
  let billedEnergy = 0;
  let billedCharging = 0;
  let billedParking = 0;
  let billedReservation = 0;
  let lastEnergy: CompiledComponent | undefined;
  let lastTimeBased: CompiledComponent | undefined;
  let lastReservationTime: CompiledComponent | undefined;
  let sessionFlatDone = false;
  let reservationFlatDone = false;
  const facts: Mutable<PeriodFacts> = { local: undefined, energyBefore: 0, durationMs: 0, powerLow: undefined, powerHigh: undefined, currentLow: undefined, currentHigh: undefined };

  for (let i = 0; i < count; i++) {
    const v = volumes[i]!;
    const phase: CompiledPhase = v.reservation ? reservation : session;
    if (phase.elements.length === 0) {
      energyBefore += v.energy;
      parkingSeconds += v.parkingSeconds;
      continue;
    }
    const phaseStart = v.reservation ? reservationStart! : sessionStart!;
    facts.local = phase.usesLocalTime ? clock.local(starts[i]!) : undefined;
    facts.energyBefore = energyBefore;
    facts.durationMs = starts[i]! - phaseStart;
    facts.powerLow = v.powerLow;
    facts.powerHigh = v.powerHigh;
    facts.currentLow = v.currentLow;
    facts.currentHigh = v.currentHigh;
    matches.fill(0);
    if (v.reservation) {
      if (!reservationFlatDone) {
        reservationFlatDone = true;
        const flat = activeComponent(phase, 'flat', facts, matches);
        if (flat !== undefined) use(flat);
      }
      if (v.reservationSeconds > 0) {
        const time = activeComponent(phase, 'time', facts, matches);
        if (time !== undefined) {
          use(time);
          quantity[time.id]! += v.reservationSeconds;
          billedReservation += v.reservationSeconds;
          lastReservationTime = time;
        }
      }
      continue;
    }
    // The FLAT fee is billed once per session, by the element active when the session starts.
    if (!sessionFlatDone) {
      sessionFlatDone = true;
      const flat = activeComponent(phase, 'flat', facts, matches);
      if (flat !== undefined) use(flat);
    }
    if (v.energy !== 0) {
      const energy = activeComponent(phase, 'energy', facts, matches);
      if (energy !== undefined) {
        use(energy);
        quantity[energy.id]! += v.energy;
        billedEnergy += v.energy;
        lastEnergy = energy;
      }
      energyBefore += v.energy;
    }
    if (v.chargingSeconds > 0) {
      const time = activeComponent(phase, 'time', facts, matches);
      if (time !== undefined) {
        use(time);
        quantity[time.id]! += v.chargingSeconds;
        billedCharging += v.chargingSeconds;
        lastTimeBased = time;
      }
    }
    if (v.parkingSeconds > 0) {
      parkingSeconds += v.parkingSeconds;
      const parking = activeComponent(phase, 'parking', facts, matches);
      if (parking !== undefined) {
        use(parking);
        quantity[parking.id]! += v.parkingSeconds;
        billedParking += v.parkingSeconds;
        lastTimeBased = parking;
      }
    }
  }

  // step_size (mod_cdrs, errata): once on the session total of ENERGY, once on TIME and PARKING_TIME
  // together, by the step of the last component that billed it; the rounding lands on that component.
  if (lastEnergy !== undefined && lastEnergy.stepSize > 0 && billedEnergy > 0) {
    extra[lastEnergy.id] = stepUp(billedEnergy, lastEnergy.stepSize * (MICRO / 1000));
  }
  if (lastTimeBased !== undefined && lastTimeBased.stepSize > 0) {
    extra[lastTimeBased.id] = stepUp(lastTimeBased.dimension === 'PARKING_TIME' ? billedParking : billedCharging, lastTimeBased.stepSize);
  }
  if (lastReservationTime !== undefined && lastReservationTime.stepSize > 0) {
    extra[lastReservationTime.id] = stepUp(billedReservation, lastReservationTime.stepSize);
  }
  billed.sort((a, b) => a.id - b.id);
  return {
    compiled,
    decimals,
    billed,
    quantity,
    extra,
    totalEnergy: energyBefore,
    parkingSeconds,
    sessionMs: sessionStart === undefined ? undefined : Math.max(0, endMs - sessionStart),
  };
}

const categoryOf = (c: CompiledComponent): CostCategory =>
  c.reservation ? 'reservation' : c.dimension === 'FLAT' ? 'fixed' : c.dimension === 'ENERGY' ? 'energy' : c.dimension === 'TIME' ? 'time' : 'parking';

const CATEGORIES: readonly CostCategory[] = ['fixed', 'energy', 'time', 'parking', 'reservation'];
const MICRO_N = BigInt(MICRO);

/** Cost excl. VAT as a numerator over the tariff's exclDenominator: exact, whatever the quantity. */
function exclNumerator(c: CompiledComponent, billedQuantity: number): bigint {
  switch (c.dimension) {
    case 'FLAT':
      return c.priceUnits * MICRO_N * 3600n;
    case 'ENERGY':
      return c.priceUnits * BigInt(billedQuantity) * 3600n;
    default:
      return c.priceUnits * BigInt(billedQuantity) * MICRO_N;
  }
}

interface Cost {
  readonly excl: bigint;
  readonly incl: bigint;
}

function formatScaled(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`.replace(/\.?0+$/, '');
  return negative ? `-${text}` : text;
}

function totalsOf(billing: Billing): { totals: CdrTotals; bounded: PriceReport['bounded']; costs: Map<CompiledComponent, Cost> } {
  const { money, minPrice, maxPrice } = billing.compiled;
  const d = billing.decimals;
  const scaleUp = pow10(d);
  const excl: Record<CostCategory, bigint> = { fixed: 0n, energy: 0n, time: 0n, parking: 0n, reservation: 0n };
  const incl: Record<CostCategory, bigint> = { fixed: 0n, energy: 0n, time: 0n, parking: 0n, reservation: 0n };
  const costs = new Map<CompiledComponent, Cost>();
  for (const c of billing.billed) {
    const e = exclNumerator(c, billing.quantity[c.id]! + billing.extra[c.id]!);
    const i = e * c.vatUnits;
    const category = categoryOf(c);
    excl[category] += e;
    incl[category] += i;
    costs.set(c, { excl: e, incl: i });
  }
  // Each cost is rounded once, half up, and total_cost is the sum of the rounded parts, so the parts always add up.
  const rounded = {} as Record<CostCategory, Cost>;
  let totalExcl = 0n;
  let totalIncl = 0n;
  for (const category of CATEGORIES) {
    const r = {
      excl: excl[category] === 0n ? 0n : divideHalfUp(excl[category] * scaleUp, money.exclDenominator),
      incl: incl[category] === 0n ? 0n : divideHalfUp(incl[category] * scaleUp, money.inclDenominator),
    };
    rounded[category] = r;
    totalExcl += r.excl;
    totalIncl += r.incl;
  }
  // min_price and max_price bound excl. and incl. VAT independently (mod_tariffs, notes on min_price and max_price).
  const bounded = { minExclVat: false, minInclVat: false, maxExclVat: false, maxInclVat: false };
  const bound = (total: ScaledDecimal, limit: ScaledDecimal | undefined, below: boolean): ScaledDecimal | undefined => {
    if (limit === undefined) return undefined;
    const scale = Math.max(total.scale, limit.scale);
    const t = rescale(total, scale);
    const l = rescale(limit, scale);
    return (below ? t < l : t > l) ? limit : undefined;
  };
  let costExcl: ScaledDecimal = { units: totalExcl, scale: d };
  let costIncl: ScaledDecimal = { units: totalIncl, scale: d };
  const minExcl = bound(costExcl, minPrice?.exclVat, true);
  if (minExcl !== undefined) [costExcl, bounded.minExclVat] = [minExcl, true];
  const minIncl = bound(costIncl, minPrice?.inclVat, true);
  if (minIncl !== undefined) [costIncl, bounded.minInclVat] = [minIncl, true];
  const maxExcl = bound(costExcl, maxPrice?.exclVat, false);
  if (maxExcl !== undefined) [costExcl, bounded.maxExclVat] = [maxExcl, true];
  const maxIncl = bound(costIncl, maxPrice?.inclVat, false);
  if (maxIncl !== undefined) [costIncl, bounded.maxInclVat] = [maxIncl, true];

  const price = (c: CostCategory): Price => ({ excl_vat: toNumber(rounded[c].excl, d), incl_vat: toNumber(rounded[c].incl, d) });
  const totals: CdrTotals = {
    total_cost: { excl_vat: toNumber(costExcl.units, costExcl.scale), incl_vat: toNumber(costIncl.units, costIncl.scale) },
    total_fixed_cost: price('fixed'),
    total_energy: microTo4Decimals(billing.totalEnergy),
    total_energy_cost: price('energy'),
    total_time: billing.sessionMs === undefined ? 0 : msToHours(billing.sessionMs),
    total_time_cost: price('time'),
    total_parking_time: secondsToHours(billing.parkingSeconds),
    total_parking_cost: price('parking'),
    total_reservation_cost: price('reservation'),
  };
  return { totals, bounded, costs };
}

/** The OCPI CDR totals of a session's charging periods under one tariff. Pure: reads only its arguments. */
export function priceCdr(tariff: Tariff, input: PricingInput): CdrTotals {
  return totalsOf(bill(tariff, input)).totals;
}

/** priceCdr with the billed components: which element priced what, before and after step_size. */
export function explainPrice(tariff: Tariff, input: PricingInput): PriceReport {
  const billing = bill(tariff, input);
  const { totals, bounded, costs } = totalsOf(billing);
  const { money } = billing.compiled;
  const volumeOf = (c: CompiledComponent, quantity: number): string => {
    if (c.dimension === 'FLAT') return '1';
    return (c.dimension === 'ENERGY' ? new Decimal(quantity).div(MICRO) : new Decimal(quantity).div(SECONDS_PER_HOUR)).toDecimalPlaces(6).toString();
  };
  const lines = billing.billed.map((c): PriceLine => {
    const cost = costs.get(c)!;
    return {
      category: categoryOf(c),
      dimension: c.dimension,
      elementIndex: c.elementIndex,
      componentIndex: c.componentIndex,
      price: c.price.toString(),
      vat: c.vat === undefined ? null : c.vat.toString(),
      stepSize: c.stepSize,
      volume: volumeOf(c, billing.quantity[c.id]!),
      billedVolume: volumeOf(c, billing.quantity[c.id]! + billing.extra[c.id]!),
      exclVat: formatScaled(divideHalfUp(cost.excl * pow10(billing.decimals), money.exclDenominator), billing.decimals),
      inclVat: formatScaled(divideHalfUp(cost.incl * pow10(billing.decimals), money.inclDenominator), billing.decimals),
    };
  });
  return { tariffId: billing.compiled.tariff.id, currency: billing.compiled.tariff.currency, totals, lines, bounded };
}
