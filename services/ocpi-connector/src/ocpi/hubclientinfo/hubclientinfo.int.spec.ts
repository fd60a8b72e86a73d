import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Module, type INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import type { EventStore } from '@roamgate/event-store';
import { EVENT_STORE, startRoamgate } from '@roamgate/runtime';
import { freePort } from '@roamgate/runtime/testing';
import { ocpiConnector, OcpiConnectorModule } from '../../ocpi-connector.module';
import { FakePartner } from '../../testing/fake-partner';
import { adminApi } from '../../testing/operations-api';
import { hubClientStreamName } from './hub-client-info.repository';

const ADMIN = 'h'.repeat(32);

@Module({ imports: [OcpiConnectorModule.withSettings({ countryCode: 'NL', partyId: 'RGT', secretKey: Buffer.alloc(32, 3) })] })
class TestOcpiModule {}

const clientInfo = (overrides: Record<string, unknown> = {}) => ({ party_id: 'EMP', country_code: 'DE', role: 'EMSP', status: 'CONNECTED', last_updated: '2025-03-01T10:00:00Z', ...overrides });

describe('mod_hub_client_info receiver: a hub PUTs and GETs ClientInfo', () => {
  let app: INestApplication;
  let base: string;
  let dir: string;
  const hub = new FakePartner({ countryCode: 'NL', partyId: 'HUB', name: 'Example Hub' });
  const emsp = new FakePartner({ countryCode: 'NL', partyId: 'EMS', name: 'Example eMSP' });
  let hubToken: string;
  let emspToken: string;

  const admin = adminApi(() => base, ADMIN);

  /** The partner registers with us in the given role: token A, its token B, our token C back. */
  async function register(partner: FakePartner, role: string): Promise<string> {
    const invite = await admin('POST', '/api/v1/partners/invitations', { countryCode: partner.party.countryCode, partyId: partner.party.partyId, role });
    assert.equal(invite.status, 201, JSON.stringify(invite.body));
    const tokenB = `${partner.party.partyId}-token-b-0123456789`;
    partner.accepted.add(tokenB);
    const credentials = { token: tokenB, url: partner.versionsUrl, roles: [{ role, party_id: partner.party.partyId, country_code: partner.party.countryCode, business_details: { name: partner.party.name } }] };
    const posted = await partner.call('POST', `${base}/ocpi/2.2.1/credentials`, invite.body.token, credentials);
    assert.equal(posted.status, 200, JSON.stringify(posted.body));
    return posted.body!.data.token as string;
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocpi-hubclientinfo-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dir, ROAMGATE_ADMIN_TOKEN: ADMIN, ROAMGATE_PUBLIC_URL: base, LOG_LEVEL: 'error' });
    app = await startRoamgate({ processName: 'test', services: [{ descriptor: ocpiConnector.descriptor, module: TestOcpiModule }], config });
    await hub.start();
    await emsp.start();
    hubToken = await register(hub, 'HUB');
    emspToken = await register(emsp, 'EMSP');
  });

  after(async () => {
    await app?.close();
    await hub.stop();
    await emsp.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists hubclientinfo as a RECEIVER module in the version details', async () => {
    const details = await hub.call('GET', `${base}/ocpi/2.2.1`, hubToken);
    assert.ok(
      (details.body?.data.endpoints as { identifier: string; role: string; url: string }[]).some(
        (e) => e.identifier === 'hubclientinfo' && e.role === 'RECEIVER' && e.url === `${base}/ocpi/2.2.1/hubclientinfo`,
      ),
    );
  });

  it('stores a PUT ClientInfo as an event and answers the GET with it', async () => {
    const put = await hub.call('PUT', `${base}/ocpi/2.2.1/hubclientinfo/DE/EMP`, hubToken, clientInfo());
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.equal(put.body?.status_code, 1000);
    const got = await hub.call('GET', `${base}/ocpi/2.2.1/hubclientinfo/de/emp`, hubToken);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body?.data, clientInfo());

    const suspended = clientInfo({ status: 'SUSPENDED', last_updated: '2025-03-02T10:00:00Z' });
    assert.equal((await hub.call('PUT', `${base}/ocpi/2.2.1/hubclientinfo/DE/EMP`, hubToken, suspended)).status, 200);
    assert.deepEqual((await hub.call('GET', `${base}/ocpi/2.2.1/hubclientinfo/DE/EMP`, hubToken)).body?.data, suspended);
    const events = await app.get<EventStore>(EVENT_STORE).readStream(hubClientStreamName('NL-HUB', 'DE', 'EMP'));
    assert.deepEqual(
      events.map((e) => [e.type, (e.data as { status: string }).status]),
      [
        ['HubClientInfoStored', 'CONNECTED'],
        ['HubClientInfoStored', 'SUSPENDED'],
      ],
    );
    const listed = await admin('GET', '/api/v1/partners/NL-HUB/hub-clients');
    assert.deepEqual(listed.body.items, [suspended]);
  });

  it('refuses bad ClientInfo with 400/2001 naming the field, and an object that differs from the URL', async () => {
    const bad = await hub.call('PUT', `${base}/ocpi/2.2.1/hubclientinfo/DE/EMP`, hubToken, clientInfo({ status: 'ASLEEP' }));
    assert.equal(bad.status, 400);
    assert.equal(bad.body?.status_code, 2001);
    assert.match(bad.body?.status_message, /^status: /);
    const elsewhere = await hub.call('PUT', `${base}/ocpi/2.2.1/hubclientinfo/DE/XYZ`, hubToken, clientInfo());
    assert.equal(elsewhere.status, 400);
    assert.match(elsewhere.body?.status_message, /party_id: must match the URL/);
  });

  it('answers 404 for a party the hub never reported', async () => {
    const unknown = await hub.call('GET', `${base}/ocpi/2.2.1/hubclientinfo/FR/ABC`, hubToken);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body?.status_code, 2000);
  });

  it('takes ClientInfo from hubs only, and from registered tokens only', async () => {
    const fromEmsp = await emsp.call('PUT', `${base}/ocpi/2.2.1/hubclientinfo/DE/EMP`, emspToken, clientInfo());
    assert.equal(fromEmsp.status, 403);
    assert.match(fromEmsp.body?.status_message, /not a hub/);
    const invite = await admin('POST', '/api/v1/partners/invitations', { countryCode: 'BE', partyId: 'HB2', role: 'HUB' });
    const withTokenA = await hub.call('GET', `${base}/ocpi/2.2.1/hubclientinfo/DE/EMP`, invite.body.token as string);
    assert.equal(withTokenA.status, 401);
  });
});
