import 'reflect-metadata';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TokenCache } from '@roamgate/charger-gateway';
import { startSimulatedCharger, type SimulatedCharger } from '@roamgate/charger-simulator';
import { startEmspSimulator, type EmspSimulator, type Token } from '@roamgate/emsp-simulator';
import { CdrDto, SessionDto, SessionPatchDto, TariffDto, validationProblems } from '@roamgate/ocpi-connector';
import { waitFor } from '@roamgate/runtime/testing';
import { startStandaloneForTest, type StandaloneForTest } from './testing';

const ADMIN = 'ocpi-push-e2e-admin-token-0123456789';
const CHARGER = 'PUSH-CP-1';
const LOCATION = 'LOC-PUSH-1';
const at = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
const SITE = {
  id: LOCATION,
  name: 'Amsterdam Sloterdijk P+R',
  address: 'Piarcoplein 1',
  city: 'Amsterdam',
  postal_code: '1043DW',
  country: 'NLD',
  coordinates: { latitude: '52.388880', longitude: '4.837780' },
  time_zone: 'Europe/Amsterdam',
};
const CONNECTOR = { id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 230, max_amperage: 32 };

const tariff = (id: string, lastUpdated: string, price = 0.25) => ({
  country_code: 'NL',
  party_id: 'RGT',
  id,
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price, vat: 21, step_size: 1 }] }],
  last_updated: lastUpdated,
});

const token = (uid: string, whitelist: Token['whitelist']): Token =>
  ({ country_code: 'NL', party_id: 'EMS', uid, type: 'RFID', contract_id: `NL-EMS-${uid}`, issuer: 'Simulated eMSP', valid: true, whitelist, last_updated: at(Date.now()) }) as Token;

/**
 * The push side of OCPI between two real HTTP servers: Roamgate standalone (all five services) and the simulated
 * eMSP registered with it, a simulated OCPP 1.6 charger behind Roamgate. Tariffs are PUT and DELETEd as the tariff
 * engine changes them; a session authorized in real time by the eMSP is PUT, PATCHed and ends in a CDR POST.
 */
