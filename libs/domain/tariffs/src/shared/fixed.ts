/**
 * Quantities in exact fixed point: energy, power and current as safe integers of millionths (µkWh,
 * µkW, µA), time as whole seconds. A JSON number with up to 6 decimals converts exactly; finer digits
 * are below any meter's resolution and round to the nearest millionth. Money is exact too: shared/money.ts.
 */
export const MICRO = 1_000_000;

/** Millionths of a JSON number. Exact for up to 6 decimals below 10^9: the product's float error stays under 0.5. */
export function toMicro(value: number): number {
  return Math.round(value * MICRO);
}

/** Half away from zero, as integers: n / d rounded, d > 0. */
export function quotientHalfUp(n: number, d: number): number {
  return n < 0 ? -Math.floor((-2 * n + d) / (2 * d)) : Math.floor((2 * n + d) / (2 * d));
}

/** A micro quantity as a JSON number with 4 decimals (OCPI's precision). */
export function microTo4Decimals(micro: number): number {
  return quotientHalfUp(micro, 100) / 10_000;
}

/** Milliseconds as hours with 4 decimals. */
export function msToHours(ms: number): number {
  return quotientHalfUp(ms, 360) / 10_000;
}

export function secondsToHours(seconds: number): number {
  return quotientHalfUp(seconds * 25, 9) / 10_000;
}
