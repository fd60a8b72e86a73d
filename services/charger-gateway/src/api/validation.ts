import { BadRequestException } from '@nestjs/common';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

export interface Paging {
  readonly offset: number;
  readonly limit: number;
}

export type Input = Readonly<Record<string, unknown>>;

const invalid = (field: string, problem: string) => new BadRequestException(`${field}: ${problem}`);

export function objectBody(body: unknown): Input {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestException('body: must be a JSON object (Content-Type: application/json)');
  }
  return body as Input;
}

/**
 * The identity is the last segment of the OCPP-J URL and the HTTP Basic username, which ends at the
 * first ':'; OCPP 2.0.1 caps it at 48 characters (identityString).
 */
export function chargerIdentity(value: unknown, field = 'id'): string {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'is required (the OCPP charge point identity)');
  if (value.length > 48) throw invalid(field, `must be at most 48 characters, got ${value.length}`);
  if (/[:/]/.test(value)) throw invalid(field, `must not contain ':' or '/', got "${value}"`);
  if (/[\s\p{Cc}]/u.test(value)) throw invalid(field, 'must not contain whitespace or control characters');
  return value;
}

export function optionalString(input: Input, field: string, maxLength: number): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${describe(value)}`);
  if (value.length > maxLength) throw invalid(field, `must be at most ${maxLength} characters, got ${value.length}`);
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

/** Query parameters arrive as text; a repeated parameter arrives as an array, which no filter here accepts. */
export function queryText(query: Input, field: string, maxLength = 256): string | undefined {
  const value = query[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(field, 'must be given once');
  if (value.length > maxLength) throw invalid(field, `must be at most ${maxLength} characters`);
  return value;
}

export function queryChoice<T extends string>(query: Input, field: string, choices: readonly T[]): T | undefined {
  const value = queryText(query, field);
  if (value === undefined) return undefined;
  const match = choices.find((choice) => choice.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw invalid(field, `must be one of ${choices.join(', ')}, got "${value}"`);
  return match;
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

export function paging(query: Input): Paging {
  return {
    offset: queryInteger(query, 'offset', 0, Number.MAX_SAFE_INTEGER, 0),
    limit: queryInteger(query, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT),
  };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'string' ? `"${value}"` : typeof value;
}
