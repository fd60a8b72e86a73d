import type { CdrDimension, CdrTotals, ChargingPeriod, Tariff } from '../ocpi/types.js';
import { activeComponent, compileTariff, type CompiledPhase, type CompiledTariff } from '../pricing/compile.js';
import { factsOf, volumesOf } from '../pricing/period-facts.js';
import { priceCdr } from '../pricing/price-cdr.js';
import { Decimal, decimalOf, OCPI_DECIMALS, THOUSAND, toJsonNumber, ZERO } from '../shared/decimal.js';
import { MICRO } from '../shared/fixed.js';
import { TariffError } from '../shared/errors.js';
import { addDays, formatOcpiDateTime, instantOf, ZoneClock } from '../shared/time.js';

export interface TimelineSample {
  readonly at: string | Date;
  /**
   * Whether the EV requests power. False is parking time: OCPI 2.2.1 errata define PARKING_TIME as time
   * the EV is not requesting power, so an EVSE that suspends (SuspendedEVSE) still counts as charging time.
   */
  readonly charging: boolean;
  /** Cumulative energy register, decimal Wh; samples without it are interpolated. */
  readonly energyWh?: string | number;
  /** Active power in kW at the sample, when measured. */
  readonly powerKw?: string | number;
  /** Sum of the current over all phases in A, when measured. */
  readonly currentA?: string | number;
}

export interface SessionTimeline {
  readonly startDateTime: string | Date;
  readonly endDateTime: string | Date;
  readonly meterStartWh?: string | number;
  readonly meterStopWh?: string | number;
  /** The charger's samples and state changes, in any order. */
  readonly samples: readonly TimelineSample[];
  /** When a reservation preceded the session: it ran from here until the session started. */
  readonly reservationStartDateTime?: string | Date;
}

export interface BuildOptions {
  /** IANA zone of the location; default UTC. */
  readonly timeZone?: string;
  /** State before the first sample; default the first sample's state, or charging when there is none. */
  readonly initiallyCharging?: boolean;
  /** False keeps a period per cut (sample, boundary) instead of merging those that keep their components: for audits. */
  readonly merge?: boolean;
}

interface Slice {
  readonly start: number;
  readonly end: number;
  readonly charging: boolean;
  readonly reservation: boolean;
  /** µkWh */
  readonly energy: number;
  /** µkW and µA */
  readonly power: number | undefined;
  readonly current: number | undefined;
}

interface Merged {
  start: number;
  end: number;
  charging: boolean;
  reservation: boolean;
  energy: number;
  minPower: number | undefined;
  maxPower: number | undefined;
  minCurrent: number | undefined;
  maxCurrent: number | undefined;
  key: string;
}

interface EnergyPoint {
  readonly at: number;
  readonly wh: Decimal;
}

const hoursOf = (ms: number) => toJsonNumber(new Decimal(ms).div(3_600_000).toDecimalPlaces(OCPI_DECIMALS, Decimal.ROUND_HALF_UP));
/** kWh since the session start at OCPI's 4 decimals, in µkWh. */
const microKwhOf = (wh: Decimal) => wh.div(THOUSAND).toDecimalPlaces(OCPI_DECIMALS, Decimal.ROUND_HALF_UP).times(MICRO).toNumber();
const min = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.min(a, b));
const max = (a: number | undefined, b: number | undefined) => (a === undefined ? b : b === undefined ? a : Math.max(a, b));
const optionalDecimal = (value: string | number | undefined): Decimal | undefined => (value === undefined || value === '' ? undefined : decimalOf(value));
const optionalMicro = (value: string | number | undefined): number | undefined => {
  const d = optionalDecimal(value);
  return d === undefined ? undefined : d.times(MICRO).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
};

/** Cumulative energy as a piecewise-linear function of time through the known register readings. */
class EnergyCurve {
  constructor(private readonly points: readonly EnergyPoint[]) {}

