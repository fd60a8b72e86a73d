import { TariffError } from './errors.js';

/**
 * Epoch milliseconds of an OCPI DateTime (types.asciidoc): RFC 3339 in UTC, `Z` optional, fractional
 * seconds allowed, no offsets; NaN when it is not one. Read by character codes: pricing reads one per period.
 */
export function parseOcpiDateTime(value: string): number {
  if (typeof value !== 'string') return Number.NaN;
  const length = value.length;
  if (length < 19 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45 || value.charCodeAt(10) !== 84 || value.charCodeAt(13) !== 58 || value.charCodeAt(16) !== 58) {
    return Number.NaN;
  }
  const y = digits(value, 0, 4);
  const mo = digits(value, 5, 2);
  const d = digits(value, 8, 2);
  const h = digits(value, 11, 2);
  const mi = digits(value, 14, 2);
  const s = digits(value, 17, 2);
  if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return Number.NaN;
  let i = 19;
  let ms = 0;
  if (i < length && value.charCodeAt(i) === 46) {
    i++;
    const from = i;
    let scale = 100;
    while (i < length) {
      const c = value.charCodeAt(i) - 48;
      if (c < 0 || c > 9) break;
      ms += c * scale;
      scale /= 10;
      i++;
    }
    if (i === from) return Number.NaN;
    ms = Math.floor(ms);
  }
  if (i < length && value.charCodeAt(i) === 90) i++;
  if (i !== length) return Number.NaN;
  return daysFromCivil(y, mo, d) * 86_400_000 + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
}

