import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { aPriceComponent } from '@roamgate/domain-tariffs/testing';
import { waitFor } from '@roamgate/runtime/testing';
import { TARIFF_BOOK, type TariffBook } from '../tariff-book';
import { startTariffEngine, tempDataDir, type TariffEngineUnderTest } from '../testing/tariff-engine-app';
import { tariffJson } from '../testing/tariff-spec';

type Page<T = Record<string, any>> = { items: T[]; total: number; offset: number; limit: number };

const v1 = tariffJson({ id: 'E2E-1', last_updated: '2025-01-01T00:00:00Z' });
const v2 = tariffJson({ id: 'E2E-1', last_updated: '2025-02-01T00:00:00Z', elements: [{ price_components: [aPriceComponent({ price: 0.39 })] }] });

describe('tariff management over HTTP', () => {
  const data = tempDataDir();
  let engine: TariffEngineUnderTest;
  const projected = <T>(path: string, ok: (body: T) => boolean, what: string) =>
    waitFor(async () => {
      const response = await engine.call<T>('GET', path);
      return response.status === 200 && ok(response.body) ? response.body : undefined;
    }, what, 15_000);

  before(async () => {
    engine = await startTariffEngine(data.dir);
  });

  after(async () => {
    await engine?.stop();
    data.remove();
  });

  it('needs the admin token', async () => {
    assert.equal((await engine.call('GET', '/api/v1/tariffs', undefined, null)).status, 401);
    assert.equal((await engine.call('PUT', '/api/v1/tariffs/E2E-1', v1, 'wrong-token'.padEnd(32, 'x'))).status, 401);
  });

  it('publishes a tariff (201), then lists and shows it once projected', async () => {
    const created = await engine.call('PUT', '/api/v1/tariffs/E2E-1', v1);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('location'), '/api/v1/tariffs/E2E-1');
    assert.equal(created.body.outcome, 'created');
    assert.equal(created.body.lastUpdated, '2025-01-01T00:00:00Z');
    assert.deepEqual(created.body.tariff, v1);

    const shown = await projected<Record<string, any>>('/api/v1/tariffs/E2E-1', () => true, 'E2E-1 projected');
    assert.deepEqual(
      { id: shown.id, countryCode: shown.countryCode, partyId: shown.partyId, currency: shown.currency, lastUpdated: shown.lastUpdated, versions: shown.versions, deleted: shown.deleted },
      { id: 'E2E-1', countryCode: 'NL', partyId: 'RGT', currency: 'EUR', lastUpdated: '2025-01-01T00:00:00Z', versions: 1, deleted: false },
    );
    assert.deepEqual(shown.tariff, v1);
    const list = await engine.call<Page>('GET', '/api/v1/tariffs?limit=10');
    assert.deepEqual({ total: list.body.total, offset: list.body.offset, limit: list.body.limit, ids: list.body.items.map((t) => t.id) }, { total: 1, offset: 0, limit: 10, ids: ['E2E-1'] });
  });

  it('accepts the same version again (200, unchanged) and a later one (200, updated), keeping both versions', async () => {
    const again = await engine.call('PUT', '/api/v1/tariffs/E2E-1', JSON.parse(JSON.stringify(v1)));
    assert.deepEqual([again.status, again.body.outcome], [200, 'unchanged']);
    const updated = await engine.call('PUT', '/api/v1/tariffs/E2E-1', v2);
    assert.deepEqual([updated.status, updated.body.outcome, updated.body.versions], [200, 'updated', 2]);
    const versions = await projected<Page>('/api/v1/tariffs/E2E-1/versions', (p) => p.total === 2, 'two versions projected');
    assert.deepEqual(versions.items.map((v) => [v.lastUpdated, v.tariff.elements[0].price_components[0].price]), [
      ['2025-02-01T00:00:00Z', 0.39],
      ['2025-01-01T00:00:00Z', 0.25],
    ]);
    const oldestFirst = await engine.call<Page>('GET', '/api/v1/tariffs/E2E-1/versions?order=asc&limit=1');
    assert.deepEqual([oldestFirst.body.total, oldestFirst.body.items.map((v) => v.lastUpdated)], [2, ['2025-01-01T00:00:00Z']]);
  });

  it('refuses a changed tariff with a stale last_updated: 409 naming last_updated', async () => {
    const stale = await engine.call('PUT', '/api/v1/tariffs/E2E-1', { ...v1, currency: 'USD', last_updated: '2025-02-01T00:00:00Z' });
    assert.equal(stale.status, 409);
    assert.match(stale.body.message, /^last_updated: 2025-02-01T00:00:00Z is not later than 2025-02-01T00:00:00Z/);
    assert.equal((await engine.call('PUT', '/api/v1/tariffs/E2E-1', v1)).status, 409, 'an older version, even one stored before');
  });

  it('refuses an invalid tariff: 400 naming each field', async () => {
    const invalid = await engine.call('PUT', '/api/v1/tariffs/BAD', {
      ...tariffJson({ id: 'BAD' }),
      elements: [{ price_components: [{ type: 'ENERGY', price: -1, step_size: 1 }] }],
      last_updated: 'yesterday',
    });
    assert.equal(invalid.status, 400);
    assert.deepEqual(invalid.body.issues, ['elements[0].price_components[0].price: expected a number >= 0', 'last_updated: expected an OCPI DateTime such as 2019-06-23T08:16:02Z']);
    assert.match(invalid.body.message, /elements\[0\]\.price_components\[0\]\.price/);
    const mismatch = await engine.call('PUT', '/api/v1/tariffs/OTHER', v1);
    assert.equal(mismatch.status, 400);
    assert.match(mismatch.body.message, /id: expected "OTHER", the id in the path, got "E2E-1"/);
    const notAnObject = await engine.call('PUT', '/api/v1/tariffs/E2E-1', [v1]);
    assert.equal(notAnObject.status, 400);
    assert.equal((await engine.call('GET', '/api/v1/tariffs/BAD')).status, 404);
  });

  let assignmentId = '';

  it('assigns a tariff to a connector for a partner (201), the same again changes nothing (200)', async () => {
    const body = { chargerId: 'CP-E2E', evseId: 1, connectorId: 2, partnerId: 'NL-EMS', timeZone: 'Europe/Amsterdam' };
    const created = await engine.call('POST', '/api/v1/tariffs/E2E-1/assignments', body);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.deepEqual(
      { ...created.body, id: undefined, validFrom: undefined, assignedAt: undefined },
      { id: undefined, tariffId: 'E2E-1', chargerId: 'CP-E2E', evseId: 1, connectorId: 2, partnerId: 'NL-EMS', timeZone: 'Europe/Amsterdam', validFrom: undefined, validUntil: null, active: true, assignedAt: undefined, endReason: null, created: true },
    );
    assignmentId = created.body.id;
    const again = await engine.call('POST', '/api/v1/tariffs/E2E-1/assignments', body);
    assert.deepEqual([again.status, again.body.id, again.body.created], [200, assignmentId, false]);

    const listed = await projected<Page>('/api/v1/tariff-assignments?chargerId=CP-E2E', (p) => p.total === 1, 'assignment projected');
    assert.deepEqual(listed.items.map((a) => [a.id, a.tariffId, a.partnerId]), [[assignmentId, 'E2E-1', 'NL-EMS']]);
    assert.equal((await engine.call<Page>('GET', '/api/v1/tariff-assignments?chargerId=CP-OTHER')).body.total, 0);
  });

  it('gives the assigned tariff to CDR issuing through the exported TARIFF_BOOK', async () => {
    const book = engine.app.get<TariffBook>(TARIFF_BOOK);
    const found = await book.tariffsInForce({ chargerId: 'CP-E2E', evseId: 1, connectorId: 2, partnerId: 'NL-EMS', at: new Date() });
    assert.deepEqual(found.map((f) => [f.tariff.id, f.tariff.last_updated, f.timeZone]), [['E2E-1', '2025-02-01T00:00:00Z', 'Europe/Amsterdam']]);
    assert.deepEqual(await book.tariffsInForce({ chargerId: 'CP-E2E', evseId: 1, connectorId: 2, partnerId: 'DE-EMP', at: new Date() }), []);
    assert.equal((await book.version('E2E-1', '2025-01-01T00:00:00Z'))?.elements[0]?.price_components[0]?.price, 0.25);
  });

  it('refuses a bad assignment naming the field, and an unknown tariff with 404', async () => {
    const zone = await engine.call('POST', '/api/v1/tariffs/E2E-1/assignments', { chargerId: 'CP-E2E', timeZone: 'Europe/Atlantis' });
    assert.equal(zone.status, 400);
    assert.match(zone.body.message, /timeZone: unknown IANA time zone "Europe\/Atlantis"/);
    const evse = await engine.call('POST', '/api/v1/tariffs/E2E-1/assignments', { chargerId: 'CP-E2E', evseId: '1', timeZone: 'UTC' });
    assert.deepEqual([evse.status, evse.body.message], [400, 'evseId: must be an integer >= 0, got "1"']);
    const missing = await engine.call('POST', '/api/v1/tariffs/E2E-1/assignments', { timeZone: 'UTC' });
    assert.match(missing.body.message, /^chargerId: is required/);
    const unknown = await engine.call('POST', '/api/v1/tariffs/NOPE/assignments', { chargerId: 'CP-E2E', timeZone: 'UTC' });
    assert.deepEqual([unknown.status, unknown.body.message], [404, 'tariff NOPE not found']);
  });

  it('ends an assignment, keeping it as history', async () => {
    const ended = await engine.call('DELETE', `/api/v1/tariffs/E2E-1/assignments/${assignmentId}`);
    assert.deepEqual([ended.status, ended.body.active, ended.body.endReason], [200, false, 'unassigned']);
    assert.equal((await engine.call('DELETE', '/api/v1/tariffs/E2E-1/assignments/no-such-assignment')).status, 404);
    const history = await projected<Page>('/api/v1/tariff-assignments?chargerId=CP-E2E&status=ended', (p) => p.total === 1, 'assignment ended');
    assert.equal(history.items[0]?.validUntil, ended.body.validUntil);
    assert.equal((await engine.call<Page>('GET', '/api/v1/tariff-assignments?chargerId=CP-E2E')).body.total, 0);
  });

  it('deletes a tariff: GET is 404, its versions stay readable, list shows it only with deleted=true', async () => {
    const deleted = await engine.call('DELETE', '/api/v1/tariffs/E2E-1');
    assert.deepEqual([deleted.status, deleted.body.deleted], [200, true]);
    await waitFor(async () => ((await engine.call('GET', '/api/v1/tariffs/E2E-1')).status === 404 ? true : undefined), 'deletion projected', 15_000);
    assert.equal((await engine.call<Page>('GET', '/api/v1/tariffs/E2E-1/versions')).body.total, 2);
    assert.equal((await engine.call<Page>('GET', '/api/v1/tariffs')).body.total, 0);
    assert.deepEqual((await engine.call<Page>('GET', '/api/v1/tariffs?deleted=true')).body.items.map((t) => t.id), ['E2E-1']);
    assert.equal((await engine.call('DELETE', '/api/v1/tariffs/NOPE')).status, 404);
    assert.equal((await engine.call('GET', '/api/v1/tariffs?deleted=maybe')).status, 400);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await engine.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/docs/openapi.json');
    assert.equal(doc.status, 200);
    assert.deepEqual(Object.keys(doc.body.paths['/api/v1/tariffs/{id}'] ?? {}).sort(), ['delete', 'get', 'put']);
    assert.ok(doc.body.paths['/api/v1/tariffs/{id}/versions']?.['get']);
    assert.ok(doc.body.paths['/api/v1/tariffs/{id}/assignments']?.['post']);
    assert.ok(doc.body.paths['/api/v1/tariffs/{id}/assignments/{assignmentId}']?.['delete']);
    assert.ok(doc.body.paths['/api/v1/tariff-assignments']?.['get']);
  });
});
