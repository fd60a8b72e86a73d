import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { currentTraceContext, currentTraceHeaders, TRACE_HEADERS } from '@roamgate/runtime';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { authorizationHeader } from './authorization';
import { CallRecorder } from './call-recorder';
import { InvalidEnvelopeError, isSuccess, parseEnvelope, type OcpiEnvelope } from './envelope';
import { routingHeaderValues, type RoutingHeaders } from './routing';

export interface OutboundRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  /** The credentials token in clear; sent Base64 encoded unless the partner is flagged as not decoding. */
  readonly token: string;
  readonly encodeToken?: boolean;
  readonly body?: unknown;
  /** Partner the call is recorded under; calls before a partner exists (probing a versions URL) name it too. */
  readonly partnerId?: string;
  readonly module: string;
  /** Only for functional modules: configuration modules are never routed (transport_and_format, message routing). */
  readonly routing?: RoutingHeaders;
  /** X-Correlation-ID; by default the one of the work running now (the bus message or request that caused the call). */
  readonly correlationId?: string;
  readonly sessionId?: string;
  /** Overrides OCPI_REQUEST_TIMEOUT_MS, e.g. for a real-time authorization a charger waits for. */
  readonly timeoutMs?: number;
}

export interface OutboundResponse<T = unknown> {
  readonly httpStatus: number;
  readonly envelope: OcpiEnvelope<T>;
  readonly headers: Headers;
}

/** The partner could not be used: network failure, HTTP error, no envelope, or a non-1xxx status code. */
export class OcpiCallError extends Error {
  override readonly name = 'OcpiCallError';
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly statusCode: number | undefined,
  ) {
    super(message);
  }
}

@Injectable()
export class OcpiClient {
  constructor(
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
    private readonly recorder: CallRecorder,
  ) {}

  async request<T = unknown>(request: OutboundRequest): Promise<OutboundResponse<T>> {
    const requestId = randomUUID();
    // A call made while handling a bus message (or an inbound request) carries that chain's correlation id and trace,
    // so the partner's side and our log line up with the events that caused it (transport_and_format: X-Correlation-ID).
    const correlationId = request.correlationId ?? currentTraceContext()?.correlationId ?? randomUUID();
    const trace = currentTraceHeaders();
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(trace[TRACE_HEADERS.traceparent] ? { traceparent: trace[TRACE_HEADERS.traceparent] } : {}),
      ...(trace[TRACE_HEADERS.tracestate] ? { tracestate: trace[TRACE_HEADERS.tracestate] } : {}),
      authorization: authorizationHeader(request.token, request.encodeToken ?? true),
      'x-request-id': requestId,
      'x-correlation-id': correlationId,
      ...(request.routing ? routingHeaderValues(request.routing) : {}),
    };
    const body = request.body === undefined ? undefined : JSON.stringify(request.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const startedAt = Date.now();
    let httpStatus = 0;
    let responseText = '';
    let responseHeaders: Record<string, string> = {};
    let statusCode = 0;
    let failure: string | undefined;
    try {
      let response: Response;
      try {
        response = await fetch(request.url, {
          method: request.method,
          headers,
          ...(body === undefined ? {} : { body }),
          signal: AbortSignal.timeout(request.timeoutMs ?? this.settings.requestTimeoutMs),
          redirect: 'manual',
        });
      } catch (error) {
        const cause = (error as Error).cause as { code?: string; message?: string } | undefined;
        throw new OcpiCallError(`${request.method} ${request.url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`, 0, undefined);
      }
      httpStatus = response.status;
      responseHeaders = Object.fromEntries(response.headers.entries());
      responseText = await response.text();
      let envelope: OcpiEnvelope<T>;
      try {
        envelope = parseEnvelope(responseText ? JSON.parse(responseText) : undefined) as OcpiEnvelope<T>;
      } catch (error) {
        const reason = error instanceof InvalidEnvelopeError ? error.message : 'the response is not JSON';
        throw new OcpiCallError(`${request.method} ${request.url}: HTTP ${httpStatus}, ${reason}`, httpStatus, undefined);
      }
      statusCode = envelope.status_code;
      if (httpStatus < 200 || httpStatus >= 300 || !isSuccess(statusCode)) {
        throw new OcpiCallError(
          `${request.method} ${request.url}: HTTP ${httpStatus}, OCPI ${statusCode}${envelope.status_message ? ` (${envelope.status_message})` : ''}`,
          httpStatus,
          statusCode,
        );
      }
      return { httpStatus, envelope, headers: response.headers };
    } catch (error) {
      failure = (error as Error).message;
      throw error;
    } finally {
      if (request.partnerId) {
        this.recorder.record({
          partnerId: request.partnerId,
          direction: 'OUTBOUND',
          startedAt,
          method: request.method,
          url: request.url,
          module: request.module,
          requestHeaders: headers,
          requestBody: body ?? '',
          httpStatus,
          ocpiStatusCode: statusCode,
          responseHeaders,
          responseBody: responseText,
          latencyMs: Date.now() - startedAt,
          requestId,
          correlationId,
          ...(failure ? { error: failure } : {}),
          ...(request.sessionId ? { sessionId: request.sessionId } : {}),
        });
      }
    }
  }
}
