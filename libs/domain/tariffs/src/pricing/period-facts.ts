import type { ChargingPeriod } from '../ocpi/types.js';
import { Decimal, decimalOf, SECONDS_PER_HOUR } from '../shared/decimal.js';
import { toMicro } from '../shared/fixed.js';
import type { LocalTime } from '../shared/time.js';
import type { PeriodFacts } from './compile.js';

/**
 * One OCPI charging period as pricing reads it: energy, power and current in millionths (µkWh, µkW, µA),
 * time in whole seconds, the step_size unit of TIME and PARKING_TIME.
 */
export interface PeriodVolumes {
  readonly reservation: boolean;
  readonly energy: number;
  readonly chargingSeconds: number;
  readonly parkingSeconds: number;
  readonly reservationSeconds: number;
  readonly powerLow: number | undefined;
  readonly powerHigh: number | undefined;
  readonly currentLow: number | undefined;
  readonly currentHigh: number | undefined;
}

/**
 * Hours to whole seconds, to the nearest. OCPI hours carry 4 decimals (0.36 s), which cannot say
 * "5 minutes" exactly (0.0833 h): the nearest second is what the CPO measured.
 */
export function hoursToSeconds(hours: number): number {
  const seconds = hours * 3600;
  const fraction = Math.abs(seconds - Math.trunc(seconds));
  if (Math.abs(fraction - 0.5) > 1e-6) return Math.round(seconds);
  return decimalOf(hours).times(SECONDS_PER_HOUR).toDecimalPlaces(0, Decimal.ROUND_HALF_UP).toNumber();
}

export function volumesOf(period: ChargingPeriod): PeriodVolumes {
  let reservation = false;
  let energy = 0;
  let chargingSeconds = 0;
  let parkingSeconds = 0;
  let reservationSeconds = 0;
  let powerLow: number | undefined;
  let powerHigh: number | undefined;
  let powerAverage: number | undefined;
  let currentLow: number | undefined;
  let currentHigh: number | undefined;
  let currentAverage: number | undefined;
  const dimensions = period.dimensions;
  for (let i = 0; i < dimensions.length; i++) {
    const { type, volume } = dimensions[i]!;
    switch (type) {
      case 'ENERGY':
        energy += toMicro(volume);
        break;
      case 'TIME':
        chargingSeconds += hoursToSeconds(volume);
        break;
      case 'PARKING_TIME':
        parkingSeconds += hoursToSeconds(volume);
        break;
      case 'RESERVATION_TIME':
        reservation = true;
        reservationSeconds += hoursToSeconds(volume);
        break;
      case 'MIN_POWER':
        powerLow = toMicro(volume);
        break;
      case 'MAX_POWER':
        powerHigh = toMicro(volume);
        break;
      case 'POWER':
        powerAverage = toMicro(volume);
        break;
      case 'MIN_CURRENT':
        currentLow = toMicro(volume);
        break;
      case 'MAX_CURRENT':
        currentHigh = toMicro(volume);
        break;
      case 'CURRENT':
        currentAverage = toMicro(volume);
        break;
      default:
        break;
    }
  }
  powerLow ??= powerAverage ?? powerHigh;
  powerHigh ??= powerAverage ?? powerLow;
  currentLow ??= currentAverage ?? currentHigh;
  currentHigh ??= currentAverage ?? currentLow;
  const notCharging = chargingSeconds === 0 && parkingSeconds > 0;
  if (powerLow === undefined) {
    if (notCharging) powerLow = powerHigh = 0;
    // Without a power dimension, the period's average power (rounded to 1 µkW) is what restrictions see.
    else if (chargingSeconds > 0 && energy !== 0) powerLow = powerHigh = Math.round((energy * 3600) / chargingSeconds);
  }
  if (currentLow === undefined && notCharging) currentLow = currentHigh = 0;
  return { reservation, energy, chargingSeconds, parkingSeconds, reservationSeconds, powerLow, powerHigh, currentLow, currentHigh };
}

export function factsOf(volumes: PeriodVolumes, local: LocalTime | undefined, energyBefore: number, durationMs: number): PeriodFacts {
  return {
    local,
    energyBefore,
    durationMs,
    powerLow: volumes.powerLow,
    powerHigh: volumes.powerHigh,
    currentLow: volumes.currentLow,
    currentHigh: volumes.currentHigh,
  };
}
