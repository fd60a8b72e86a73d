/**
 * Deterministic meter: while charging, every sample interval adds `maxPowerW * interval` of energy.
 * Readings are derived from the sample count rather than accumulated, so no rounding drift builds up.
 */
export interface EnergyModel {
  readonly powerW: number;
  readonly intervalS: number;
}

export function energyPerSampleWh({ powerW, intervalS }: EnergyModel): number {
  return (powerW * intervalS) / 3600;
}

export function registerAfter(model: EnergyModel, meterStartWh: number, samples: number): number {
  return meterStartWh + samples * energyPerSampleWh(model);
}

/** OCPP 1.6 carries meterStart/meterStop as integer Wh; both protocols report whole Wh for comparability. */
export function wholeWh(energyWh: number): number {
  return Math.round(energyWh);
}

/** The meterStopBelowStart fault: a stop reading below the start by as much as was charged (at least 1 Wh). */
export function meterStopBelowStart(meterStartWh: number, trueStopWh: number): number {
  return wholeWh(meterStartWh) - Math.max(1, wholeWh(trueStopWh) - wholeWh(meterStartWh));
}
