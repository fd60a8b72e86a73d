import { currentTraceHeaders, TRACE_HEADERS } from '@roamgate/runtime';

/**
 * The trace headers to keep with work done later on behalf of the work running now (an outbox entry, a CommandResult
 * to deliver): traceparent, tracestate and the correlation id. Taken from the given headers (an event's metadata), or
 * from the current trace context.
 */
export function keptTraceHeaders(from: Readonly<Record<string, string>> = currentTraceHeaders()): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const name of [TRACE_HEADERS.traceparent, TRACE_HEADERS.tracestate, TRACE_HEADERS.correlationId]) if (from[name]) kept[name] = from[name];
  return kept;
}
