import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Controller, Get, Module, OnModuleInit, Req } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import { startRoamgate } from '@roamgate/runtime';
import { freePort } from '@roamgate/runtime/testing';
import type { Request } from 'express';
import { ocpiConnector, OcpiConnectorModule } from '../ocpi-connector.module';
import { FakePartner } from '../testing/fake-partner';
import { CallRecorder } from './transport/call-recorder';
import { OcpiModuleRegistry } from './transport/module-registry';
import { OcpiEndpoint, OcpiReply } from './transport/ocpi-endpoint';
import { pageHeaders, pageOf, parsePageQuery } from './transport/pagination';

const ADMIN = 'a'.repeat(32);
const PAGE_LIMIT = 5;
const ITEMS = Array.from({ length: 12 }, (_, i) => ({ id: `P${i}`, last_updated: new Date(Date.UTC(2025, 0, 1 + i)).toISOString() }));

/** A functional module standing in for locations & co.: a paginated, routed list. */
@Controller('ocpi/2.2.1/probes')
@OcpiEndpoint({ module: 'probes' })
class ProbeController implements OnModuleInit {
  constructor(private readonly registry: OcpiModuleRegistry) {}
  onModuleInit(): void {
    this.registry.register({ identifier: 'probes', role: 'SENDER', path: 'probes' });
  }
  @Get()
  list(@Req() request: Request) {
    const page = parsePageQuery(request.query as Record<string, unknown>, PAGE_LIMIT);
    const found = pageOf(ITEMS, page, (i) => new Date(i.last_updated));
    const url = new URL(request.originalUrl, `http://${request.get('host')}`);
    return new OcpiReply(found.items, { ...pageHeaders(url, page, found.total, PAGE_LIMIT) });
  }
}

@Module({ imports: [OcpiConnectorModule.withSettings({ countryCode: 'NL', partyId: 'RGT', secretKey: Buffer.alloc(32, 1) })], controllers: [ProbeController] })
class TestOcpiModule {}

