import { userInfo } from 'node:os';
import { InvalidArgumentError } from 'commander';
import { ApiClient } from '../api-client';

/**
 * What every `roamgate <group>` CLI command shares: the API connection, the action wrapper that turns a failure
 * into one `error: ...` line and exit code 1, option parsers and the plain-text table. Imported as
 * `@roamgate/runtime/cli` so the services' server code does not load commander.
 */

export const stdout = (text: string): void => void process.stdout.write(`${text}\n`);
export const stderr = (text: string): void => void process.stderr.write(`${text}\n`);
export const json = (value: unknown): string => JSON.stringify(value, null, 2);

/** Wraps command actions: an error (an API answer of 4xx/5xx included) is one `error: <message>` line and exit code 1. */
export function runner(options: { readonly printError?: (line: string) => void; readonly message?: (error: unknown) => string } = {}) {
  const printError = options.printError ?? stderr;
  const message = options.message ?? ((error: unknown) => (error instanceof Error ? error.message : String(error)));
  return <A extends unknown[]>(action: (...args: A) => Promise<void>): ((...args: A) => Promise<void>) =>
    async (...args) => {
      try {
        await action(...args);
      } catch (error) {
        printError(`error: ${message(error)}`);
        process.exitCode = 1;
      }
    };
}

/** `runner()` with the defaults: the error line goes to stderr. */
export const run = runner();

/** `?a=1&b=x` of the given parameters, '' when there are none; undefined (and with `omitEmpty`, '') leaves one out. */
export function search(params: Readonly<Record<string, string | number | boolean | undefined>>, options: { readonly omitEmpty?: boolean } = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && !(options.omitEmpty && value === '')) query.set(name, String(value));
  }
  const encoded = query.toString();
  return encoded === '' ? '' : `?${encoded}`;
}

/**
 * Columns padded to the widest cell (header included), two spaces apart, the last column not padded.
 * With `empty`, no rows print that instead of a lone header.
 */
export function table(rows: readonly (readonly string[])[], header: readonly string[], empty?: string): string {
  if (empty !== undefined && rows.length === 0) return empty;
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd()).join('\n');
}

/** A value as one table cell: '-' for nothing, lists comma separated, objects as JSON. */
export function text(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length === 0 ? '-' : value.map(text).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer');
  return Number(value);
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

/** A page size of the operations API. */
export function pageSize(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 500) throw new InvalidArgumentError('must be an integer from 1 to 500');
  return n;
}

/** A repeatable option that also takes comma separated values. */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

/** The OS user, for the `by` of audited commands ('unknown' where there is none). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** What a command group is given; tests pass a client bound to a test server and collect what is printed. */
export interface CliOptions {
  readonly client?: () => ApiClient;
  /** Where results go; stdout by default. */
  readonly print?: (text: string) => void;
}

export type Api = <T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown) => Promise<T>;

/** The operations API (admin token from the environment or the data directory) and the output of a command group. */
export function cliContext(options: CliOptions): { readonly api: Api; readonly print: (text: string) => void } {
  const client = options.client ?? (() => new ApiClient());
  return { api: (method, path, body) => client().request(method, path, body), print: options.print ?? stdout };
}
