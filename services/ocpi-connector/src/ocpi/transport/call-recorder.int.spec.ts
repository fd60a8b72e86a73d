import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteEventStore, type EventStore } from '@roamgate/event-store';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { CallRecorder, type OcpiCall } from './call-recorder';

const call = (partnerId: string, n: number): OcpiCall => ({
  partnerId,
  direction: 'INBOUND',
  startedAt: Date.parse('2025-03-01T09:00:00Z') + n,
  method: 'GET',
  url: `https://cpo.example/ocpi/2.2.1/locations?offset=${n}`,
  module: 'locations',
  requestHeaders: { authorization: 'Token c2VjcmV0', 'x-request-id': `r-${n}` },
  requestBody: '',
  httpStatus: 200,
  ocpiStatusCode: 1000,
  responseHeaders: {},
  responseBody: JSON.stringify({ data: [{ token: 'secret' }], status_code: 1000 }),
  latencyMs: 3,
  requestId: `r-${n}`,
  correlationId: `c-${n}`,
});

describe('OCPI call log: group commit', () => {
  let dir: string;
  let events: EventStore;
  let readModels: ReadModelStore;
  let appends = 0;
  let recorder: CallRecorder;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocpi-calls-'));
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    readModels = openSqliteReadModelStore({ file: ':memory:' });
    const counting: EventStore = { ...events, append: (...args) => (appends++, events.append(...args)), readStream: (...args) => events.readStream(...args) };
    recorder = new CallRecorder(counting, readModels);
    await recorder.onModuleInit();
  });

  after(async () => {
    await readModels.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes a burst of calls with one append per partner and batch, every call in order and queryable, secrets redacted', async () => {
    for (let n = 0; n < 60; n++) recorder.record(call(n % 3 === 0 ? 'DE-EMP' : 'NL-EMS', n));
    await recorder.flushed();
    assert.ok(appends < 60 / 3, `${appends} appends for 60 calls`);
    const stream = await events.readStream('ocpi-NL-EMS');
    assert.deepEqual(stream.map((e) => (e.data as { requestId: string }).requestId), Array.from({ length: 60 }, (_, n) => n).filter((n) => n % 3 !== 0).map((n) => `r-${n}`));
    const listed = await recorder.list('DE-EMP', 0, 100);
    assert.equal(listed.total, 20);
    const first = listed.items.find((c) => c.requestId === 'r-0')!;
    assert.equal(first.ocpiStatusCode, 1000);
    assert.equal(first.requestHeaders['authorization'], '[redacted]');
    assert.doesNotMatch(first.responseBody, /secret/);
  });

  it('writes a lone call at once', async () => {
    const before = appends;
    recorder.record(call('NL-EMS', 100));
    await recorder.flushed();
    assert.equal(appends, before + 1);
    assert.equal((await recorder.list('NL-EMS', 0, 1)).items[0]!.requestId, 'r-100');
  });
});
