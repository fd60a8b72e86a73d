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
import { EVENT_STORE, startRoamgate } from '@roamgate/runtime';
import { freePort, waitFor } from '@roamgate/runtime/testing';
import { ocpiConnector, OcpiConnectorModule } from '../../ocpi-connector.module';
import { adminApi, registerEmsp } from '../../testing/operations-api';
import { Outbox } from '../push/outbox';

const ADMIN = 't'.repeat(32);

@Module({ imports: [OcpiConnectorModule.withSettings({ countryCode: 'NL', partyId: 'RGT', secretKey: Buffer.alloc(32, 4), pageLimit: 2 })] })
class TestOcpiModule {}

/** Stands in for the tariff engine: owning the category makes this process's relay publish roamgate.tariff. */
@Module({})
class TariffOwnerModule {}

const tariff = (id: string, lastUpdated: string, extra: Record<string, unknown> = {}) => ({
  country_code: 'NL',
  party_id: 'RGT',
  id,
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'TIME', price: 2, vat: 21, step_size: 300 }] }],
  last_updated: lastUpdated,
  ...extra,
});

describe('mod_tariffs sender: the tariff topic into GET /tariffs and pushes through the outbox', () => {
  let app: INestApplication;
  let base: string;
  let dir: string;
  let store: EventStore;
  let emsp: EmspSimulator;
  const saved = { ...process.env };
  const admin = adminApi(() => base, ADMIN);

  const publish = async (t: ReturnType<typeof tariff>) => {
    const event = domainEvent('TariffPublished', {
      tariffId: t.id,
      occurredAt: timestampFromMs(Date.now()),
      countryCode: t.country_code,
      partyId: t.party_id,
      currency: t.currency,
      lastUpdated: timestampFromMs(Date.parse(t.last_updated)),
      tariffJson: JSON.stringify(t),
      publishedBy: 'test',
    });
    await store.append(`tariff-${t.id}`, [{ id: newEventId(), ...toStoredEvent(event) } as never], { expectedRevision: 'any' });
  };
  const remove = async (id: string) => {
    const event = domainEvent('TariffDeleted', { tariffId: id, occurredAt: timestampFromMs(Date.now()), deletedBy: 'test' });
    await store.append(`tariff-${id}`, [{ id: newEventId(), ...toStoredEvent(event) } as never], { expectedRevision: 'any' });
  };
  const get = async (url: string) => {
    const response = await fetch(url, { headers: { authorization: `Token ${Buffer.from(emsp.partner!.outboundToken).toString('base64')}` } });
    return { headers: response.headers, body: (await response.json()) as { data: { id: string; last_updated: string }[]; status_code: number } };
  };

  before(async () => {
    Object.assign(process.env, { OCPI_PUSH_BASE_DELAY_MS: '40', OCPI_PUSH_JITTER: '0', OCPI_PUSH_POLL_MS: '50' });
    dir = mkdtempSync(join(tmpdir(), 'ocpi-tariffs-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dir, ROAMGATE_ADMIN_TOKEN: ADMIN, ROAMGATE_PUBLIC_URL: base, LOG_LEVEL: 'error' });
    app = await startRoamgate({
      processName: 'test',
      services: [
        { descriptor: ocpiConnector.descriptor, module: TestOcpiModule },
        { descriptor: { name: 'tariff-engine', ownedCategories: ['tariff'] }, module: TariffOwnerModule },
      ],
      config,
    });
    store = app.get<EventStore>(EVENT_STORE);
    emsp = await startEmspSimulator({ host: '127.0.0.1', countryCode: 'NL', partyId: 'EMS' });
    await registerEmsp(admin, emsp, { countryCode: 'NL', partyId: 'EMS' });
  });

  after(async () => {
    await app?.close();
    await emsp?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.env = saved;
  });

  it('lists tariffs as a SENDER module', () => {
    assert.ok(emsp.partner!.endpoints.some((e) => e.identifier === 'tariffs' && e.role === 'SENDER' && e.url === `${base}/ocpi/2.2.1/tariffs`));
  });

  it('PUTs every version to the partner in order and serves the latest, paginated by last_updated', async () => {
    await publish(tariff('T1', '2025-01-01T00:00:00Z'));
    await publish(tariff('T2', '2025-01-02T00:00:00Z', { tariff_alt_text: [{ language: 'en', text: '2 EUR per hour' }] }));
    await publish(tariff('T1', '2025-01-03T00:00:00Z', { type: 'REGULAR' }));
    await publish(tariff('T3', '2025-01-04T00:00:00Z'));
    await waitFor(() => (emsp.received.tariffs.get('NL/RGT/T3') && emsp.received.tariffs.get('NL/RGT/T1')?.['type'] === 'REGULAR' ? true : undefined), 'all versions pushed', 10_000);
    const puts = emsp.received.calls.filter((c) => c.direction === 'in' && c.method === 'PUT' && c.url.includes('/tariffs/NL/RGT/T1'));
    assert.deepEqual(puts.map((c) => (c.requestBody as { last_updated: string }).last_updated), ['2025-01-01T00:00:00Z', '2025-01-03T00:00:00Z']);

    const first = await get(`${base}/ocpi/2.2.1/tariffs?date_from=2025-01-02T00:00:00Z`);
    assert.equal(first.body.status_code, 1000);
    assert.deepEqual(first.body.data.map((t) => t.id), ['T2', 'T1']);
    assert.equal(first.headers.get('x-total-count'), '3');
    assert.equal(first.headers.get('x-limit'), '2');
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.get('link') ?? '')?.[1];
    assert.ok(next?.includes('offset=2') && next.includes('date_from=2025-01-02T00%3A00%3A00Z'), String(next));
    assert.deepEqual((await get(next!)).body.data.map((t) => t.id), ['T3']);
    const early = await get(`${base}/ocpi/2.2.1/tariffs?date_to=2025-01-02T00:00:00Z`);
    assert.deepEqual(early.body.data, [], 'T1 moved on to its later last_updated');
  });

  it('DELETEs a withdrawn tariff at the partner and lists it no more', async () => {
    await remove('T2');
    await waitFor(() => (emsp.received.deletedTariffs.includes('NL/RGT/T2') ? true : undefined), 'DELETE of T2', 10_000);
    const listed = await get(`${base}/ocpi/2.2.1/tariffs?limit=10`);
    assert.deepEqual(listed.body.data.map((t) => t.id).sort(), ['T1', 'T3']);
    const deletes = emsp.received.calls.filter((c) => c.method === 'DELETE');
    assert.equal(deletes.length, 1);
    assert.equal(deletes[0]!.requestBody, undefined, 'a DELETE carries no body');
  });

  it('neither serves nor pushes a version its DTOs refuse', async () => {
    await publish(tariff('T5', '2025-01-05T00:00:00Z', { elements: [] }));
    await publish(tariff('T5', '2025-01-06T00:00:00Z'));
    // One stream, one partition: the valid version arriving proves the refused one was handled before it.
    await waitFor(() => emsp.received.tariffs.get('NL/RGT/T5'), 'the valid version of T5 pushed', 10_000);
    await app.get(Outbox, { strict: false }).idle();
    const puts = emsp.received.calls.filter((c) => c.method === 'PUT' && c.url.includes('/tariffs/NL/RGT/T5'));
    assert.deepEqual(puts.map((c) => (c.requestBody as { last_updated: string }).last_updated), ['2025-01-06T00:00:00Z']);
  });

  it('PUTs every current tariff to a partner that registers later, and not the deleted ones', async () => {
    const late = await startEmspSimulator({ host: '127.0.0.1', countryCode: 'DE', partyId: 'LAT' });
    try {
      await registerEmsp(admin, late, { countryCode: 'DE', partyId: 'LAT' });
      // T2 was deleted; T5 is current by its valid version. (GET pages hold 2 here: pageLimit.)
      const current = ['T1', 'T3', 'T5'];
      assert.equal((await get(`${base}/ocpi/2.2.1/tariffs`)).headers.get('x-total-count'), String(current.length));
      await waitFor(() => (current.every((id) => late.received.tariffs.has(`NL/RGT/${id}`)) ? true : undefined), 'the current tariffs PUT to the late partner', 10_000);
      assert.deepEqual([...late.received.tariffs.keys()].sort(), current.map((id) => `NL/RGT/${id}`));
      assert.equal(late.received.tariffs.get('NL/RGT/T1')?.['type'], 'REGULAR', 'the latest version');
    } finally {
      await late.stop();
    }
  });
});
