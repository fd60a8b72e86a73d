import { randomUUID } from 'node:crypto';
import type { OcpiResponse } from './model';
import type { CallRecord } from './received';
import { authorizationHeader, redactedBody, redactedHeaders, type TokenEncoding } from './transport';

export interface PartyRef {
  readonly countryCode: string;
  readonly partyId: string;
}

export interface OcpiReply<T> {
  readonly httpStatus: number;
  readonly body?: OcpiResponse<T>;
  readonly headers: Headers;
}

export class OcpiCallError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly httpStatus: number,
    readonly ocpiStatus: number | undefined,
    detail: string,
  ) {
    super(`${method} ${url}: ${detail}`);
    this.name = 'OcpiCallError';
  }
}

export interface OcpiClientOptions {
  readonly encoding: () => TokenEncoding;
  readonly from: PartyRef;
  readonly to: () => PartyRef | undefined;
  readonly record: (call: CallRecord) => void;
  readonly now: () => Date;
  readonly timeoutMs: number;
}

/** Outbound OCPI calls with the 2.2.1 headers (X-Request-ID, X-Correlation-ID, routing) and a record of each. */
export class OcpiClient {
  constructor(private readonly options: OcpiClientOptions) {}

  async call<T>(method: string, url: string, token: string, body?: unknown, correlationId: string = randomUUID()): Promise<OcpiReply<T>> {
    const to = this.options.to();
    const headers: Record<string, string> = {
      authorization: authorizationHeader(token, this.options.encoding()),
      'x-request-id': randomUUID(),
      'x-correlation-id': correlationId,
      'ocpi-from-country-code': this.options.from.countryCode,
      'ocpi-from-party-id': this.options.from.partyId,
      ...(to ? { 'ocpi-to-country-code': to.countryCode, 'ocpi-to-party-id': to.partyId } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    };
    const startedAt = performance.now();
    const at = this.options.now().toISOString();
    const base = { direction: 'out' as const, method, url, at, requestHeaders: redactedHeaders(Object.entries(headers)) };
    const requestBody = body === undefined ? {} : { requestBody: redactedBody(url, body) };
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
    } catch (error) {
      const message = messageOf(error);
      this.options.record({ ...base, ...requestBody, status: 0, responseHeaders: {}, latencyMs: performance.now() - startedAt, error: message });
      throw new OcpiCallError(method, url, 0, undefined, message);
    }
    const text = await response.text();
    const parsed = parseJson(text) as OcpiResponse<T> | undefined;
    const ocpiStatus = typeof parsed?.status_code === 'number' ? parsed.status_code : undefined;
    this.options.record({
      ...base,
      ...requestBody,
      status: response.status,
      ...(ocpiStatus === undefined ? {} : { ocpiStatus }),
      responseHeaders: redactedHeaders(response.headers.entries()),
      ...(text === '' ? {} : { responseBody: redactedBody(url, parsed ?? text) }),
      latencyMs: performance.now() - startedAt,
    });
    return { httpStatus: response.status, ...(parsed ? { body: parsed } : {}), headers: response.headers };
  }

  /** A call that must succeed in HTTP and in OCPI (status 1xxx); its data. */
  async data<T>(method: string, url: string, token: string, body?: unknown): Promise<{ data: T; reply: OcpiReply<T> }> {
    const reply = await this.call<T>(method, url, token, body);
    const ocpiStatus = reply.body?.status_code;
    if (reply.httpStatus < 200 || reply.httpStatus > 299 || ocpiStatus === undefined || ocpiStatus < 1000 || ocpiStatus > 1999)
      throw new OcpiCallError(
        method,
        url,
        reply.httpStatus,
        ocpiStatus,
        `HTTP ${reply.httpStatus}, OCPI ${ocpiStatus ?? '-'} ${reply.body?.status_message ?? ''}`.trim(),
      );
    return { data: reply.body?.data as T, reply };
  }
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
