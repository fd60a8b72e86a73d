import { BadRequestException } from '@nestjs/common';

/**
 * Input checks for the operations APIs: each refuses with 400 and a message that starts with the field
 * (`limit: must be between 1 and 500, got 900`), never a crash. Service-specific checks (a charger identity,
 * an OCPI tariff id, a partner id) build on `invalid` in their own service.
 */

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface Paging {
  readonly offset: number;
  readonly limit: number;
}

/** A request body or query, as NestJS hands it over. */
export type Input = Readonly<Record<string, unknown>>;

/** The 400 an API answers for one field: `<field>: <problem>`. */
export const invalid = (field: string, problem: string): BadRequestException => new BadRequestException(`${field}: ${problem}`);

/** The body as an object; `absentAsEmpty` takes a missing body as `{}` (commands whose fields are all optional). */
export function objectBody(body: unknown, options: { readonly absentAsEmpty?: boolean } = {}): Input {
  if (options.absentAsEmpty && (body === undefined || body === null)) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException('body: must be a JSON object (Content-Type: application/json)');
  }
  return body as Input;
}

/** A string field of a body or query; absent, null and '' are undefined (or `is required`). */
export function text(input: Input, field: string, options: { readonly required?: boolean; readonly max?: number } = {}): string | undefined {
  const value = input[field];
  if (value === undefined || value === null || value === '') {
    if (options.required) throw invalid(field, 'is required');
    return undefined;
  }
  if (typeof value !== 'string') throw invalid(field, Array.isArray(value) ? 'must be given once' : 'must be a string');
  const max = options.max ?? 256;
  if (value.length > max) throw invalid(field, `must be at most ${max} characters, got ${value.length}`);
  return value;
}

/** One of `choices`, matched without regard to case, returned as spelled in `choices`. */
export function choice<T extends string>(input: Input, field: string, choices: readonly T[]): T | undefined {
  return oneOf(field, text(input, field), choices);
}

/** An integer from a body (number) or query (text); absent, null and '' are `fallback`. */
export function integer(input: Input, field: string, min: number, max: number, fallback: number): number {
  const value = input[field];
  if (value === undefined || value === null || value === '') return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw invalid(field, `must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** An RFC 3339 time, or a date (YYYY-MM-DD, taken as 00:00 UTC). */
export function instant(input: Input, field: string): Date | undefined {
  const value = text(input, field, { max: 64 });
  if (value === undefined) return undefined;
  const parsed = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(parsed)) throw invalid(field, `must be a date (2025-03-01) or an RFC 3339 time, got "${value}"`);
  return new Date(parsed);
}

export function optionalString(input: Input, field: string, maxLength = Number.POSITIVE_INFINITY): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${describe(value)}`);
  if (value.length > maxLength) throw invalid(field, `must be at most ${maxLength} characters, got ${value.length}`);
  return value;
}

/** A string that must be there and not empty; `what` says what it is (`is required (the charger id)`). */
export function requiredString(input: Input, field: string, what: string): string {
  const value = optionalString(input, field);
  if (value === undefined || value === '') throw invalid(field, `is required (${what})`);
  return value;
}

export function optionalStrings(input: Input, field: string, maxItems: number, maxLength: number): string[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw invalid(field, 'must be an array of strings');
  if (value.length > maxItems) throw invalid(field, `must have at most ${maxItems} items`);
  const long = (value as string[]).find((item) => item.length > maxLength);
  if (long !== undefined) throw invalid(field, `items must be at most ${maxLength} characters`);
  return value as string[];
}

export function optionalNumber(input: Input, field: string, range: { readonly min: number; readonly max: number; readonly exclusiveMin?: boolean }): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(field, `must be a number, got ${describe(value)}`);
  const tooLow = range.exclusiveMin ? value <= range.min : value < range.min;
  if (tooLow || value > range.max) {
    throw invalid(field, `must be ${range.exclusiveMin ? 'greater than' : 'at least'} ${range.min} and at most ${range.max}, got ${value}`);
  }
  return value;
}

export function optionalInteger(input: Input, field: string): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(field, `must be an integer >= 0, got ${describe(value)}`);
  return value;
}

/** A strict RFC 3339 time with seconds and an offset. */
export function optionalTime(input: Input, field: string): Date | undefined {
  const value = optionalString(input, field);
  if (value === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw invalid(field, `must be an RFC 3339 time such as 2025-03-01T00:00:00Z, got "${value}"`);
  return new Date(ms);
}

/** Query parameters arrive as text; a repeated parameter arrives as an array, which no filter here accepts. */
export function queryText(query: Input, field: string, maxLength = 256): string | undefined {
  const value = query[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be given once');
  if (value.length > maxLength) throw invalid(field, `must be at most ${maxLength} characters`);
  return value;
}

export function queryChoice<T extends string>(query: Input, field: string, choices: readonly T[]): T | undefined {
  return oneOf(field, queryText(query, field), choices);
}

export function queryBoolean(query: Input, field: string): boolean | undefined {
  const value = queryText(query, field);
  if (value === undefined) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw invalid(field, `must be true or false, got "${value}"`);
}

function queryInteger(query: Input, field: string, min: number, max: number, fallback: number): number {
  const value = queryText(query, field);
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) throw invalid(field, `must be a non-negative integer, got "${value}"`);
  const number = Number(value);
  if (number < min || number > max) throw invalid(field, `must be between ${min} and ${max}, got ${number}`);
  return number;
}

/** `?offset=&limit=`: offset from 0, limit 1 to MAX_LIMIT (DEFAULT_LIMIT when absent). */
export function paging(query: Input): Paging {
  return {
    offset: queryInteger(query, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
    limit: queryInteger(query, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT),
  };
}

function oneOf<T extends string>(field: string, value: string | undefined, choices: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  const match = choices.find((c) => c.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw invalid(field, `must be one of ${choices.join(', ')}, got "${value}"`);
  return match;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'string' ? `"${value}"` : typeof value === 'number' ? String(value) : typeof value;
}
