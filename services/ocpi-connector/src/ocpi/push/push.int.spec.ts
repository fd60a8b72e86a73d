import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Module, type INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import { timestampFromMs } from '@roamgate/contracts';
import { domainEvent, toStoredEvent } from '@roamgate/domain-ocpi';
import { startEmspSimulator, type EmspSimulator } from '@roamgate/emsp-simulator';
import { newEventId, type EventStore } from '@roamgate/event-store';
import { EVENT_STORE, runWithTraceContext, startRoamgate, traceContextFrom } from '@roamgate/runtime';
import { freePort, waitFor } from '@roamgate/runtime/testing';
import { ocpiConnector, OcpiConnectorModule } from '../../ocpi-connector.module';
import { adminApi, registerEmsp } from '../../testing/operations-api';
import { SessionsSender } from '../sessions/sessions.sender';
import { CallRecorder } from '../transport/call-recorder';
import { Outbox } from './outbox';
import type { OutboxEntry } from './outbox-entry';

const ADMIN = 'b'.repeat(32);

@Module({ imports: [OcpiConnectorModule.withSettings({ countryCode: 'NL', partyId: 'RGT', secretKey: Buffer.alloc(32, 2), pageLimit: 2 })] })
class TestOcpiModule {}

describe('OCPI push outbox, sessions and their isolation, against simulated eMSPs', () => {
  let app: INestApplication;
  let base: string;
  let dir: string;
  let outbox: Outbox;
  const emsps: EmspSimulator[] = [];
  const saved = { ...process.env };

  const admin = adminApi(() => base, ADMIN);

  async function registered(countryCode: string, partyId: string): Promise<EmspSimulator> {
    const emsp = await startEmspSimulator({ host: '127.0.0.1', countryCode, partyId });
    emsps.push(emsp);
    await registerEmsp(admin, emsp, { countryCode, partyId });
    return emsp;
  }

  const entries = async (partnerId: string, status: string) => (await admin('GET', `/api/v1/partners/${partnerId}/outbox?status=${status}`)).body as { items: OutboxEntry[]; total: number };

  before(async () => {
    Object.assign(process.env, { OCPI_PUSH_BASE_DELAY_MS: '40', OCPI_PUSH_MAX_DELAY_MS: '400', OCPI_PUSH_JITTER: '0', OCPI_PUSH_MAX_ATTEMPTS: '6', OCPI_PUSH_POLL_MS: '50', OCPI_SESSION_PATCH_INTERVAL_S: '3600' });
    dir = mkdtempSync(join(tmpdir(), 'ocpi-push-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dir, ROAMGATE_ADMIN_TOKEN: ADMIN, ROAMGATE_PUBLIC_URL: base, LOG_LEVEL: 'error' });
    app = await startRoamgate({ processName: 'test', services: [{ descriptor: ocpiConnector.descriptor, module: TestOcpiModule }], config });
    outbox = app.get(Outbox, { strict: false });
  });

  after(async () => {
    await app?.close();
    for (const emsp of emsps) await emsp.stop();
    rmSync(dir, { recursive: true, force: true });
    process.env = saved;
  });

  it('delivers the pushes of one object in queue order, retrying through an outage, each call recorded', async () => {
    const emsp = await registered('NL', 'EMS');
    emsp.endpointDownFor('sessions', 60_000);
    const session = { country_code: 'NL', party_id: 'RGT', id: 'S-ORDER', start_date_time: '2025-03-01T09:00:00Z', kwh: 0, cdr_token: { country_code: 'NL', party_id: 'EMS', uid: 'T1', type: 'RFID', contract_id: 'T1' }, auth_method: 'COMMAND', location_id: 'L1', evse_uid: 'E1', connector_id: '1', currency: 'EUR', status: 'ACTIVE', last_updated: '2025-03-01T09:00:00Z' };
    const target = { partnerId: 'NL-EMS', module: 'sessions', objectId: 'S-ORDER', path: '/NL/RGT/S-ORDER', sessionId: 'S-ORDER' };
    await outbox.enqueue({ ...target, method: 'PUT', body: session, sourceEventId: 'e-1' });
    await outbox.enqueue({ ...target, method: 'PATCH', body: { kwh: 1.5, last_updated: '2025-03-01T09:01:00Z' }, sourceEventId: 'e-2' });
    await outbox.enqueue({ ...target, method: 'PATCH', body: { kwh: 3, last_updated: '2025-03-01T09:02:00Z' }, sourceEventId: 'e-3' });
    const again = await outbox.enqueue({ ...target, method: 'PATCH', body: { kwh: 3, last_updated: '2025-03-01T09:02:00Z' }, sourceEventId: 'e-3' });
    await waitFor(async () => ((await entries('NL-EMS', 'pending')).items.some((e) => e.method === 'PUT' && e.attempts >= 2) ? true : undefined), 'the PUT failed twice');
    assert.equal(emsp.received.sessions.size, 0);
    emsp.restoreEndpoint('sessions');

    await waitFor(async () => ((await entries('NL-EMS', 'delivered')).total === 3 ? true : undefined), 'three pushes delivered', 10_000);
    const record = emsp.received.sessions.get('NL/RGT/S-ORDER')!;
    assert.deepEqual(record.updates.map((u) => [u.method, u.body['kwh']]), [['PUT', 0], ['PATCH', 1.5], ['PATCH', 3]]);
    assert.equal(record.current['kwh'], 3);
    const delivered = (await entries('NL-EMS', 'delivered')).items;
    assert.ok(delivered[0]!.attempts >= 2, `the PUT met the outage: ${JSON.stringify(delivered[0])}`);
    assert.ok(delivered.every((e, i) => i === 0 || e.seq > delivered[i - 1]!.seq));
    assert.equal(again.id, delivered[2]!.id, 'queuing the same source event twice is one entry');

    await app.get(CallRecorder, { strict: false }).flushed();
    const calls = (await admin('GET', '/api/v1/partners/NL-EMS/calls?direction=OUTBOUND&sessionId=S-ORDER&limit=50')).body;
    const statuses = (calls.items as { method: string; httpStatus: number }[]).map((c) => c.httpStatus);
    assert.ok(statuses.includes(503), `the failed attempt is recorded: ${statuses.join(',')}`);
    assert.equal(statuses.filter((s) => s === 200 || s === 201).length, 3);
  });

  it('makes every attempt with the correlation id and trace of the work that queued the entry, whatever woke the loop', async () => {
    const emsp = emsps[0]!;
    const traceparent = (n: string) => `00-${n.repeat(32)}-${'1'.repeat(16)}-01`;
    const queue = (id: string, correlationId: string, trace: string) =>
      runWithTraceContext(traceContextFrom({ 'x-correlation-id': correlationId, traceparent: traceparent(trace) }), () =>
        outbox.enqueue({
          partnerId: 'NL-EMS', module: 'sessions', objectId: id, method: 'PUT', path: `/NL/RGT/${id}`, sessionId: id, sourceEventId: `corr-${id}`,
          body: { country_code: 'NL', party_id: 'RGT', id, start_date_time: '2025-03-01T09:00:00Z', kwh: 0, cdr_token: { country_code: 'NL', party_id: 'EMS', uid: 'T1', type: 'RFID', contract_id: 'T1' }, auth_method: 'COMMAND', location_id: 'L1', evse_uid: 'E1', connector_id: '1', currency: 'EUR', status: 'ACTIVE', last_updated: '2025-03-01T09:00:00Z' },
        }),
      );
    emsp.endpointDownFor('sessions', 60_000);
    const a = await queue('S-CORR-A', 'chain-A', 'a');
    await waitFor(async () => ((await entries('NL-EMS', 'pending')).items.some((e) => e.id === a.id && e.attempts >= 1) ? true : undefined), 'the first attempt failed');
    // Queued (and the loop woken) in another chain while S-CORR-A waits for its retry.
    await queue('S-CORR-B', 'chain-B', 'b');
    emsp.restoreEndpoint('sessions');
    await waitFor(async () => (emsp.received.sessions.has('NL/RGT/S-CORR-A') && emsp.received.sessions.has('NL/RGT/S-CORR-B') ? true : undefined), 'both delivered', 10_000);
    await app.get(CallRecorder, { strict: false }).flushed();
    for (const [id, chain, trace] of [['S-CORR-A', 'chain-A', 'a'], ['S-CORR-B', 'chain-B', 'b']] as const) {
      const calls = (await admin('GET', `/api/v1/partners/NL-EMS/calls?direction=OUTBOUND&sessionId=${id}&limit=50`)).body.items as { correlationId: string; requestHeaders: Record<string, string> }[];
      assert.ok(calls.length >= (id === 'S-CORR-A' ? 2 : 1), `${id}: ${calls.length} calls`);
      for (const call of calls) {
        assert.equal(call.correlationId, chain, `${id}: every attempt in its own chain`);
        assert.equal(call.requestHeaders['x-correlation-id'], chain);
        assert.equal(call.requestHeaders['traceparent']?.split('-')[1], trace.repeat(32), `${id}: the trace of its queuing`);
      }
    }
    const received = emsp.received.calls.filter((c) => c.direction === 'in' && c.method === 'PUT' && new URL(c.url).pathname.endsWith('/S-CORR-A'));
    assert.ok(received.length >= 1, `the partner's log: ${emsp.received.calls.map((c) => `${c.direction} ${c.method} ${c.url} ${c.status}`).slice(-6).join(', ')}`);
    for (const call of received) assert.equal(call.requestHeaders['x-correlation-id'], 'chain-A', 'the partner got it too');
  });

  it('dead-letters after the last attempt, holds the object, and delivers on an operator retry with the Location header', async () => {
    const emsp = emsps[0]!;
    emsp.endpointDownFor('cdrs', 60_000);
    const cdr = { country_code: 'NL', party_id: 'RGT', id: 'CDR-DEAD', start_date_time: '2025-03-01T09:00:00Z', end_date_time: '2025-03-01T10:00:00Z', cdr_token: { country_code: 'NL', party_id: 'EMS', uid: 'T1', type: 'RFID', contract_id: 'T1' }, auth_method: 'COMMAND', cdr_location: { id: 'L1', evse_uid: 'E1', connector_id: '1' }, currency: 'EUR', charging_periods: [], total_cost: { excl_vat: 1 }, total_energy: 1, total_time: 1, last_updated: '2025-03-01T10:00:00Z' };
    const first = await outbox.enqueue({ partnerId: 'NL-EMS', module: 'cdrs', objectId: 'CDR-DEAD', method: 'POST', path: '', body: cdr, sourceEventId: 'cdr-1' });
    const behind = await outbox.enqueue({ partnerId: 'NL-EMS', module: 'cdrs', objectId: 'CDR-DEAD', method: 'POST', path: '', body: { ...cdr, remark: 'second' }, sourceEventId: 'cdr-2' });
    const dead = await waitFor(async () => (await entries('NL-EMS', 'dead')).items.find((e) => e.id === first.id), 'dead-lettered', 10_000);
    assert.equal(dead.attempts, 6);
    assert.equal(dead.lastHttpStatus, 503);
    assert.ok((await entries('NL-EMS', 'pending')).items.some((e) => e.id === behind.id && e.attempts === 0), 'the entry behind the dead one waits');

    assert.equal((await admin('POST', `/api/v1/partners/NL-EMS/outbox/${behind.id}/retry`)).status, 409);
    assert.equal((await admin('POST', `/api/v1/partners/DE-EMP/outbox/${first.id}/retry`)).status, 404);
    emsp.restoreEndpoint('cdrs');
    const retried = await admin('POST', `/api/v1/partners/NL-EMS/outbox/${first.id}/retry`);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const done = await waitFor(async () => {
      const items = (await entries('NL-EMS', 'delivered')).items;
      return items.some((e) => e.id === behind.id) ? items.find((e) => e.id === first.id) : undefined;
    }, 'both delivered after the retry', 10_000);
    assert.match(done.locationUrl ?? '', /\/cdrs\/NL-RGT-CDR-DEAD$/);
  });

  it('lists sessions per partner only, paginated, after pushing them to their owner', async () => {
    const other = await registered('DE', 'EMP');
    const store = app.get<EventStore>(EVENT_STORE);
    const sender = app.get(SessionsSender, { strict: false });
    const start = async (sessionId: string, partnerId: string, at: number) => {
      const event = toStoredEvent(domainEvent('SessionStarted', { sessionId, occurredAt: timestampFromMs(at), chargerId: 'CP-1', connectorId: 1, idToken: { id: `TOK-${sessionId}` }, meterStartWh: '0', partnerId }));
      const id = newEventId();
      await store.append(`session-${sessionId}`, [{ id, ...event } as never], { expectedRevision: 'no_stream' });
      await sender.update(sessionId, `session-${sessionId}`, 0, id);
    };
    const t = Date.parse('2025-04-01T00:00:00Z');
    await start('S-A1', 'NL-EMS', t);
    await start('S-B1', 'DE-EMP', t + 1_000);
    await start('S-A2', 'NL-EMS', t + 2_000);
    await start('S-A3', 'NL-EMS', t + 3_000);
    await start('S-LOCAL', '', t + 4_000);

    const get = async (emsp: EmspSimulator, url: string) => {
      const response = await fetch(url, { headers: { authorization: `Token ${Buffer.from(emsp.partner!.outboundToken).toString('base64')}` } });
      return { headers: response.headers, body: (await response.json()) as { data: { id: string; cdr_token: { party_id: string } }[]; status_code: number } };
    };
    const first = await get(emsps[0]!, `${base}/ocpi/2.2.1/sessions?date_from=2025-04-01T00:00:00Z`);
    assert.equal(first.body.status_code, 1000);
    assert.deepEqual(first.body.data.map((s) => s.id), ['S-A1', 'S-A2']);
    assert.equal(first.headers.get('x-total-count'), '3');
    assert.equal(first.headers.get('x-limit'), '2');
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(next?.includes('date_from=2025-04-01T00%3A00%3A00Z') && next.includes('offset=2'), String(next));
    const second = await get(emsps[0]!, next!);
    assert.deepEqual(second.body.data.map((s) => s.id), ['S-A3']);
    assert.equal(second.headers.get('link'), null);

    const theirs = await get(other, `${base}/ocpi/2.2.1/sessions`);
    assert.deepEqual(theirs.body.data.map((s) => [s.id, s.cdr_token.party_id]), [['S-B1', 'EMP']]);
    await waitFor(() => (other.received.sessions.get('NL/RGT/S-B1') ? true : undefined), 'S-B1 PUT to its owner', 10_000);
    await waitFor(() => (emsps[0]!.received.sessions.get('NL/RGT/S-A3') ? true : undefined), 'S-A3 PUT to its owner', 10_000);
    assert.equal(other.received.sessions.get('NL/RGT/S-A1'), undefined);
    assert.equal(emsps[0]!.received.sessions.get('NL/RGT/S-B1'), undefined);
    assert.equal([...emsps[0]!.received.sessions.keys(), ...other.received.sessions.keys()].some((k) => k.includes('S-LOCAL')), false);
  });
});
