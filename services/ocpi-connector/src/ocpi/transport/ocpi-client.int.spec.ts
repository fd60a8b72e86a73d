import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runWithTraceContext, traceContextFrom } from '@roamgate/runtime';
import type { OcpiSettings } from '../../settings';
import type { CallRecorder } from './call-recorder';
import { OcpiClient } from './ocpi-client';

describe('OcpiClient: X-Correlation-ID and trace of outgoing calls', () => {
  let server: Server;
  let url: string;
  const seen: IncomingHttpHeaders[] = [];
  const recorded: { correlationId: string }[] = [];
  const client = new OcpiClient({ requestTimeoutMs: 5_000 } as OcpiSettings, { record: (call: { correlationId: string }) => void recorded.push(call) } as unknown as CallRecorder);
  const call = (correlationId?: string) =>
    client.request({ method: 'GET', url, token: 'token-b', partnerId: 'NL-EMS', module: 'versions', ...(correlationId === undefined ? {} : { correlationId }) });

  before(async () => {
    server = createServer((request, response) => {
      seen.push(request.headers);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ data: [], status_code: 1000, timestamp: new Date().toISOString() }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocpi/versions`;
  });

  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("carries the correlation id and trace of the work running now (a bus message's chain)", async () => {
    const context = traceContextFrom({ 'x-correlation-id': 'chain-42', traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` }, { causationId: 'event-1' });
    await runWithTraceContext(context, () => call());
    const headers = seen.at(-1)!;
    assert.equal(headers['x-correlation-id'], 'chain-42');
    assert.equal(recorded.at(-1)!.correlationId, 'chain-42', 'and the call log says so');
    assert.equal(headers['traceparent'], `00-${'ab'.repeat(16)}-${context.spanId}-01`);
    assert.equal(headers['x-causation-id'], undefined, 'our event ids stay ours');
    assert.notEqual(headers['x-request-id'], 'chain-42', 'a new X-Request-ID per call');
  });

  it('lets an explicit correlation id win', async () => {
    await runWithTraceContext(traceContextFrom({ 'x-correlation-id': 'chain-42' }), () => call('from-the-inbound-request'));
    assert.equal(seen.at(-1)!['x-correlation-id'], 'from-the-inbound-request');
  });

  it('makes up a correlation id outside any context, and sends no traceparent', async () => {
    await call();
    const headers = seen.at(-1)!;
    assert.match(String(headers['x-correlation-id']), /^[0-9a-f-]{36}$/);
    assert.equal(headers['traceparent'], undefined);
  });
});
