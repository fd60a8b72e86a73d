import type { DecimalText } from './model.js';

/**
 * Decimal text as exact integers of millionths (safe up to 9 × 10^9 units): the matcher compares a
 * million pairs without a decimal object per value. Finer digits round half away from zero; OCPI
 * carries 4 decimals and meters resolve Wh, so nothing real is lost.
 */
export const MICRO = 1_000_000;
const DIGITS = 6;

/** Millionths of decimal text, or NaN when it is not plain decimal text. */
export function microOf(text: DecimalText): number {
  let i = 0;
  const n = text.length;
  let negative = false;
  if (n === 0) return Number.NaN;
  if (text.charCodeAt(0) === 45) {
    negative = true;
    i = 1;
  } else if (text.charCodeAt(0) === 43) i = 1;
  let whole = 0;
  let wholeDigits = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    whole = whole * 10 + c;
    wholeDigits++;
  }
  let fraction = 0;
  let fractionDigits = 0;
  let roundUp = false;
  if (i < n && text.charCodeAt(i) === 46) {
    i++;
    for (; i < n; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return Number.NaN;
      if (fractionDigits < DIGITS) {
        fraction = fraction * 10 + c;
        fractionDigits++;
      } else if (fractionDigits === DIGITS) {
        roundUp = c >= 5;
        fractionDigits++;
      }
    }
    if (fractionDigits === 0) return Number.NaN;
  }
  if (i !== n || (wholeDigits === 0 && fractionDigits === 0) || wholeDigits > 9) return Number.NaN;
  for (let d = Math.min(fractionDigits, DIGITS); d < DIGITS; d++) fraction *= 10;
  const units = whole * MICRO + fraction + (roundUp ? 1 : 0);
  return negative ? -units : units;
}

/** Millionths as decimal text with at least `minDigits` decimals (trailing zeros beyond trimmed). */
export function textOfMicro(micro: number, minDigits = 2): DecimalText {
  const negative = micro < 0;
  const abs = Math.abs(micro);
  const whole = Math.floor(abs / MICRO);
  let fraction = String(abs - whole * MICRO).padStart(DIGITS, '0');
  let end = DIGITS;
  while (end > minDigits && fraction.charCodeAt(end - 1) === 48) end--;
  fraction = fraction.slice(0, end);
  return `${negative ? '-' : ''}${whole}${fraction.length ? '.' : ''}${fraction}`;
}

/** Digits of the minor unit (ISO 4217); 2 unless listed. */
const MINOR_DIGITS: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
};

export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency] ?? 2;
}

/** Millionths in one minor unit of the currency. */
export function microPerMinor(currency: string): number {
  return 10 ** (DIGITS - minorDigits(currency));
}

/** Decimal text moved `places` decimal places left (Wh → kWh: 3; cents → euros: 2). Exact. */
export function shiftLeft(text: DecimalText, places: number): DecimalText {
  if (places === 0) return text;
  const negative = text.startsWith('-');
  const digits = negative || text.startsWith('+') ? text.slice(1) : text;
  const dot = digits.indexOf('.');
  const whole = dot < 0 ? digits : digits.slice(0, dot);
  const fraction = dot < 0 ? '' : digits.slice(dot + 1);
  const padded = whole.padStart(places + 1, '0');
  const cut = padded.length - places;
  const head = padded.slice(0, cut).replace(/^0+(?=\d)/, '');
  return `${negative ? '-' : ''}${head}.${padded.slice(cut)}${fraction}`;
}
