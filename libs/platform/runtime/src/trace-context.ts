import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync, randomUUID } from 'node:crypto';
import type { AppendResult, EventStore, ExpectedRevision, NewEvent } from '@roamgate/event-store';

/**
 * Header names, used alike on HTTP requests, in event metadata and on bus messages (the relay copies an event's
 * metadata into its message headers). `traceparent` and `tracestate` follow W3C Trace Context; `x-correlation-id`
 * is OCPI's X-Correlation-ID (kept across hops); `x-causation-id` names the event whose handling caused the event.
 */
export const TRACE_HEADERS = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  correlationId: 'x-correlation-id',
  causationId: 'x-causation-id',
} as const;

/** The unit of work running now: an HTTP request or the handling of one bus message. */
export interface TraceContext {
  /** 32 lowercase hex digits, shared by everything one trace caused. */
  readonly traceId: string;
  /** 16 lowercase hex digits: this unit of work's own span, the parent of whatever it causes. */
  readonly spanId: string;
  /** 2 hex digits; `01` is sampled. */
  readonly flags: string;
  readonly tracestate?: string;
  readonly correlationId?: string;
  /** Event id of the message being handled; absent for work not caused by an event. */
  readonly causationId?: string;
}

export interface ParsedTraceparent {
  readonly traceId: string;
  readonly parentId: string;
  readonly flags: string;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;

/** W3C Trace Context, section 3.2 (traceparent): version ff and all-zero ids are invalid; a newer version may append fields. */
export function parseTraceparent(value: string | undefined): ParsedTraceparent | undefined {
  const match = value === undefined ? null : TRACEPARENT.exec(value.trim().toLowerCase());
  if (match === null) return undefined;
  const [, version, traceId, parentId, flags, rest] = match as unknown as [string, string, string, string, string, string | undefined];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (ZEROS.test(traceId) || ZEROS.test(parentId)) return undefined;
  return { traceId, parentId, flags };
}

export const formatTraceparent = (context: Pick<TraceContext, 'traceId' | 'spanId' | 'flags'>): string =>
  `00-${context.traceId}-${context.spanId}-${context.flags}`;

// Random bits are drawn from the OS in blocks, as newEventId does: two randomBytes calls per delivered bus message
// (a span id, and a trace id when the message carries none) cost more than the rest of the trace context.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let poolOffset = POOL_BYTES;

/** `bytes` random bytes as lowercase hex, never all zeros (W3C Trace Context: all-zero ids are invalid). */
function randomHex(bytes: number): string {
  for (;;) {
    if (poolOffset + bytes > POOL_BYTES) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const hex = pool.toString('hex', poolOffset, poolOffset + bytes);
    poolOffset += bytes;
    if (!ZEROS.test(hex)) return hex;
  }
}

const newSpanId = (): string => randomHex(8);
const newTraceId = (): string => randomHex(16);

/**
 * The context of work caused by the given headers (of an HTTP request or a bus message): the same trace with a
 * span of its own, or a new trace when the headers carry none (or an invalid one). The correlation id is taken
 * over; without one, `fallbackCorrelationId` (a message's event id, so a chain of events shares its first id).
 */
export function traceContextFrom(
  headers: Readonly<Record<string, string | undefined>>,
  options: { readonly causationId?: string; readonly fallbackCorrelationId?: string } = {},
): TraceContext {
  const parent = parseTraceparent(headers[TRACE_HEADERS.traceparent]);
  const tracestate = parent === undefined ? undefined : headers[TRACE_HEADERS.tracestate]?.trim() || undefined;
  const correlationId = headers[TRACE_HEADERS.correlationId]?.trim() || options.fallbackCorrelationId;
  return {
    traceId: parent?.traceId ?? newTraceId(),
    spanId: newSpanId(),
    flags: parent?.flags ?? '01',
    ...(tracestate === undefined ? {} : { tracestate }),
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(options.causationId === undefined ? {} : { causationId: options.causationId }),
  };
}

/** The headers that carry a context on: into event metadata, onto bus messages and outgoing HTTP calls. */
export function traceHeaders(context: TraceContext): Record<string, string> {
  return {
    [TRACE_HEADERS.traceparent]: formatTraceparent(context),
    ...(context.tracestate === undefined ? {} : { [TRACE_HEADERS.tracestate]: context.tracestate }),
    ...(context.correlationId === undefined ? {} : { [TRACE_HEADERS.correlationId]: context.correlationId }),
    ...(context.causationId === undefined ? {} : { [TRACE_HEADERS.causationId]: context.causationId }),
  };
}

const current = new AsyncLocalStorage<TraceContext>();

export const runWithTraceContext = <T>(context: TraceContext, work: () => T): T => current.run(context, work);

export const currentTraceContext = (): TraceContext | undefined => current.getStore();

/** Headers for an outgoing call made by the work running now (an OCPI request, say); empty outside any context. */
export function currentTraceHeaders(): Record<string, string> {
  const context = current.getStore();
  return context === undefined ? {} : traceHeaders(context);
}

/**
 * The event store as the services see it: an event appended while a context is current carries the context's
 * headers in its metadata, unless the caller set them. The relay publishes metadata as message headers, so the
 * context reaches every consumer without any service passing it by hand.
 */
export function tracingEventStore(store: EventStore): EventStore {
  return {
    append(streamId: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }): Promise<AppendResult> {
      const context = current.getStore();
      if (context === undefined) return store.append(streamId, events, options);
      const headers = traceHeaders(context);
      return store.append(
        streamId,
        events.map((event) => ({ ...event, metadata: { ...headers, ...event.metadata } })),
        options,
      );
    },
    readStream: (streamId, options) => store.readStream(streamId, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    getCheckpoint: (checkpointId) => store.getCheckpoint(checkpointId),
    close: () => store.close(),
  };
}

interface HttpRequestLike {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * Express middleware: each request runs in a context taken from its `traceparent`, `tracestate` and
 * `X-Correlation-ID` headers (OCPI 2.2.1 transport_and_format: partners send X-Correlation-ID on every request);
 * a request without a correlation id gets a new one, so the events it causes can be followed all the same.
 */
export function traceContextMiddleware(request: HttpRequestLike, _response: unknown, next: () => void): void {
  const single = (name: string): string | undefined => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const context = traceContextFrom(
    {
      [TRACE_HEADERS.traceparent]: single(TRACE_HEADERS.traceparent),
      [TRACE_HEADERS.tracestate]: single(TRACE_HEADERS.tracestate),
      [TRACE_HEADERS.correlationId]: single(TRACE_HEADERS.correlationId),
    },
    { fallbackCorrelationId: randomUUID() },
  );
  current.run(context, next);
}