describe('OCPI transport and credentials over HTTP', () => {
  let app: INestApplication;
  let base: string;
  let dir: string;
  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const flushed = () => app.get(CallRecorder, { strict: false }).flushed();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocpi-e2e-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dir, ROAMGATE_ADMIN_TOKEN: ADMIN, ROAMGATE_PUBLIC_URL: base, LOG_LEVEL: 'error' });
    app = await startRoamgate({ processName: 'test', services: [{ descriptor: ocpiConnector.descriptor, module: TestOcpiModule }], config });
  });

  after(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('a partner registers with us (token A, B, C)', () => {
    const emsp = new FakePartner({ countryCode: 'NL', partyId: 'EMS', name: 'Example eMSP' });
    let tokenA: string;
    let tokenC: string;
    before(() => emsp.start());
    after(() => emsp.stop());

    it('invites the party: token A and our versions URL, once', async () => {
      const { status, body } = await admin('POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId: 'EMS', role: 'EMSP' });
      assert.equal(status, 201);
      assert.equal(body.partnerId, 'NL-EMS');
      assert.equal(body.versionsUrl, `${base}/ocpi/versions`);
      tokenA = body.token;
      const again = await admin('POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId: 'EMS', role: 'EMSP' });
      assert.equal(again.status, 409);
    });

    it('answers 401 with the envelope for a missing or unknown token', async () => {
      const missing = await emsp.call('GET', `${base}/ocpi/versions`, undefined);
      assert.equal(missing.status, 401);
      assert.equal(missing.body?.status_code, 2000);
      assert.match(missing.body?.status_message, /Authorization/);
      assert.match(missing.body?.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal((await emsp.call('GET', `${base}/ocpi/versions`, 'not-a-token')).status, 401);
    });

    it('opens versions and details with token A, listing the modules that exist', async () => {
      const versions = await emsp.call('GET', `${base}/ocpi/versions`, tokenA, undefined, { 'X-Request-ID': 'req-1', 'X-Correlation-ID': 'corr-1' });
      assert.equal(versions.status, 200);
      assert.deepEqual(versions.body?.data, [{ version: '2.2.1', url: `${base}/ocpi/2.2.1` }]);
      assert.equal(versions.body?.status_code, 1000);
      assert.equal(versions.headers.get('x-request-id'), 'req-1');
      assert.equal(versions.headers.get('x-correlation-id'), 'corr-1');
      const details = await emsp.call('GET', `${base}/ocpi/2.2.1`, tokenA);
      assert.equal(details.body?.data.version, '2.2.1');
      const endpoints = details.body?.data.endpoints as { identifier: string; role: string; url: string }[];
      for (const expected of [
        { identifier: 'credentials', role: 'SENDER', url: `${base}/ocpi/2.2.1/credentials` },
        { identifier: 'probes', role: 'SENDER', url: `${base}/ocpi/2.2.1/probes` },
      ]) {
        assert.ok(endpoints.some((e) => e.identifier === expected.identifier && e.role === expected.role && e.url === expected.url), `${expected.identifier} listed`);
      }
      assert.equal(new Set(endpoints.map((e) => `${e.identifier}:${e.role}`)).size, endpoints.length, 'no module listed twice');
      assert.ok(details.headers.get('x-request-id'), 'a request id is generated when the client sent none');
    });

    it('refuses token A on a functional module', async () => {
      const probe = await emsp.call('GET', `${base}/ocpi/2.2.1/probes`, tokenA);
      assert.equal(probe.status, 401);
    });

    it('refuses credentials that fail validation, naming the field, with 400/2001', async () => {
      const bad = await emsp.call('POST', `${base}/ocpi/2.2.1/credentials`, tokenA, { ...emsp.credentials('b'), roles: [{ role: 'EMSP', party_id: 'TOOLONG', country_code: 'NL', business_details: { name: 'x' } }] });
      assert.equal(bad.status, 400);
      assert.equal(bad.body?.status_code, 2001);
      assert.match(bad.body?.status_message, /roles\[0\]\.party_id/);
      const json = await emsp.call('POST', `${base}/ocpi/2.2.1/credentials`, tokenA, '{"token": ');
      assert.equal(json.status, 400);
      assert.equal(json.body?.status_code, 2001);
      assert.match(json.body?.status_message, /not valid JSON/);
    });

    it('registers: we read its versions with B and answer with C', async () => {
      const tokenB = 'partner-token-B';
      emsp.accepted.add(tokenB);
      const posted = await emsp.call('POST', `${base}/ocpi/2.2.1/credentials`, tokenA, emsp.credentials(tokenB));
      assert.equal(posted.status, 200, JSON.stringify(posted.body));
      assert.equal(posted.body?.status_code, 1000);
      tokenC = posted.body?.data.token;
      assert.ok(tokenC && tokenC !== tokenA);
      assert.deepEqual(posted.body?.data.roles, [{ role: 'CPO', party_id: 'RGT', country_code: 'NL', business_details: { name: 'Roamgate CPO' } }]);
      const fetched = emsp.calls.filter((c) => c.path.startsWith('/ocpi/versions') || c.path === '/ocpi/2.2.1');
      assert.deepEqual(fetched.map((c) => c.token), [tokenB, tokenB], 'versions and details fetched with token B');
      assert.ok(fetched.every((c) => c.headers['ocpi-from-party-id'] === undefined), 'configuration modules are never routed');
    });

    it('token A stops working; C works, and a second POST is 405', async () => {
      assert.equal((await emsp.call('GET', `${base}/ocpi/versions`, tokenA)).status, 401);
      assert.equal((await emsp.call('GET', `${base}/ocpi/versions`, tokenC)).status, 200);
      const again = await emsp.call('POST', `${base}/ocpi/2.2.1/credentials`, tokenC, emsp.credentials('x'));
      assert.equal(again.status, 405);
      const got = await emsp.call('GET', `${base}/ocpi/2.2.1/credentials`, tokenC);
      assert.equal(got.body?.data.token, tokenC);
      const partner = await admin('GET', '/api/v1/partners/NL-EMS');
      assert.equal(partner.body.status, 'REGISTERED');
      assert.equal(partner.body.initiatedBy, 'PARTNER');
      assert.ok(!JSON.stringify(partner.body).includes('Hash'), 'no hash or sealed token in the operations API');
    });

    it('validates routing headers on functional modules and answers with them reversed', async () => {
      const ok = await emsp.call('GET', `${base}/ocpi/2.2.1/probes`, tokenC, undefined, {
        'OCPI-from-country-code': 'nl', 'OCPI-from-party-id': 'ems', 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'RGT',
      });
      assert.equal(ok.status, 200);
      assert.equal(ok.headers.get('ocpi-to-party-id'), 'EMS');
      assert.equal(ok.headers.get('ocpi-from-party-id'), 'RGT');
      const foreign = await emsp.call('GET', `${base}/ocpi/2.2.1/probes`, tokenC, undefined, { 'OCPI-from-country-code': 'DE', 'OCPI-from-party-id': 'XXX' });
      assert.equal(foreign.status, 400);
      assert.equal(foreign.body?.status_code, 2001);
      assert.match(foreign.body?.status_message, /not a role of partner NL-EMS/);
      const elsewhere = await emsp.call('GET', `${base}/ocpi/2.2.1/probes`, tokenC, undefined, { 'OCPI-to-country-code': 'NL', 'OCPI-to-party-id': 'ZZZ' });
      assert.equal(elsewhere.status, 400);
      const half = await emsp.call('GET', `${base}/ocpi/2.2.1/probes`, tokenC, undefined, { 'OCPI-from-country-code': 'NL' });
      assert.match(half.body?.status_message, /ocpi-from-party-id/);
    });

    it('paginates a list: Link with the filters, X-Total-Count, X-Limit = server maximum', async () => {
      const first = await emsp.call('GET', `${base}/ocpi/2.2.1/probes?date_from=2025-01-03T00:00:00Z&limit=50`, tokenC);
      assert.equal(first.status, 200);
      assert.deepEqual(first.body?.data.map((p: { id: string }) => p.id), ['P2', 'P3', 'P4', 'P5', 'P6']);
      assert.equal(first.headers.get('x-total-count'), '10');
      assert.equal(first.headers.get('x-limit'), String(PAGE_LIMIT));
      const link = /^<([^>]+)>; rel="next"$/.exec(first.headers.get('link') ?? '');
      assert.ok(link, first.headers.get('link') ?? 'no link');
      const next = await emsp.call('GET', link[1]!, tokenC);
      assert.deepEqual(next.body?.data.map((p: { id: string }) => p.id), ['P7', 'P8', 'P9', 'P10', 'P11']);
      assert.equal(next.headers.get('link'), null, 'no next link on the last page');
      const bad = await emsp.call('GET', `${base}/ocpi/2.2.1/probes?offset=x`, tokenC);
      assert.equal(bad.status, 400);
      assert.match(bad.body?.status_message, /offset/);
    });

    it('PUT re-reads the partner versions with its new token and rotates C', async () => {
      emsp.accepted.add('partner-token-B2');
      const before = emsp.calls.length;
      const put = await emsp.call('PUT', `${base}/ocpi/2.2.1/credentials`, tokenC, emsp.credentials('partner-token-B2'));
      assert.equal(put.status, 200, JSON.stringify(put.body));
      const tokenC2 = put.body?.data.token as string;
      assert.notEqual(tokenC2, tokenC);
      assert.deepEqual(emsp.calls.slice(before).map((c) => c.token), ['partner-token-B2', 'partner-token-B2']);
      assert.equal((await emsp.call('GET', `${base}/ocpi/versions`, tokenC)).status, 401);
      assert.equal((await emsp.call('GET', `${base}/ocpi/versions`, tokenC2)).status, 200);
      tokenC = tokenC2;
    });

    it('records every call per partner, without secrets', async () => {
      await flushed();
      const { status, body } = await admin('GET', '/api/v1/partners/NL-EMS/calls?limit=200');
      assert.equal(status, 200);
      const calls = body.items as { direction: string; method: string; module: string; url: string; httpStatus: number; ocpiStatusCode: number; requestHeaders: Record<string, string>; latencyMs: number }[];
      assert.ok(calls.some((c) => c.direction === 'INBOUND' && c.method === 'POST' && c.module === 'credentials' && c.ocpiStatusCode === 1000));
      assert.ok(calls.some((c) => c.direction === 'OUTBOUND' && c.method === 'GET' && c.url === emsp.versionsUrl && c.httpStatus === 200));
      assert.ok(calls.some((c) => c.direction === 'INBOUND' && c.httpStatus === 400 && c.ocpiStatusCode === 2001));
      const text = JSON.stringify(body);
      for (const secret of [tokenC, 'partner-token-B', 'partner-token-B2', Buffer.from(tokenC).toString('base64')]) assert.ok(!text.includes(secret), `the call log leaks ${secret}`);
      assert.ok(calls.every((c) => c.requestHeaders.authorization === undefined || c.requestHeaders.authorization === '[redacted]'));
    });

    it('DELETE unregisters: no token of this partner works any more', async () => {
      const deleted = await emsp.call('DELETE', `${base}/ocpi/2.2.1/credentials`, tokenC);
      assert.equal(deleted.status, 200);
      assert.equal(deleted.body?.status_code, 1000);
      assert.equal((await emsp.call('GET', `${base}/ocpi/versions`, tokenC)).status, 401);
      assert.equal((await admin('GET', '/api/v1/partners/NL-EMS')).body.status, 'UNREGISTERED');
    });
  });

  describe('we register with a partner (its token A, our B, its C)', () => {
    const emsp = new FakePartner({ countryCode: 'NL', partyId: 'EMP', name: 'Partner eMSP' });
    before(() => emsp.start());
    after(() => emsp.stop());

    it('fetches its versions with A, POSTs our B (valid before the answer) and keeps its C', async () => {
      const { status, body } = await admin('POST', '/api/v1/partners/registrations', {
        versionsUrl: emsp.versionsUrl, token: emsp.tokenA, countryCode: 'NL', partyId: 'EMP', role: 'EMSP',
      });
      assert.equal(status, 201, JSON.stringify(body));
      assert.equal(body.status, 'REGISTERED');
      assert.equal(body.initiatedBy, 'CPO');
      assert.deepEqual(body.endpoints.map((e: { identifier: string }) => e.identifier), ['credentials']);
      const post = emsp.calls.find((c) => c.method === 'POST');
      assert.equal(post?.token, emsp.tokenA);
      assert.equal(post?.headers['content-type'], 'application/json');
      assert.ok(post?.headers['x-request-id'] && post.headers['x-correlation-id']);
      const tokenB = emsp.tokenForCpo!;
      assert.equal((await emsp.call('GET', `${base}/ocpi/2.2.1/probes`, tokenB)).status, 200, 'B opens functional modules once registered');
    });

    it('rotates both tokens: PUT with its C, our new token valid at once, the old one dead after', async () => {
      const oldB = emsp.tokenForCpo!;
      const [theirC] = [...emsp.accepted];
      const rotated = await admin('POST', '/api/v1/partners/NL-EMP/rotate');
      assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
      const put = emsp.calls.find((c) => c.method === 'PUT');
      assert.equal(put?.token, theirC, 'the PUT carries the token the partner gave us');
      const newB = emsp.tokenForCpo!;
      assert.notEqual(newB, oldB);
      assert.equal((await emsp.call('GET', `${base}/ocpi/versions`, oldB)).status, 401);
      assert.equal((await emsp.call('GET', `${base}/ocpi/versions`, newB)).status, 200);
      const [theirC2] = [...emsp.accepted];
      const after = emsp.calls.filter((c) => c.method === 'GET' && c.path === '/ocpi/versions').at(-1);
      assert.equal(after?.token, theirC2, 'we re-read its versions with its new token');
    });

    it('delete tells the partner with its current token and ends ours', async () => {
      const [theirC] = [...emsp.accepted];
      const newB = emsp.tokenForCpo!;
      const removed = await admin('DELETE', '/api/v1/partners/NL-EMP');
      assert.equal(removed.status, 200);
      assert.equal(removed.body.partnerNotified, true);
      assert.equal(emsp.calls.find((c) => c.method === 'DELETE')?.token, theirC);
      assert.equal((await emsp.call('GET', `${base}/ocpi/versions`, newB)).status, 401);
    });

    it('reports an unreachable partner as 502 and registers nothing', async () => {
      const { status, body } = await admin('POST', '/api/v1/partners/registrations', {
        versionsUrl: 'http://127.0.0.1:1/ocpi/versions', token: 'x', countryCode: 'DE', partyId: 'NOP', role: 'EMSP',
      });
      assert.equal(status, 502);
      assert.match(body.message, /unable to use the partner's API/);
      assert.equal((await admin('GET', '/api/v1/partners/DE-NOP')).status, 404);
    });
  });

  it('keeps Nest answers outside /ocpi and requires the admin token on the partners API', async () => {
    const response = await fetch(`${base}/api/v1/partners`);
    assert.equal(response.status, 401);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body.status_code, undefined);
  });
});
