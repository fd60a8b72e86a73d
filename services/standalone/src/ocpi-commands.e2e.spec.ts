import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulatedCharger, type SimulatedCharger } from '@roamgate/charger-simulator';
import { TokenCache } from '@roamgate/charger-gateway';
import { startEmspSimulator, type EmspSimulator, type Token } from '@roamgate/emsp-simulator';
import { waitFor } from '@roamgate/runtime/testing';
import { startStandaloneForTest, type StandaloneForTest } from './testing';

const ADMIN = 'ocpi-commands-e2e-admin-token-0123456789';
const CHARGER = 'OCPI-CP-1';
const LOCATION = 'LOC-AMS-1';

const token = (uid: string, overrides: Partial<Token> = {}): Token =>
  ({
    country_code: 'NL',
    party_id: 'EMS',
    uid,
    type: 'RFID',
    contract_id: `NL-EMS-${uid}`,
    issuer: 'Simulated eMSP',
    valid: true,
    whitelist: 'ALLOWED',
    last_updated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    ...overrides,
  }) as Token;

interface Session { id: string; status: string }

describe('OCPI commands and tokens between Roamgate and a simulated eMSP, with a simulated charger', () => {
  let roamgate: StandaloneForTest;
  let emsp: EmspSimulator;
  let other: EmspSimulator;
  let charger: SimulatedCharger;
  let partnerId: string;
  const env = { ...process.env };

  const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const r = await fetch(`${roamgate.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const register = async (simulator: EmspSimulator, partyId: string): Promise<string> => {
    const invitation = await api<{ partnerId: string; token: string; versionsUrl: string }>('POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId, role: 'EMSP' });
    assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
    await simulator.registerWithCpo({ cpoVersionsUrl: invitation.body.versionsUrl, tokenA: invitation.body.token });
    return invitation.body.partnerId;
  };

  const activeSession = () =>
    waitFor(async () => {
      const list = await api<{ items: Session[] }>('GET', `/api/v1/sessions?chargerId=${CHARGER}`);
      return list.body.items.find((s) => s.status === 'ACTIVE');
    }, 'an active session on the charger');

  before(async () => {
    process.env.OCPP_UNKNOWN_TOKENS = 'Invalid';
    process.env.OCPI_COMMAND_RESULT_RETRY_MS = '200';
    roamgate = await startStandaloneForTest({ ROAMGATE_ADMIN_TOKEN: ADMIN });
    emsp = await startEmspSimulator({ partyId: 'EMS', commandResultTimeoutMs: 30_000 });
    other = await startEmspSimulator({ partyId: 'EM2', commandResultTimeoutMs: 30_000 });
    partnerId = await register(emsp, 'EMS');
    await register(other, 'EM2');
    assert.equal((await api('POST', '/api/v1/chargers', { id: CHARGER, password: 'charger-secret-1', locationId: LOCATION })).status, 201);
    // OCPI_UNSCOPED_PARTNERS is `none` by default: EMS commands the charger through its launch scope; EM2 gets none.
    const scoped = await api('PUT', `/api/v1/partners/${partnerId}/scope`, { charger_ids: [CHARGER], reason: 'e2e pilot' });
    assert.equal(scoped.status, 200, JSON.stringify(scoped.body));
    charger = await startSimulatedCharger({
      url: roamgate.ws,
      id: CHARGER,
      password: 'charger-secret-1',
      protocol: 'ocpp1.6',
      profile: { vendor: 'Acme', model: 'M1', firmwareVersion: '1.0', connectors: 2, meterValueIntervalS: 1 },
    });
    await waitFor(async () => {
      const c = await api<{ connected: boolean; bootStatus: string }>('GET', `/api/v1/chargers/${CHARGER}`);
      return c.body.connected && c.body.bootStatus === 'ACCEPTED' ? true : undefined;
    }, 'charger booted');
  });

  after(async () => {
    await charger?.stop();
    await emsp?.stop();
    await other?.stop();
    await roamgate?.close();
    process.env = env;
  });

  const cached = (uid: string, check: (t: { valid: boolean }) => boolean) =>
    waitFor(async () => ((await roamgate.app.get(TokenCache, { strict: false }).find(uid)).some(check) ? true : undefined), `token ${uid} in the gateway cache`);

  it('advertises commands and tokens as receiver modules', () => {
    const endpoints = emsp.partner!.endpoints.map((e) => `${e.identifier}:${e.role}`);
    assert.ok(endpoints.includes('commands:RECEIVER') && endpoints.includes('tokens:RECEIVER'), endpoints.join(', '));
  });

  it('starts a session with START_SESSION, reports ACCEPTED to response_url, and stops it with STOP_SESSION', async () => {
    await emsp.pushToken(token('RFID-START'));
    await cached('RFID-START', (t) => t.valid);
    const start = await emsp.sendCommand('START_SESSION', { token: token('RFID-START'), location_id: LOCATION, evse_uid: `${CHARGER}-1`, connector_id: '1' });
    assert.equal(start.response?.result, 'ACCEPTED', JSON.stringify(start.response));
    assert.equal(start.response?.timeout, 30);
    assert.equal((await start.result).result, 'ACCEPTED');
    // The CommandResult POST is made while handling the charger's answer off the bus: it carries the eMSP's own
    // X-Correlation-ID of the START_SESSION, which travelled with the command's events.
    const startCall = emsp.received.calls.filter((c) => c.direction === 'out' && c.method === 'POST' && c.url.endsWith('/START_SESSION')).at(-1)!;
    // (The simulator logs the call once it has answered it, just after the result is handed over.)
    const resultPost = await waitFor(
      () => emsp.received.calls.find((c) => c.direction === 'in' && c.method === 'POST' && new URL(c.url).pathname === new URL(start.responseUrl).pathname),
      'the CommandResult POST in the eMSP log',
    );
    assert.ok(startCall.requestHeaders['x-correlation-id'], 'the eMSP sent an X-Correlation-ID');
    assert.equal(resultPost.requestHeaders['x-correlation-id'], startCall.requestHeaders['x-correlation-id']);
    const session = await activeSession();

    const foreign = await other.sendCommand('STOP_SESSION', { session_id: session.id });
    assert.equal(foreign.response?.result, 'UNKNOWN_SESSION', 'another eMSP cannot see or stop the session');
    const unknown = await emsp.sendCommand('STOP_SESSION', { session_id: 'no-such-session' });
    assert.equal(unknown.response?.result, 'UNKNOWN_SESSION');

    const stop = await emsp.sendCommand('STOP_SESSION', { session_id: session.id });
    assert.equal(stop.response?.result, 'ACCEPTED', JSON.stringify(stop.response));
    assert.equal((await stop.result).result, 'ACCEPTED');
    await waitFor(async () => ((await api<Session>('GET', `/api/v1/sessions/${session.id}`)).body.status === 'COMPLETED' ? true : undefined), 'session completed');
  });

  it('rejects commands for unknown locations and EVSEs with a reason, before anything reaches a charger', async () => {
    const location = await emsp.sendCommand('START_SESSION', { token: token('RFID-START'), location_id: 'NOWHERE' });
    assert.equal(location.response?.result, 'REJECTED');
    assert.match(String(location.response?.message?.[0]?.text ?? ''), /unknown location NOWHERE/);
    const evse = await emsp.sendCommand('UNLOCK_CONNECTOR', { location_id: LOCATION, evse_uid: 'OTHER-CP-1', connector_id: '1' });
    assert.equal(evse.response?.result, 'REJECTED');
    assert.match(String(evse.response?.message?.[0]?.text ?? ''), /unknown EVSE OTHER-CP-1/);
  });

  it('rejects every command of a partner without a launch scope, saying so', async () => {
    const start = await other.sendCommand('START_SESSION', { token: { ...token('RFID-EM2'), party_id: 'EM2' }, location_id: LOCATION, evse_uid: `${CHARGER}-1`, connector_id: '1' });
    assert.equal(start.response?.result, 'REJECTED');
    assert.match(String(start.response?.message?.[0]?.text ?? ''), /no launch scope has been agreed with this partner/);
  });

  it('answers an invalid command body with 400 / 2001', async () => {
    const bad = await emsp
      .sendCommand('START_SESSION', { location_id: LOCATION })
      .catch((error: { httpStatus: number; ocpiStatus?: number; message: string }) => ({ httpStatus: error.httpStatus, ocpiStatus: error.ocpiStatus, message: error.message }));
    assert.equal(bad.httpStatus, 400);
    assert.equal(bad.ocpiStatus, 2001);
  });

  it('delivers the CommandResult after the response_url was down for a while', async () => {
    emsp.responseUrlDownFor(1_500);
    const unlock = await emsp.sendCommand('UNLOCK_CONNECTOR', { location_id: LOCATION, evse_uid: `${CHARGER}-2`, connector_id: '1' });
    assert.equal(unlock.response?.result, 'ACCEPTED');
    assert.equal((await unlock.result).result, 'ACCEPTED');
    const posts = await waitFor(async () => {
      const calls = await api<{ items: { direction: string; url: string; httpStatus: number }[] }>('GET', `/api/v1/partners/${partnerId}/calls?direction=OUTBOUND&limit=100`);
      const found = calls.body.items.filter((c) => c.url === unlock.responseUrl);
      return found.some((c) => c.httpStatus === 200) ? found : undefined;
    }, 'the CommandResult POSTs in the call log');
    assert.ok(posts.some((c) => c.httpStatus === 503), `a failed attempt is in the call log: ${JSON.stringify(posts)}`);
    assert.ok(posts.some((c) => c.httpStatus === 200), 'and the one that got through');
  });

  it('answers the charger Authorize from the tokens the eMSP PUT and PATCHed', async () => {
    assert.equal(await charger.startLocalSession(2, 'RFID-NEVER-PUT'), undefined, 'an unknown token is Invalid');
    const put = await emsp.pushToken(token('RFID-BADGE'));
    assert.equal(put.httpStatus, 200);
    await cached('RFID-BADGE', (t) => t.valid);
    const session = await charger.startLocalSession(2, 'RFID-BADGE');
    assert.ok(session, 'a pushed valid token is Accepted');
    charger.stopLocalSession(2);

    const got = await fetch(`${emsp.partner!.endpoints.find((e) => e.identifier === 'tokens')!.url}/NL/EMS/RFID-BADGE?type=RFID`, {
      headers: { authorization: `Token ${Buffer.from(emsp.partner!.outboundToken).toString('base64')}` },
    });
    assert.equal(((await got.json()) as { data: Token }).data.contract_id, 'NL-EMS-RFID-BADGE');

    const patch = await fetch(`${emsp.partner!.endpoints.find((e) => e.identifier === 'tokens')!.url}/NL/EMS/RFID-BADGE`, {
      method: 'PATCH',
      headers: { authorization: `Token ${Buffer.from(emsp.partner!.outboundToken).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ valid: false, last_updated: new Date().toISOString() }),
    });
    assert.equal(patch.status, 200);
    await cached('RFID-BADGE', (t) => !t.valid);
    await waitFor(async () => (charger.activeSessions().length === 0 ? true : undefined), 'connector 2 free again');
    assert.equal(await charger.startLocalSession(2, 'RFID-BADGE'), undefined, 'a token the eMSP invalidated is Blocked');
  });

  it('refuses a token written under another party', async () => {
    const reply = await fetch(`${emsp.partner!.endpoints.find((e) => e.identifier === 'tokens')!.url}/NL/EM2/RFID-X`, {
      method: 'PUT',
      headers: { authorization: `Token ${Buffer.from(emsp.partner!.outboundToken).toString('base64')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...token('RFID-X'), party_id: 'EM2' }),
    });
    assert.equal(reply.status, 403);
  });
});
