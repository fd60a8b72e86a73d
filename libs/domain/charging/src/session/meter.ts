import type { MeterSample } from '@roamgate/contracts';
import { compareDecimals, isDecimal, toW, toWh, addDecimals } from '../shared/decimal.js';
import { requireDate, timestamp } from '../shared/time.js';

export const ENERGY_REGISTER = 'Energy.Active.Import.Register';
export const ACTIVE_POWER = 'Power.Active.Import';

/** One OCPP SampledValue, as the charger sent it; empty or absent fields take OCPP's defaults. */
export interface SampledReading {
  readonly value: string;
  readonly measurand?: string;
  readonly unit?: string;
  readonly phase?: string;
  readonly context?: string;
  readonly location?: string;
}

/** One OCPP MeterValue: the values sampled at one instant, by the charger's clock. */
export interface MeterReading {
  readonly timestamp: Date;
  readonly values: readonly SampledReading[];
}

export function meterSampleInit(reading: MeterReading) {
  return {
    timestamp: timestamp(reading.timestamp),
    values: reading.values.map((value) => ({
      value: value.value,
      measurand: value.measurand ?? '',
      unit: value.unit ?? '',
      phase: value.phase ?? '',
      context: value.context ?? '',
      location: value.location ?? '',
    })),
  };
}

export function readingOf(sample: MeterSample): MeterReading {
  return {
    timestamp: requireDate(sample.timestamp),
    values: sample.values.map(({ value, measurand, unit, phase, context, location }) => ({ value, measurand, unit, phase, context, location })),
  };
}

/** Identifies a reading by instant and content, so a redelivered MeterValue is recognised whatever its envelope. */
export function readingKey(reading: MeterReading): string {
  const values = reading.values
    .map((v) => `${v.value},${v.measurand ?? ''},${v.unit ?? ''},${v.phase ?? ''},${v.context ?? ''},${v.location ?? ''}`)
    .sort()
    .join(';');
  return `${reading.timestamp.getTime()}|${values}`;
}

export function byTimestamp(a: MeterReading, b: MeterReading): number {
  return a.timestamp.getTime() - b.timestamp.getTime();
}

function isMeasurand(value: SampledReading, measurand: string): boolean {
  return (value.measurand || ENERGY_REGISTER) === measurand;
}

function energyWh(value: SampledReading): string | undefined {
  if (!isMeasurand(value, ENERGY_REGISTER) || (value.phase ?? '') !== '' || !isDecimal(value.value)) return undefined;
  try {
    return toWh(value.value, value.unit ?? '');
  } catch {
    return undefined;
  }
}

/** The total energy import register (no phase) of the reading, in decimal Wh. */
export function energyRegisterWh(reading: MeterReading, context?: string): string | undefined {
  for (const value of reading.values) {
    if (context !== undefined && (value.context ?? '') !== context) continue;
    const wh = energyWh(value);
    if (wh !== undefined) return wh;
  }
  return undefined;
}

/** The register at the start of a transaction: the Transaction.Begin reading, else the earliest one. */
export function meterStartWh(readings: readonly MeterReading[]): string | undefined {
  const sorted = [...readings].sort(byTimestamp);
  for (const reading of sorted) {
    const wh = energyRegisterWh(reading, 'Transaction.Begin');
    if (wh !== undefined) return wh;
  }
  for (const reading of sorted) {
    const wh = energyRegisterWh(reading);
    if (wh !== undefined) return wh;
  }
  return undefined;
}

/** The register at the end of a transaction: the Transaction.End reading, else the latest one. */
export function meterStopWh(readings: readonly MeterReading[]): string | undefined {
  const sorted = [...readings].sort(byTimestamp).reverse();
  for (const reading of sorted) {
    const wh = energyRegisterWh(reading, 'Transaction.End');
    if (wh !== undefined) return wh;
  }
  for (const reading of sorted) {
    const wh = energyRegisterWh(reading);
    if (wh !== undefined) return wh;
  }
  return undefined;
}

/** Active import power of the reading in decimal W: the total if sent, else the sum of the phases. */
export function activePowerW(reading: MeterReading): string | undefined {
  const power = reading.values.filter((v) => v.measurand === ACTIVE_POWER && isDecimal(v.value));
  const inW = (v: SampledReading): string | undefined => {
    try {
      return toW(v.value, v.unit ?? '');
    } catch {
      return undefined;
    }
  };
  const total = power.find((v) => (v.phase ?? '') === '');
  if (total !== undefined) return inW(total);
  const phases = power.map(inW).filter((w): w is string => w !== undefined);
  return phases.length === 0 ? undefined : addDecimals(...phases);
}

export function isAbove(value: string, threshold: string): boolean {
  return compareDecimals(value, threshold) > 0;
}
