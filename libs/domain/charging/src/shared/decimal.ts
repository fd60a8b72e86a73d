import { ChargingDomainError } from './errors.js';

// Energy and power are exact decimals: a bigint of units at a decimal scale, never a float.
interface Decimal {
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

function parse(value: string | number): Decimal {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new ChargingDomainError('INVALID_DECIMAL', `${value} is not a finite number`);
  }
  // String(number) is the shortest text that round-trips, so a JSON number keeps the digits the charger sent.
  const text = String(value).trim();
  const match = DECIMAL_TEXT.exec(text);
  const whole = match?.[2] ?? '';
  const fraction = match?.[3] ?? '';
  if (match === null || whole + fraction === '') {
    throw new ChargingDomainError('INVALID_DECIMAL', `"${text}" is not a decimal number`);
  }
  const magnitude = BigInt(whole + fraction);
  return normalize({ units: match[1] === '-' ? -magnitude : magnitude, scale: fraction.length - Number(match[4] ?? 0) });
}

function normalize({ units, scale }: Decimal): Decimal {
  if (scale < 0) return { units: units * 10n ** BigInt(-scale), scale: 0 };
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

function format({ units, scale }: Decimal): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.units * 10n ** BigInt(scale - a.scale), b.units * 10n ** BigInt(scale - b.scale), scale];
}

/** The canonical text of a decimal: no exponent, no trailing fractional zeros ("1.50" -> "1.5", "1e3" -> "1000"). */
export function normalizeDecimal(value: string | number): string {
  return format(parse(value));
}

export function isDecimal(value: string | number): boolean {
  try {
    parse(value);
    return true;
  } catch {
    return false;
  }
}

export function compareDecimals(a: string | number, b: string | number): -1 | 0 | 1 {
  const [x, y] = align(parse(a), parse(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addDecimals(...values: readonly (string | number)[]): string {
  let sum: Decimal = { units: 0n, scale: 0 };
  for (const value of values) {
    const [x, y, scale] = align(sum, parse(value));
    sum = { units: x + y, scale };
  }
  return format(normalize(sum));
}

export function subtractDecimals(a: string | number, b: string | number): string {
  const [x, y, scale] = align(parse(a), parse(b));
  return format(normalize({ units: x - y, scale }));
}

/** value * 10^powerOfTen, exactly: OCPP 2.0.1 unitOfMeasure.multiplier and the k of kWh. */
export function scaleDecimal(value: string | number, powerOfTen: number): string {
  const { units, scale } = parse(value);
  return format(normalize({ units, scale: scale - powerOfTen }));
}

const ENERGY_UNITS: Readonly<Record<string, number>> = { wh: 0, kwh: 3, mwh: 6 };
const POWER_UNITS: Readonly<Record<string, number>> = { w: 0, kw: 3, mw: 6 };

function convert(kind: string, table: Readonly<Record<string, number>>, value: string | number, unit: string, multiplier: number): string {
  const power = table[unit.toLowerCase()];
  if (power === undefined) throw new ChargingDomainError('INVALID_DECIMAL', `"${unit}" is not a unit of ${kind}`);
  return scaleDecimal(value, power + multiplier);
}

/** Energy in decimal Wh; unit defaults to OCPP's "Wh", multiplier is OCPP 2.0.1's power of ten. */
export function toWh(value: string | number, unit = 'Wh', multiplier = 0): string {
  return convert('energy', ENERGY_UNITS, value, unit === '' ? 'Wh' : unit, multiplier);
}

/** Power in decimal W. */
export function toW(value: string | number, unit = 'W', multiplier = 0): string {
  return convert('power', POWER_UNITS, value, unit === '' ? 'W' : unit, multiplier);
}
