import { Decimal } from './decimal.js';

/** A decimal as integer digits and a scale: value = units / 10^scale, exactly. */
export interface ScaledDecimal {
  readonly units: bigint;
  readonly scale: number;
}

const POW10: bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));
export const pow10 = (n: number): bigint => POW10[n] ?? 10n ** BigInt(n);

/** The exact decimal a JSON number was written as (String(n) is its shortest round-tripping text). */
export function scaledOf(value: number | Decimal): ScaledDecimal {
  const d = value instanceof Decimal ? value : new Decimal(value);
  const scale = Math.max(0, d.decimalPlaces());
  return { units: BigInt(d.times(new Decimal(10).pow(scale)).toFixed(0)), scale };
}

export function rescale(value: ScaledDecimal, scale: number): bigint {
  return value.units * pow10(scale - value.scale);
}

/** numerator / denominator rounded half away from zero; denominator > 0. */
export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  return numerator < 0n ? -((-2n * numerator + denominator) / (2n * denominator)) : (2n * numerator + denominator) / (2n * denominator);
}

/** units / 10^scale as a JSON number: the nearest double, which prints as that decimal. */
export function toNumber(units: bigint, scale: number): number {
  const n = Number(units) / Number(pow10(scale));
  return Object.is(n, -0) ? 0 : n;
}