function digits(value: string, from: number, count: number): number {
  let n = 0;
  for (let i = from; i < from + count; i++) {
    const c = value.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const daysInMonth = (y: number, m: number) => (m === 2 ? (isLeap(y) ? 29 : 28) : m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31);

/** Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const year = m <= 2 ? y - 1 : y;
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function isOcpiDateTime(value: unknown): value is string {
  return typeof value === 'string' && !Number.isNaN(parseOcpiDateTime(value));
}

/** Epoch ms of an instant given as an OCPI DateTime, a Date or epoch ms. */
export function instantOf(value: string | Date | number, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : parseOcpiDateTime(value);
  if (!Number.isFinite(ms)) throw new TariffError('INVALID_INPUT', `${field}: expected an OCPI DateTime, got ${JSON.stringify(value)}`);
  return ms;
}

/** OCPI DateTime text of an instant: seconds precision unless the instant has milliseconds. */
export function formatOcpiDateTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

export interface LocalTime {
  /** Minutes since local midnight, 0..1439. */
  readonly minuteOfDay: number;
  /** The local date as yyyymmdd, so dates compare as integers. */
  readonly date: number;
  /** 0 = Monday .. 6 = Sunday. */
  readonly dayOfWeek: number;
}

const DAY_MS = 86_400_000;
const BUCKET_MS = 15 * 60_000;
const MAX_CACHED_BUCKETS = 100_000;
const MAX_CACHED_DAYS = 100_000;

/**
 * Local wall-clock time of a location (Intl with the IANA zone, no tz library). Offsets are cached per
 * UTC day when the day has one offset, else per 15 minutes (zone transitions fall on quarter hours);
 * a quarter whose two ends disagree is computed exactly for every instant.
 */
export class ZoneClock {
  private static readonly clocks = new Map<string, ZoneClock>();
  private readonly days = new Map<number, number>();
  private readonly buckets = new Map<number, number>();
  private lastDay = Number.NaN;
  private lastDayOffset = 0;
  private readonly format: Intl.DateTimeFormat | undefined;

  private constructor(readonly timeZone: string) {
    this.format = timeZone === 'UTC' ? undefined : ZoneClock.formatFor(timeZone);
  }

  static for(timeZone: string): ZoneClock {
    let clock = ZoneClock.clocks.get(timeZone);
    if (clock === undefined) {
      clock = new ZoneClock(timeZone);
      ZoneClock.clocks.set(timeZone, clock);
    }
    return clock;
  }

  static isKnown(timeZone: string): boolean {
    try {
      ZoneClock.for(timeZone);
      return true;
    } catch {
      return false;
    }
  }

  private static formatFor(timeZone: string): Intl.DateTimeFormat {
    try {
      return new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      throw new TariffError('UNKNOWN_TIME_ZONE', `unknown time zone ${JSON.stringify(timeZone)}: expected an IANA name such as Europe/Amsterdam`);
    }
  }

  /** Local time minus UTC, in milliseconds, at the instant. */
  offsetAt(ms: number): number {
    if (this.format === undefined) return 0;
    const day = Math.floor(ms / DAY_MS);
    if (day === this.lastDay) return this.lastDayOffset;
    let offset = this.days.get(day);
    if (offset === undefined) {
      const first = this.bucketOffset(day * (DAY_MS / BUCKET_MS));
      const last = this.bucketOffset((day + 1) * (DAY_MS / BUCKET_MS) - 1);
      offset = first === last && !Number.isNaN(first) ? first : Number.NaN;
      if (this.days.size > MAX_CACHED_DAYS) this.days.clear();
      this.days.set(day, offset);
    }
    if (Number.isNaN(offset)) {
      const inBucket = this.bucketOffset(Math.floor(ms / BUCKET_MS));
      return Number.isNaN(inBucket) ? this.exactOffset(ms) : inBucket;
    }
    this.lastDay = day;
    this.lastDayOffset = offset;
    return offset;
  }

  /** The offset of a 15-minute bucket, NaN when it changes within the bucket. */
  private bucketOffset(bucket: number): number {
    const cached = this.buckets.get(bucket);
    if (cached !== undefined) return cached;
    const first = this.exactOffset(bucket * BUCKET_MS);
    const last = this.exactOffset((bucket + 1) * BUCKET_MS - 1000);
    const offset = first === last ? first : Number.NaN;
    if (this.buckets.size > MAX_CACHED_BUCKETS) this.buckets.clear();
    this.buckets.set(bucket, offset);
    return offset;
  }

  private exactOffset(ms: number): number {
    const seconds = Math.floor(ms / 1000) * 1000;
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
    for (const part of this.format!.formatToParts(seconds)) {
      switch (part.type) {
        case 'year': y = Number(part.value); break;
        case 'month': mo = Number(part.value); break;
        case 'day': d = Number(part.value); break;
        case 'hour': h = Number(part.value); break;
        case 'minute': mi = Number(part.value); break;
        case 'second': s = Number(part.value); break;
        default: break;
      }
    }
    return Date.UTC(y, mo - 1, d, h, mi, s) - seconds;
  }

  local(ms: number): LocalTime {
    const wall = ms + this.offsetAt(ms);
    const day = Math.floor(wall / 86_400_000);
    return {
      minuteOfDay: Math.floor((wall - day * 86_400_000) / 60_000),
      date: civilDate(day),
      // 1970-01-01 was a Thursday.
      dayOfWeek: (((day + 3) % 7) + 7) % 7,
    };
  }

  /**
   * The instant at which the local clock shows `minuteOfDay` on `date` (yyyymmdd). In a spring-forward
   * gap that time does not exist: the result then lies within the hour after the gap.
   */
  instantOf(date: number, minuteOfDay: number): number {
    const wall = Date.UTC(Math.floor(date / 10_000), (Math.floor(date / 100) % 100) - 1, date % 100) + minuteOfDay * 60_000;
    const guess = wall - this.offsetAt(wall);
    const offset = this.offsetAt(guess);
    return wall - offset;
  }

  /** Instants in (from, to) where the zone's offset changes, to the second. */
  transitionsBetween(from: number, to: number): number[] {
    if (this.format === undefined) return [];
    const found: number[] = [];
    const step = 6 * 3_600_000;
    for (let a = from; a < to; a += step) {
      const b = Math.min(a + step, to);
      let lo = a;
      let hi = b;
      const start = this.exactOffset(lo);
      if (start === this.exactOffset(hi)) continue;
      while (hi - lo > 1000) {
        const mid = Math.floor((lo + hi) / 2000) * 1000;
        if (mid <= lo) break;
        if (this.exactOffset(mid) === start) lo = mid;
        else hi = mid;
      }
      if (hi > from && hi < to) found.push(hi);
    }
    return found;
  }
}

/** yyyymmdd of a day count since 1970-01-01 (H. Hinnant's civil_from_days). */
function civilDate(days: number): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y * 10_000 + m * 100 + d;
}

/** Adds days to a yyyymmdd date. */
export function addDays(date: number, days: number): number {
  const d = new Date(Date.UTC(Math.floor(date / 10_000), (Math.floor(date / 100) % 100) - 1, date % 100 + days));
  return d.getUTCFullYear() * 10_000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
}