describe('OCPI pushes to a registered eMSP: tariffs, sessions, CDRs and real-time authorization', () => {
  let roamgate: StandaloneForTest;
  let emsp: EmspSimulator;
  let charger: SimulatedCharger;
  let postedCdr: Record<string, unknown> | undefined;
  const env = { ...process.env };

  const api = async <T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const r = await fetch(`${roamgate.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const asEmsp = async (url: string) => {
    const r = await fetch(url, { headers: { authorization: `Token ${Buffer.from(emsp.partner!.outboundToken).toString('base64')}` } });
    return { status: r.status, headers: r.headers, body: (await r.json()) as { data: any; status_code: number } };
  };
  /** The gateway answers chargers from its own copy of the tokens, which follows roamgate.token. */
  const cached = (uid: string) => waitFor(async () => ((await roamgate.app.get(TokenCache, { strict: false }).find(uid)).length > 0 ? true : undefined), `token ${uid} in the gateway cache`);

  before(async () => {
    Object.assign(process.env, {
      OCPP_UNKNOWN_TOKENS: 'Invalid',
      OCPI_SESSION_PATCH_INTERVAL_S: '1',
      OCPI_PUSH_BASE_DELAY_MS: '100',
      OCPI_PUSH_POLL_MS: '100',
      OCPP_REALTIME_AUTH_TIMEOUT_MS: '5000',
    });
    roamgate = await startStandaloneForTest({ ROAMGATE_ADMIN_TOKEN: ADMIN });
    emsp = await startEmspSimulator({ host: '127.0.0.1', partyId: 'EMS' });
    const invitation = await api<{ token: string; versionsUrl: string }>('POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId: 'EMS', role: 'EMSP' });
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    await emsp.registerWithCpo({ cpoVersionsUrl: invitation.body.versionsUrl, tokenA: invitation.body.token });
    assert.equal((await api('POST', '/api/v1/chargers', { id: CHARGER, password: 'charger-secret-1', locationId: LOCATION })).status, 201);
    // The location master data the CDR's cdr_location comes from, and the partner's launch scope.
    const site = await api('POST', '/api/v1/locations', SITE);
    assert.equal(site.status, 201, JSON.stringify(site.body));
    for (const evse of [1, 2]) {
      const attached = await api('POST', `/api/v1/locations/${LOCATION}/evses`, { charger_id: CHARGER, evse, evse_id: `NL*RGT*EPUSH1*${evse}`, connectors: [CONNECTOR] });
      assert.equal(attached.status, 201, JSON.stringify(attached.body));
    }
    assert.equal((await api('PUT', '/api/v1/partners/NL-EMS/scope', { charger_ids: [CHARGER], reason: 'e2e' })).status, 200);
    charger = await startSimulatedCharger({
      url: roamgate.ws,
      id: CHARGER,
      password: 'charger-secret-1',
      protocol: 'ocpp1.6',
      profile: { connectors: 2, meterValueIntervalS: 1, maxPowerW: 22_000 },
    });
    await waitFor(async () => {
      const c = await api<{ connected: boolean; bootStatus: string }>('GET', `/api/v1/chargers/${CHARGER}`);
      return c.body.connected && c.body.bootStatus === 'ACCEPTED' ? true : undefined;
    }, 'charger booted');
  });

  after(async () => {
    await charger?.stop();
    await emsp?.stop();
    await roamgate?.close();
    process.env = env;
  });

  it('advertises tariffs as sender and hubclientinfo as receiver', () => {
    const endpoints = emsp.partner!.endpoints.map((e) => `${e.identifier}:${e.role}`);
    assert.ok(endpoints.includes('tariffs:SENDER') && endpoints.includes('hubclientinfo:RECEIVER'), endpoints.join(', '));
  });

  it('PUTs a published tariff and each new version to the eMSP, DELETEs a withdrawn one, and lists the current ones', async () => {
    const t0 = Date.now() - 60_000;
    assert.equal((await api('PUT', '/api/v1/tariffs/T-PUSH', tariff('T-PUSH', at(t0)))).status, 201);
    assert.equal((await api('PUT', '/api/v1/tariffs/T-GONE', tariff('T-GONE', at(t0 + 1_000), 0.3))).status, 201);
    const first = await waitFor(() => emsp.received.tariffs.get('NL/RGT/T-PUSH'), 'T-PUSH PUT to the eMSP');
    assert.deepEqual(validationProblems(TariffDto, first), []);
    assert.deepEqual(first, tariff('T-PUSH', at(t0)));

    const changed = await api('PUT', '/api/v1/tariffs/T-PUSH', tariff('T-PUSH', at(t0 + 2_000), 0.35));
    assert.ok(changed.status === 200 || changed.status === 201, JSON.stringify(changed.body));
    await waitFor(() => (emsp.received.tariffs.get('NL/RGT/T-PUSH')?.['last_updated'] === at(t0 + 2_000) ? true : undefined), 'the new version PUT');
    await waitFor(() => emsp.received.tariffs.get('NL/RGT/T-GONE'), 'T-GONE PUT');
    assert.equal((await api('DELETE', '/api/v1/tariffs/T-GONE')).status, 200);
    await waitFor(() => (emsp.received.deletedTariffs.includes('NL/RGT/T-GONE') ? true : undefined), 'T-GONE DELETEd at the eMSP');
    assert.equal(emsp.received.tariffs.has('NL/RGT/T-GONE'), false);

    const listed = await asEmsp(`${roamgate.base}/ocpi/2.2.1/tariffs`);
    assert.equal(listed.body.status_code, 1000);
    assert.deepEqual(listed.body.data.map((t: { id: string; last_updated: string }) => [t.id, t.last_updated]), [['T-PUSH', at(t0 + 2_000)]]);
    assert.equal(listed.headers.get('x-total-count'), '1');
    assert.equal((await asEmsp(`${roamgate.base}/ocpi/2.2.1/tariffs?date_from=${at(t0 + 3_000)}`)).body.data.length, 0);
  });

  it('authorizes in real time, then PUTs the session, PATCHes kwh and status, and POSTs the CDR', async () => {
    assert.equal((await api('POST', '/api/v1/tariffs/T-PUSH/assignments', { chargerId: CHARGER, timeZone: 'Europe/Amsterdam' })).status, 201);
    await waitFor(async () => ((await api<{ total: number }>('GET', `/api/v1/tariff-assignments?chargerId=${CHARGER}`)).body.total === 1 ? true : undefined), 'assignment projected');
    const never = token('RFID-RT-NEVER', 'NEVER');
    emsp.tokens.put(never);
    assert.equal((await emsp.pushToken(never)).httpStatus, 200);
    await cached(never.uid);
    assert.ok(await charger.startLocalSession(1, never.uid), 'the charger session accepted after real-time authorization');

    const asked = emsp.received.authorizations.filter((a) => a.uid === never.uid);
    assert.ok(asked.length >= 1, 'the eMSP was asked');
    const reference = asked.at(-1)!.authorizationReference;
    // An OCPP 1.6 Authorize names no connector: the eMSP gets the location; the StartTransaction that follows reuses the answer.
    assert.deepEqual(asked.at(-1)!.locationReferences, { location_id: LOCATION });
    assert.equal(asked.length, 1, 'Authorize and StartTransaction cost one real-time call');

    const record = await waitFor(() => [...emsp.received.sessions.values()].find((s) => (s.current['cdr_token'] as { uid: string }).uid === never.uid), 'session PUT');
    const put = record.updates[0]!;
    assert.equal(put.method, 'PUT');
    assert.deepEqual(validationProblems(SessionDto, put.body), []);
    assert.equal(put.body['auth_method'], 'AUTH_REQUEST');
    assert.equal(put.body['authorization_reference'], reference);
    assert.equal(put.body['location_id'], LOCATION);

    await waitFor(() => (record.updates.some((u) => u.method === 'PATCH' && Number(u.body['kwh']) > 0) ? true : undefined), 'a PATCH with energy', 20_000);
    charger.stopLocalSession(1);
    await waitFor(() => (record.updates.some((u) => u.method === 'PATCH' && u.body['status'] === 'COMPLETED') ? true : undefined), 'the PATCH COMPLETED', 20_000);
    const patches = record.updates.filter((u) => u.method === 'PATCH');
    for (const patch of patches) assert.deepEqual(validationProblems(SessionPatchDto, patch.body), [], JSON.stringify(patch.body));
    const kwh = patches.filter((p) => p.body['kwh'] !== undefined).map((p) => Number(p.body['kwh']));
    assert.ok(kwh.every((value, i) => i === 0 || value >= kwh[i - 1]!), `kwh never goes down: ${kwh.join(', ')}`);
    assert.equal(record.current['status'], 'COMPLETED');

    const cdr = await waitFor(() => [...emsp.received.cdrs.values()].find((c) => c.cdr['session_id'] === record.id), 'CDR POSTed', 30_000);
    postedCdr = cdr.cdr;
    assert.deepEqual(validationProblems(CdrDto, cdr.cdr), [], 'the CDR validates through our CDR DTO');
    assert.equal((cdr.cdr['cdr_token'] as { uid: string }).uid, never.uid);
    assert.equal(cdr.cdr['authorization_reference'], reference);
    assert.ok(Number(cdr.cdr['total_energy']) > 0);
    assert.equal((cdr.cdr['tariffs'] as { id: string }[])[0]!.id, 'T-PUSH');
  });

  it('POSTs a CDR whose cdr_location carries the location details mod_cdrs requires, from the location master data', () => {
    assert.ok(postedCdr, 'the CDR of the previous test');
    assert.deepEqual(postedCdr['cdr_location'], {
      id: LOCATION,
      name: SITE.name,
      address: SITE.address,
      city: SITE.city,
      postal_code: SITE.postal_code,
      country: SITE.country,
      coordinates: SITE.coordinates,
      evse_uid: `${CHARGER}-1`,
      evse_id: 'NL*RGT*EPUSH1*1',
      connector_id: '1',
      connector_standard: CONNECTOR.standard,
      connector_format: CONNECTOR.format,
      connector_power_type: CONNECTOR.power_type,
    });
    assert.deepEqual(validationProblems(CdrDto, postedCdr), []);
  });

  it("refuses a start the eMSP refuses in real time, even for a token the cache holds as valid", async () => {
    const broke = token('RFID-RT-BROKE', 'ALLOWED');
    assert.equal((await emsp.pushToken(broke)).httpStatus, 200);
    emsp.tokens.decide(broke.uid, 'NO_CREDIT');
    await cached(broke.uid);
    await waitFor(async () => (charger.activeSessions().length === 0 ? true : undefined), 'connectors free');
    assert.equal(await charger.startLocalSession(2, broke.uid), undefined, 'NO_CREDIT from the eMSP: the charger is told no');
    assert.deepEqual(
      emsp.received.authorizations.filter((a) => a.uid === broke.uid).map((a) => a.allowed),
      ['NO_CREDIT'],
    );
  });

  it('falls back to the whitelist type when the eMSP cannot be reached: ALLOWED_OFFLINE charges, NEVER does not', async () => {
    const offline = token('RFID-RT-OFFLINE', 'ALLOWED_OFFLINE');
    const never = token('RFID-RT-NEVER-2', 'NEVER');
    for (const t of [offline, never]) {
      emsp.tokens.put(t);
      assert.equal((await emsp.pushToken(t)).httpStatus, 200);
      await cached(t.uid);
    }
    await waitFor(async () => (charger.activeSessions().length === 0 ? true : undefined), 'connectors free');
    emsp.endpointDownFor('tokens', 60_000);
    try {
      assert.equal(await charger.startLocalSession(2, never.uid), undefined, 'NEVER without the eMSP is refused');
      assert.ok(await charger.startLocalSession(2, offline.uid), 'ALLOWED_OFFLINE accepted while the eMSP is down');
      charger.stopLocalSession(2);
    } finally {
      emsp.restoreEndpoint('tokens');
    }
    const calls = await api<{ items: { url: string; httpStatus: number }[] }>('GET', '/api/v1/partners/NL-EMS/calls?direction=OUTBOUND&limit=200');
    assert.ok(calls.body.items.some((c) => c.url.includes(`/${offline.uid}/authorize`) && c.httpStatus === 503), 'the failed real-time call is in the call log');
  });
});
