import DecimalJs from 'decimal.js';

/**
 * decimal.js reads prices, VAT and meter registers exactly and interpolates energy; the hot pricing
 * path then works in exact integers (shared/fixed.ts, shared/money.ts). Never floats for money or energy.
 */
export const Decimal = DecimalJs.clone({ precision: 40, rounding: DecimalJs.ROUND_HALF_UP, toExpNeg: -40, toExpPos: 40 });
export type Decimal = DecimalJs;

export const ZERO = new Decimal(0);
export const THOUSAND = new Decimal(1000);
export const SECONDS_PER_HOUR = new Decimal(3600);

/** OCPI numbers carry 4 decimals (types.asciidoc, number type). */
export const OCPI_DECIMALS = 4;

/** A JSON number as the decimal it was written as: String(n) is the shortest text that reads back as n. */
export function decimalOf(value: number | string): Decimal {
  return new Decimal(value);
}

/** A decimal as a JSON number; exact for the 4-decimal values OCPI carries. */
export function toJsonNumber(value: Decimal): number {
  const n = value.toNumber();
  return Object.is(n, -0) ? 0 : n;
}