  static of(timeline: SessionTimeline, samples: readonly { at: number; sample: TimelineSample }[], start: number, end: number): EnergyCurve {
    const points: EnergyPoint[] = [];
    const meterStart = optionalDecimal(timeline.meterStartWh);
    const meterStop = optionalDecimal(timeline.meterStopWh);
    if (meterStart !== undefined) points.push({ at: start, wh: meterStart });
    for (const { at, sample } of samples) {
      const wh = optionalDecimal(sample.energyWh);
      if (wh !== undefined) points.push({ at, wh });
    }
    if (meterStop !== undefined) points.push({ at: end, wh: meterStop });
    points.sort((a, b) => a.at - b.at);
    return new EnergyCurve(points);
  }

  whAt(at: number): Decimal {
    const p = this.points;
    if (p.length === 0) return ZERO;
    if (at <= p[0]!.at) return p[0]!.wh;
    for (let i = 1; i < p.length; i++) {
      const b = p[i]!;
      if (at > b.at) continue;
      const a = p[i - 1]!;
      if (b.at === a.at) return b.wh;
      return a.wh.plus(b.wh.minus(a.wh).times(at - a.at).div(b.at - a.at));
    }
    return p[p.length - 1]!.wh;
  }

  /** The first instant, rounded up to the millisecond, at which the register reaches `wh`. */
  reaching(wh: Decimal): number | undefined {
    const p = this.points;
    for (let i = 1; i < p.length; i++) {
      const a = p[i - 1]!;
      const b = p[i]!;
      if (a.wh.lt(wh) && b.wh.gte(wh) && b.at > a.at) {
        return a.at + wh.minus(a.wh).times(b.at - a.at).div(b.wh.minus(a.wh)).ceil().toNumber();
      }
    }
    return undefined;
  }
}

/** Instants where a restriction of the phase can flip: local times of day, midnights, zone transitions, durations. */
function boundaryCuts(phase: CompiledPhase, clock: ZoneClock, start: number, end: number): number[] {
  const cuts: number[] = [];
  const minutes = new Set<number>();
  for (const { restrictions: r } of phase.elements) {
    if (r === undefined) continue;
    if (r.startMinute !== undefined) minutes.add(r.startMinute % 1440);
    if (r.endMinute !== undefined) minutes.add(r.endMinute % 1440);
    if (r.startDate !== undefined || r.endDate !== undefined || r.days !== undefined) minutes.add(0);
    if (r.minDurationMs !== undefined) cuts.push(start + r.minDurationMs);
    if (r.maxDurationMs !== undefined) cuts.push(start + r.maxDurationMs);
  }
  if (minutes.size > 0) {
    const last = addDays(clock.local(end).date, 1);
    for (let date = addDays(clock.local(start).date, -1); date <= last; date = addDays(date, 1)) {
      for (const minute of minutes) cuts.push(clock.instantOf(date, minute));
    }
    cuts.push(...clock.transitionsBetween(start, end));
  }
  return cuts.filter((at) => at > start && at < end);
}

/**
 * Instants where the session's energy reaches a min_kwh or max_kwh: the first whole second at which it
 * has, so periods keep whole seconds (the unit of TIME) and the energy there, interpolated, is past it.
 */
function kwhCuts(phase: CompiledPhase, curve: EnergyCurve, startWh: Decimal, start: number, end: number): number[] {
  const cuts: number[] = [];
  for (const { restrictions: r } of phase.elements) {
    for (const threshold of [r?.minKwh, r?.maxKwh]) {
      if (threshold === undefined || threshold <= 0) continue;
      const micro = Math.ceil(threshold / 100) * 100;
      const reached = curve.reaching(startWh.plus(new Decimal(micro).div(1000)));
      if (reached === undefined) continue;
      const at = start + Math.ceil((reached - start) / 1000) * 1000;
      if (at > start && at < end) cuts.push(at);
    }
  }
  return cuts;
}

