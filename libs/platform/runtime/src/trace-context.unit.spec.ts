import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTraceparent, parseTraceparent, runWithTraceContext, currentTraceHeaders, traceContextFrom, TRACE_HEADERS } from './trace-context';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

describe('W3C traceparent', () => {
  it('parses a version 00 header and formats it back', () => {
    const parsed = parseTraceparent(`00-${TRACE}-${PARENT}-01`);
    assert.deepEqual(parsed, { traceId: TRACE, parentId: PARENT, flags: '01' });
    assert.equal(formatTraceparent({ traceId: TRACE, spanId: PARENT, flags: '01' }), `00-${TRACE}-${PARENT}-01`);
  });

  it('rejects version ff, all-zero ids, wrong lengths and extra fields on version 00', () => {
    for (const bad of [`ff-${TRACE}-${PARENT}-01`, `00-${'0'.repeat(32)}-${PARENT}-01`, `00-${TRACE}-${'0'.repeat(16)}-01`, `00-${TRACE.slice(1)}-${PARENT}-01`, `00-${TRACE}-${PARENT}-01-x`, 'garbage', undefined]) {
      assert.equal(parseTraceparent(bad), undefined, String(bad));
    }
  });

  it('accepts a later version with more fields, reading the first four', () => {
    assert.deepEqual(parseTraceparent(`01-${TRACE}-${PARENT}-00-future`), { traceId: TRACE, parentId: PARENT, flags: '00' });
  });
});

describe('trace context', () => {
  it('continues the caller’s trace with a span of its own and keeps the correlation id', () => {
    const context = traceContextFrom({ traceparent: `00-${TRACE}-${PARENT}-01`, tracestate: 'a=1', 'x-correlation-id': 'c-1' }, { causationId: 'e-1' });
    assert.equal(context.traceId, TRACE);
    assert.notEqual(context.spanId, PARENT);
    assert.match(context.spanId, /^[0-9a-f]{16}$/);
    assert.deepEqual([context.tracestate, context.correlationId, context.causationId], ['a=1', 'c-1', 'e-1']);
  });

  it('starts a new trace, drops tracestate and falls back to the given correlation id when the headers carry none', () => {
    const context = traceContextFrom({ tracestate: 'orphan=1' }, { fallbackCorrelationId: 'e-9' });
    assert.match(context.traceId, /^[0-9a-f]{32}$/);
    assert.equal(context.tracestate, undefined);
    assert.equal(context.correlationId, 'e-9');
  });

  it('gives the headers of the current context to outgoing calls, none outside one', () => {
    assert.deepEqual(currentTraceHeaders(), {});
    const context = traceContextFrom({ 'x-correlation-id': 'c-2' });
    const headers = runWithTraceContext(context, () => currentTraceHeaders());
    assert.equal(headers[TRACE_HEADERS.correlationId], 'c-2');
    assert.equal(headers[TRACE_HEADERS.traceparent], formatTraceparent(context));
  });
});

describe('trace and span ids from pooled randomness', () => {
  it('stays well-formed and distinct across refills of the pool', () => {
    const traces = new Set<string>();
    const spans = new Set<string>();
    for (let i = 0; i < 1_000; i++) {
      const context = traceContextFrom({});
      assert.match(context.traceId, /^[0-9a-f]{32}$/);
      assert.match(context.spanId, /^[0-9a-f]{16}$/);
      assert.notEqual(parseTraceparent(formatTraceparent(context)), undefined);
      traces.add(context.traceId);
      spans.add(context.spanId);
    }
    assert.equal(traces.size, 1_000);
    assert.equal(spans.size, 1_000);
  });
});
