import { parseOcpiDateTime } from '@roamgate/domain-tariffs';

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[+-]\d{2}:?\d{2}$/;

/** The number the two ASCII digits at `at` make, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >>> 0 <= 9 && b >>> 0 <= 9 ? a * 10 + b : -1;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Days of the year before the first of each month, in a common year. */
const DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
/** Leap days in the years 1 to 1969. */
const LEAP_DAYS_BEFORE_1970 = 477;

/**
 * `YYYY-MM-DDTHH:MM:SS[.fff…]Z`, the form nearly every record uses, read by character codes and
 * integer arithmetic (no allocation, no cache); NaN when not that form or not a calendar date and
 * time. Fractions keep milliseconds (further digits are cut, as parseOcpiDateTime does).
 */
function canonicalUtc(text: string): number {
  const length = text.length;
  if (length < 20 || text.charCodeAt(length - 1) !== 90 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return Number.NaN;
  }
  const century = twoDigits(text, 0);
  const yy = twoDigits(text, 2);
  const mo = twoDigits(text, 5);
  const d = twoDigits(text, 8);
  const h = twoDigits(text, 11);
  const mi = twoDigits(text, 14);
  const s = twoDigits(text, 17);
  if (century < 0 || yy < 0 || mo < 1 || mo > 12 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return Number.NaN;
  const y = century * 100 + yy;
  const leap = (y & 3) === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > DAYS_IN_MONTH[mo - 1]! + (leap && mo === 2 ? 1 : 0)) return Number.NaN;
  let ms = 0;
  if (length > 20) {
    if (length === 21 || text.charCodeAt(19) !== 46) return Number.NaN;
    let scale = 100;
    for (let i = 20; i < length - 1; i++) {
      const digit = text.charCodeAt(i) - 48;
      if (digit >>> 0 > 9) return Number.NaN;
      ms += digit * scale;
      scale /= 10;
    }
    ms = Math.floor(ms);
  }
  const before = y - 1;
  const leapDays = Math.floor(before / 4) - Math.floor(before / 100) + Math.floor(before / 400) - LEAP_DAYS_BEFORE_1970;
  const days = 365 * (y - 1970) + leapDays + DAYS_BEFORE_MONTH[mo - 1]! + (leap && mo > 2 ? 1 : 0) + d - 1;
  return days * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

/** Epoch milliseconds of an RFC 3339 instant (UTC by character codes, an offset through Date.parse), or NaN. */
export function instantMs(text: string): number {
  const fast = canonicalUtc(text);
  if (!Number.isNaN(fast)) return fast;
  const utc = parseOcpiDateTime(text);
  if (!Number.isNaN(utc) || !WITH_OFFSET.test(text)) return utc;
  return Date.parse(text);
}
