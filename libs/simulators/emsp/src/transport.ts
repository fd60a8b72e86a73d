import type { OcpiResponse } from './model';

/** 2.2.1 sends base64 tokens; many 2.1.1 peers send them as they are (FIELD-NOTES, transport_and_format). */
export type TokenEncoding = 'base64' | 'plain';

export function authorizationHeader(token: string, encoding: TokenEncoding): string {
  return `Token ${encoding === 'base64' ? Buffer.from(token, 'utf8').toString('base64') : token}`;
}

export function tokenOfAuthorization(header: string | undefined, encoding: TokenEncoding): string | undefined {
  const match = /^Token\s+(\S+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const sent = match[1]!;
  if (encoding === 'plain') return sent;
  const decoded = Buffer.from(sent, 'base64').toString('utf8');
  return Buffer.from(decoded, 'utf8').toString('base64').replace(/=+$/, '') === sent.replace(/=+$/, '') ? decoded : undefined;
}

export function envelope<T>(now: Date, statusCode: number, statusMessage: string, data?: T): OcpiResponse<T> {
  return {
    ...(data === undefined ? {} : { data }),
    status_code: statusCode,
    status_message: statusMessage,
    timestamp: now.toISOString(),
  };
}

/** The `<url>; rel="next"` target of a Link header, if any. */
export function nextLinkOf(header: string | null | undefined): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*((?:;[^;]*)*)$/.exec(part);
    if (match && /;\s*rel\s*=\s*"?next"?/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}

export interface PageRequest {
  readonly offset?: number;
  readonly limit?: number;
}

export interface Page {
  readonly offset: number;
  readonly limit: number;
  readonly nextOffset?: number;
}

/** transport_and_format pagination: the server caps the limit at its maximum (sent as X-Limit). */
export function pageOf(total: number, request: PageRequest, maxLimit: number): Page {
  const offset = Math.max(0, request.offset ?? 0);
  const limit = Math.min(maxLimit, Math.max(0, request.limit ?? maxLimit));
  const end = offset + limit;
  return { offset, limit, ...(limit > 0 && end < total ? { nextOffset: end } : {}) };
}

/** The next-page URL keeps every query parameter of the request (date_from, date_to) and moves the offset. */
export function nextPageUrl(requestUrl: URL, page: Page): string | undefined {
  if (page.nextOffset === undefined) return undefined;
  const next = new URL(requestUrl);
  next.searchParams.set('offset', String(page.nextOffset));
  next.searchParams.set('limit', String(page.limit));
  return next.toString();
}

export function nonNegativeIntegerParam(value: string | null): number | undefined | 'invalid' {
  if (value === null) return undefined;
  return /^\d+$/.test(value) ? Number(value) : 'invalid';
}

const secretHeaders = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

export function redactedHeaders(headers: Iterable<[string, string | string[] | undefined]>): Record<string, string> {
  const redacted: Record<string, string> = {};
  for (const [name, value] of headers) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    redacted[key] = secretHeaders.has(key) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return redacted;
}

/** Credentials bodies carry tokens: the call log keeps their shape but not the token. */
export function redactedBody(url: string, body: unknown): unknown {
  if (!/\/credentials\/?$/.test(new URL(url, 'http://localhost').pathname) || typeof body !== 'object' || body === null) return body;
  const copy = structuredClone(body) as Record<string, unknown>;
  if (typeof copy['token'] === 'string') copy['token'] = '[redacted]';
  const data = copy['data'];
  if (typeof data === 'object' && data !== null && typeof (data as Record<string, unknown>)['token'] === 'string')
    (data as Record<string, unknown>)['token'] = '[redacted]';
  return copy;
}
