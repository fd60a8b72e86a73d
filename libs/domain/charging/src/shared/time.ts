import { timestampFromDate, timestampMs, type Timestamp } from '@roamgate/contracts';
import { ChargingDomainError } from './errors.js';

// RFC 3339 as OCPP sends it; Date.parse alone would also accept "2024-01-01" or locale formats.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export function parseOcppTime(text: string, field = 'timestamp'): Date {
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms)) throw new ChargingDomainError('INVALID_PAYLOAD', `${field} "${text}" is not an RFC 3339 date-time`);
  return new Date(ms);
}

export function ocppTime(date: Date): string {
  return date.toISOString();
}

export function timestamp(date: Date): Timestamp {
  return timestampFromDate(date);
}

export function dateOf(value: Timestamp | undefined): Date | undefined {
  return value === undefined ? undefined : new Date(timestampMs(value));
}

export function requireDate(value: Timestamp | undefined): Date {
  return new Date(value === undefined ? 0 : timestampMs(value));
}

export function laterOf(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a.getTime() >= b.getTime() ? a : b;
}