function periodOf(tariff: CompiledTariff, m: Merged): ChargingPeriod {
  const dimensions: CdrDimension[] = [];
  const duration = m.end - m.start;
  if (m.reservation) {
    dimensions.push({ type: 'RESERVATION_TIME', volume: hoursOf(duration) });
  } else {
    if (m.charging || m.energy !== 0) dimensions.push({ type: 'ENERGY', volume: m.energy / MICRO });
    dimensions.push({ type: m.charging ? 'TIME' : 'PARKING_TIME', volume: hoursOf(duration) });
    if (m.charging) {
      if (m.minCurrent !== undefined) dimensions.push({ type: 'MIN_CURRENT', volume: m.minCurrent / MICRO });
      if (m.maxCurrent !== undefined) dimensions.push({ type: 'MAX_CURRENT', volume: m.maxCurrent / MICRO });
      if (m.minPower !== undefined) dimensions.push({ type: 'MIN_POWER', volume: m.minPower / MICRO });
      if (m.maxPower !== undefined) dimensions.push({ type: 'MAX_POWER', volume: m.maxPower / MICRO });
    }
  }
  return { start_date_time: formatOcpiDateTime(m.start), dimensions, tariff_id: tariff.tariff.id };
}

/**
 * Slices become periods; neighbours that keep the same price components (and the same charging or
 * parking state) are merged, so a new period starts exactly when the active price component changes.
 */
function mergeSlices(tariff: CompiledTariff, phase: CompiledPhase, clock: ZoneClock, slices: readonly Slice[], phaseStart: number, merge = true): Merged[] {
  const merged: Merged[] = [];
  const matches: number[] = new Array<number>(tariff.tariff.elements.length).fill(0);
  let energyBefore = 0;
  for (const slice of slices) {
    const draft: Merged = {
      start: slice.start,
      end: slice.end,
      charging: slice.charging,
      reservation: slice.reservation,
      energy: slice.energy,
      minPower: slice.power,
      maxPower: slice.power,
      minCurrent: slice.current,
      maxCurrent: slice.current,
      key: '',
    };
    const facts = factsOf(
      volumesOf(periodOf(tariff, draft)),
      phase.usesLocalTime ? clock.local(slice.start) : undefined,
      energyBefore,
      slice.start - phaseStart,
    );
    matches.fill(0);
    const id = (slot: 'energy' | 'time' | 'parking') => activeComponent(phase, slot, facts, matches)?.id ?? '-';
    draft.key = slice.reservation
      ? `R|${id('time')}`
      : slice.charging
        ? `C|${id('energy')}|${id('time')}`
        : `P|${id('energy')}|${id('parking')}`;
    energyBefore += slice.energy;
    const previous = merged[merged.length - 1];
    if (merge && previous !== undefined && previous.key === draft.key && previous.end === draft.start) {
      previous.end = draft.end;
      previous.energy += draft.energy;
      previous.minPower = min(previous.minPower, draft.minPower);
      previous.maxPower = max(previous.maxPower, draft.maxPower);
      previous.minCurrent = min(previous.minCurrent, draft.minCurrent);
      previous.maxCurrent = max(previous.maxCurrent, draft.maxCurrent);
    } else {
      merged.push(draft);
    }
  }
  return merged;
}

function reservationSlices(phase: CompiledPhase, clock: ZoneClock, start: number, end: number): Slice[] {
  const cuts = [...new Set([start, ...boundaryCuts(phase, clock, start, end), end])].sort((a, b) => a - b);
  const slices: Slice[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    slices.push({ start: cuts[i]!, end: cuts[i + 1]!, charging: false, reservation: true, energy: 0, power: undefined, current: undefined });
  }
  return slices;
}

/**
 * The OCPI charging periods of a session under a tariff, from the charger's timeline: a new period
 * starts whenever another price component becomes active (time of day, date, day of week, kWh,
 * duration, power, current) and whenever the EV starts or stops requesting power (mod_cdrs,
 * ChargingPeriod). Energy between register readings is interpolated linearly, as the spec allows.
 */
