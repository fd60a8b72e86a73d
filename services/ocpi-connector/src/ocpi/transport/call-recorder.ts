import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
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
/** Calls written per group commit at the most. */
const MAX_BATCH = 200;

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
 * The ocpi_calls read model is written right after the append, so the operations API can answer at once.
 *
 * Recording never delays or fails the call it records: `record` queues the call and returns; the queue is written
 * by group commit, one append per partner for all its calls queued meanwhile (one fsync, not one per call), then
 * their read-model documents. Under load batches grow; when idle a call is written at once. A shutdown writes the
 * queue before the stores close; what is queued but not yet appended when the process dies is lost, as it was when
 * each call was written on its own after the answer. A failed append is logged.
 */
@Injectable()
export class CallRecorder implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('OcpiCalls');
  private queue: OcpiCall[] = [];
  private writing: Promise<void> | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(CALLS);
  }

  /** The stores close after this: what is queued is written first. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flushed();
  }

  record(call: OcpiCall): void {
    this.queue.push(call);
    this.kick();
  }

  /** Resolves once every call recorded so far is stored. */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private kick(): void {
    if (this.writing || this.queue.length === 0) return;
    const batch = this.queue.splice(0, MAX_BATCH);
    this.writing = this.writeBatch(batch)
      .catch((error: unknown) => this.logger.error(`could not record ${batch.length} OCPI call(s), the first ${batch[0]!.method} ${batch[0]!.url}: ${String(error)}`))
      .finally(() => {
        this.writing = undefined;
        this.kick();
      });
  }

  private async writeBatch(batch: readonly OcpiCall[]): Promise<void> {
    const byPartner = new Map<string, OcpiCall[]>();
    for (const call of batch) byPartner.set(call.partnerId, [...(byPartner.get(call.partnerId) ?? []), call]);
    for (const [partnerId, calls] of byPartner) {
      const written = calls.map((call) => ({ id: newEventId(), ...recordedOf(call) }));
      const appended = await this.store.append(
        ocpiCallStreamName(partnerId),
        written.map(({ id, event }) => ({ id, ...toStoredEvent(event) }) as never),
        { expectedRevision: 'any' },
      );
      const first = appended.nextExpectedRevision - written.length + 1;
      for (const [i, { id, doc }] of written.entries()) await this.readModels.upsert(CALLS.name, id, { ...doc, id }, first + i);
    }
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

/** The event of a call and its read-model document (without its id), secrets redacted in both. */
function recordedOf(call: OcpiCall) {
  const requestBody = redactBody(call.requestBody);
  const responseBody = redactBody(call.responseBody);
  const requestHeaders = redactHeaders(call.requestHeaders);
  const responseHeaders = redactHeaders(call.responseHeaders);
  const event = domainEvent('OcpiCallRecorded', {
    partnerId: call.partnerId,
    occurredAt: timestampFromMs(call.startedAt),
    direction: call.direction === 'INBOUND' ? OcpiCallDirection.INBOUND : OcpiCallDirection.OUTBOUND,
    method: call.method,
    url: call.url,
    module: call.module,
    requestHeaders,
    requestBody,
    httpStatus: call.httpStatus,
    ocpiStatusCode: call.ocpiStatusCode,
    responseBody,
    responseHeaders,
    latencyMs: Math.max(0, Math.round(call.latencyMs)),
    requestId: call.requestId,
    correlationId: call.correlationId,
    error: call.error ?? '',
    sessionId: call.sessionId ?? '',
  });
  const { startedAt, ...rest } = call;
  const doc: Omit<CallDocument, 'id'> = {
    ...rest,
    at: new Date(startedAt).toISOString(),
    requestHeaders,
    responseHeaders,
    requestBody,
    responseBody,
    error: call.error ?? null,
    sessionId: call.sessionId ?? null,
  };
  return { event, doc };
}
