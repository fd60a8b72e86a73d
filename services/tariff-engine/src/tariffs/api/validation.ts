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

/** OCPI CiString(36), as the tariff id in the path must be. */
export function tariffIdOf(value: string): string {
  if (value.length === 0 || value.length > 36 || !/^[\x20-\x7e]+$/.test(value)) {
    throw invalid('id', `expected 1 to 36 printable ASCII characters (OCPI Tariff.id), got "${value}"`);
  }
  return value;
}

export function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${describe(value)}`);
  return value;
}

export function requiredString(input: Input, field: string, what: string): string {
  const value = optionalString(input, field);
  if (value === undefined || value === '') throw invalid(field, `is required (${what})`);
  return value;
}

export function optionalInteger(input: Input, field: string): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(field, `must be an integer >= 0, got ${describe(value)}`);
  return value;
}

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
  const value = queryText(query, field);
  if (value === undefined) return undefined;
  const match = choices.find((choice) => choice.toLowerCase() === value.toLowerCase());
  if (match === undefined) throw invalid(field, `must be one of ${choices.join(', ')}, got "${value}"`);
  return match;
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
  return { offset: queryInteger(query, 'offset', 0, Number.MAX_SAFE_INTEGER, 0), limit: queryInteger(query, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT) };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'string' ? `"${value}"` : typeof value === 'number' ? String(value) : typeof value;
}
