import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { OcpiCallDirection, timestampFromMs } from '@roamgate/contracts';
import { domainEvent, ocpiCallStreamName, toStoredEvent } from '@roamgate/domain-ocpi';
import { newEventId, type EventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { CALLS } from '../../partners/partner-documents';

export interface OcpiCall {
  readonly partnerId: string;
  readonly direction: 'INBOUND' | 'OUTBOUND';
  readonly startedAt: number;
  readonly method: string;
  readonly url: string;
  readonly module: string;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly requestBody: string;
  readonly httpStatus: number;
  readonly ocpiStatusCode: number;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly responseBody: string;
  readonly latencyMs: number;
  readonly requestId: string;
  readonly correlationId: string;
  readonly error?: string;
  readonly sessionId?: string;
}

export type CallDocument = Omit<OcpiCall, 'startedAt' | 'sessionId' | 'error'> & { readonly id: string; readonly at: string; readonly sessionId: string | null; readonly error: string | null };

const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'proxy-authorization']);
const MAX_BODY = 64 * 1024;

export function redactHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    kept[key] = SECRET_HEADERS.has(key) ? '[redacted]' : Array.isArray(value) ? value.join(', ') : value;
  }
  return kept;
}

/** Credentials bodies carry tokens in clear; every `token` field is blanked before a body is kept. */
export function redactBody(body: string): string {
  if (!body.includes('"token"')) return body.length > MAX_BODY ? `${body.slice(0, MAX_BODY)}…` : body;
  try {
    return JSON.stringify(JSON.parse(body, (key, value: unknown) => (key === 'token' && typeof value === 'string' ? '[redacted]' : value)));
  } catch {
    return '[unparsable body withheld: it mentions a token]';
  }
}

/**
 * Every OCPI exchange with a partner becomes an OcpiCallRecorded event on `ocpi-<partnerId>`: the evidence a
 * support engineer or a launch gate reads next to the charger's frames, and on the bus for other services.
 * The ocpi_calls read model is written in the same step so the operations API can answer at once. Recording
 * never fails the call it records; a failed append is logged.
 */
@Injectable()
export class CallRecorder implements OnModuleInit {
  private readonly logger = new Logger('OcpiCalls');
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(CALLS);
  }

  record(call: OcpiCall): void {
    const done = this.write(call).catch((error: unknown) => this.logger.error(`could not record ${call.method} ${call.url}: ${String(error)}`));
    this.inFlight.add(done);
    void done.finally(() => this.inFlight.delete(done));
  }

  /** Resolves once every call recorded so far is stored. */
  async flushed(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }

  private async write(call: OcpiCall): Promise<void> {
    const requestBody = redactBody(call.requestBody);
    const responseBody = redactBody(call.responseBody);
    const event = domainEvent('OcpiCallRecorded', {
      partnerId: call.partnerId,
      occurredAt: timestampFromMs(call.startedAt),
      direction: call.direction === 'INBOUND' ? OcpiCallDirection.INBOUND : OcpiCallDirection.OUTBOUND,
      method: call.method,
      url: call.url,
      module: call.module,
      requestHeaders: redactHeaders(call.requestHeaders),
      requestBody,
      httpStatus: call.httpStatus,
      ocpiStatusCode: call.ocpiStatusCode,
      responseBody,
      responseHeaders: redactHeaders(call.responseHeaders),
      latencyMs: Math.max(0, Math.round(call.latencyMs)),
      requestId: call.requestId,
      correlationId: call.correlationId,
      error: call.error ?? '',
      sessionId: call.sessionId ?? '',
    });
    const id = newEventId();
    const appended = await this.store.append(ocpiCallStreamName(call.partnerId), [{ id, ...toStoredEvent(event) } as never], { expectedRevision: 'any' });
    const { startedAt, ...rest } = call;
    const doc: CallDocument = {
      ...rest,
      id,
      at: new Date(startedAt).toISOString(),
      requestHeaders: redactHeaders(call.requestHeaders),
      responseHeaders: redactHeaders(call.responseHeaders),
      requestBody,
      responseBody,
      error: call.error ?? null,
      sessionId: call.sessionId ?? null,
    };
    await this.readModels.upsert(CALLS.name, id, doc, appended.nextExpectedRevision);
  }

  async list(partnerId: string, offset: number, limit: number, filter: { direction?: string; sessionId?: string } = {}) {
    const found = await this.readModels.find<CallDocument>(CALLS.name, {
      where: { partnerId, ...(filter.direction ? { direction: filter.direction } : {}), ...(filter.sessionId ? { sessionId: filter.sessionId } : {}) },
      sort: { field: 'at', direction: 'desc' },
      offset,
      limit,
    });
    return { items: found.items.map((d) => d.data), total: found.total };
  }
}