export function buildChargingPeriods(tariff: Tariff, timeline: SessionTimeline, options: BuildOptions = {}): ChargingPeriod[] {
  const compiled = compileTariff(tariff);
  const clock = ZoneClock.for(options.timeZone ?? 'UTC');
  const start = instantOf(timeline.startDateTime, 'startDateTime');
  const end = instantOf(timeline.endDateTime, 'endDateTime');
  if (end < start) throw new TariffError('INVALID_INPUT', 'endDateTime: expected a time at or after startDateTime');
  const samples = timeline.samples
    .map((sample, i) => ({ at: instantOf(sample.at, `samples[${i}].at`), sample }))
    .sort((a, b) => a.at - b.at);

  const periods: ChargingPeriod[] = [];
  if (timeline.reservationStartDateTime !== undefined) {
    const reservedAt = instantOf(timeline.reservationStartDateTime, 'reservationStartDateTime');
    if (reservedAt > start) throw new TariffError('INVALID_INPUT', 'reservationStartDateTime: expected a time at or before startDateTime');
    if (reservedAt < start) {
      const phase = compiled.phases.reservation;
      const slices = reservationSlices(phase, clock, reservedAt, start);
      periods.push(...mergeSlices(compiled, phase, clock, slices, reservedAt, options.merge).map((m) => periodOf(compiled, m)));
    }
  }
  if (end === start) return periods;

  const phase = compiled.phases.session;
  const curve = EnergyCurve.of(timeline, samples, start, end);
  const startWh = curve.whAt(start);
  const instants = [
    start,
    end,
    ...samples.map((s) => s.at).filter((at) => at > start && at < end),
    ...boundaryCuts(phase, clock, start, end),
    ...kwhCuts(phase, curve, startWh, start, end),
  ];
  const cuts = [...new Set(instants)].sort((a, b) => a - b);
  const energyAt = (at: number) => microKwhOf(curve.whAt(at).minus(startWh));

  const initiallyCharging = options.initiallyCharging ?? samples[0]?.sample.charging ?? true;
  let s = -1;
  const slices: Slice[] = [];
  let energyFrom = 0;
  for (let i = 0; i + 1 < cuts.length; i++) {
    const from = cuts[i]!;
    const to = cuts[i + 1]!;
    while (s + 1 < samples.length && samples[s + 1]!.at <= from) s++;
    const state = s >= 0 ? samples[s]!.sample : undefined;
    const charging = state?.charging ?? initiallyCharging;
    const energyTo = energyAt(to);
    slices.push({
      start: from,
      end: to,
      charging,
      reservation: false,
      energy: energyTo - energyFrom,
      power: charging ? optionalMicro(state?.powerKw) : undefined,
      current: charging ? optionalMicro(state?.currentA) : undefined,
    });
    energyFrom = energyTo;
  }
  periods.push(...mergeSlices(compiled, phase, clock, slices, start, options.merge).map((m) => periodOf(compiled, m)));
  return periods;
}

/** The charging periods of a reservation that expired without a session (CDR for the reservation only). */
export function buildExpiredReservationPeriods(
  tariff: Tariff,
  reservation: { readonly startDateTime: string | Date; readonly endDateTime: string | Date },
  options: Pick<BuildOptions, 'timeZone'> = {},
): ChargingPeriod[] {
  const compiled = compileTariff(tariff);
  const clock = ZoneClock.for(options.timeZone ?? 'UTC');
  const start = instantOf(reservation.startDateTime, 'startDateTime');
  const end = instantOf(reservation.endDateTime, 'endDateTime');
  if (end <= start) throw new TariffError('INVALID_INPUT', 'endDateTime: expected a time after startDateTime');
  const phase = compiled.phases.reservationExpired;
  return mergeSlices(compiled, phase, clock, reservationSlices(phase, clock, start, end), start).map((m) => periodOf(compiled, m));
}

/** Charging periods and OCPI totals of a finished session: what the CDR issuer needs. */
export function priceSession(
  tariff: Tariff,
  timeline: SessionTimeline,
  options: BuildOptions & { readonly decimals?: number } = {},
): { readonly chargingPeriods: ChargingPeriod[]; readonly totals: CdrTotals } {
  const chargingPeriods = buildChargingPeriods(tariff, timeline, options);
  const totals = priceCdr(tariff, {
    chargingPeriods,
    startDateTime: timeline.reservationStartDateTime ?? timeline.startDateTime,
    endDateTime: timeline.endDateTime,
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
    ...(options.decimals === undefined ? {} : { decimals: options.decimals }),
  });
  return { chargingPeriods, totals };
}
