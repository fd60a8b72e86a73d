import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { OcpiCallError } from './client';
import { type EmspSimulator, type EmspSimulatorOptions, startEmspSimulator } from './emsp';
import type { OcpiObject, Token } from './model';
import type { ReceivedSnapshot } from './received';
import { type FakeCpo, type FakeCpoOptions, followPages, startFakeCpo } from './testing/fake-cpo';
import { fixture } from './testing/fixtures';
import { waitFor } from './testing/wait-for';
import { authorizationHeader } from './transport';

const dir = mkdtempSync(join(tmpdir(), 'roamgate-emsp-'));
let running: { emsp: EmspSimulator; cpo: FakeCpo }[] = [];

afterEach(async () => {
  for (const { emsp, cpo } of running) {
    await emsp.stop();
    await cpo.close();
  }
  running = [];
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function pair(emspOptions: EmspSimulatorOptions = {}, cpoOptions: FakeCpoOptions = {}, register = true) {
  const cpo = await startFakeCpo(cpoOptions);
  const emsp = await startEmspSimulator({ countryCode: 'NL', partyId: 'EMS', ...emspOptions });
  running.push({ emsp, cpo });
  if (register) await emsp.registerWithCpo({ cpoVersionsUrl: cpo.versionsUrl, tokenA: cpo.tokenA });
  return { cpo, emsp };
}

async function rawGet(url: string, token?: string) {
  const response = await fetch(url, token === undefined ? {} : { headers: { authorization: authorizationHeader(token, 'base64') } });
  return { status: response.status, body: (await response.json()) as { status_code: number; data?: unknown } };
}

function everyCallOf(snapshot: ReceivedSnapshot): string {
  return JSON.stringify(snapshot.calls);
}

describe('credentials: the eMSP registers with the CPO', () => {
  it('exchanges token A for B and C, and token A stops working', async () => {
    const { cpo, emsp } = await pair();
    const partner = emsp.partner!;
    assert.equal(partner.initiatedBy, 'emsp');
    assert.equal(partner.outboundToken, cpo.tokens.fromEmsp, 'we call the CPO with its token C');
    assert.equal(partner.inboundToken, cpo.tokens.toEmsp, 'the CPO calls us with our token B');
    assert.equal(cpo.emspCredentials()?.url, emsp.versionsUrl);
    assert.deepEqual(cpo.emspCredentials()?.roles.map((role) => `${role.role} ${role.country_code}*${role.party_id}`), ['EMSP NL*EMS']);
    assert.ok(cpo.emspEndpoints().some((endpoint) => endpoint.identifier === 'cdrs' && endpoint.role === 'RECEIVER'), 'the CPO read our endpoints with token B');
    assert.deepEqual(
      partner.endpoints.map((endpoint) => endpoint.identifier),
      ['credentials', 'locations', 'tokens', 'commands'],
    );

    await emsp.unregister();
    await assert.rejects(emsp.registerWithCpo({ cpoVersionsUrl: cpo.versionsUrl, tokenA: cpo.tokenA }), (error: unknown) => error instanceof OcpiCallError && error.httpStatus === 401);
  });

  it('sends the OCPI headers and keeps no token in its call log', async () => {
    const { emsp } = await pair();
    const snapshot = emsp.snapshot();
    const post = snapshot.calls.find((call) => call.direction === 'out' && call.method === 'POST')!;
    assert.equal(post.requestHeaders['authorization'], '[redacted]');
    assert.ok(post.requestHeaders['x-request-id'] && post.requestHeaders['x-correlation-id']);
    assert.equal(post.requestHeaders['ocpi-from-party-id'], 'EMS');
    const inbound = snapshot.calls.filter((call) => call.direction === 'in').map((call) => `${call.method} ${new URL(call.url).pathname} ${call.status}`);
    assert.deepEqual(inbound, ['GET /ocpi/versions 200', 'GET /ocpi/2.2.1 200']);
    assert.equal((post.requestBody as { token: string }).token, '[redacted]');
    assert.equal((post.responseBody as { data: { token: string } }).data.token, '[redacted]');
    const headers = everyCallOf(snapshot);
    for (const secret of [emsp.partner!.inboundToken, emsp.partner!.outboundToken]) {
      assert.ok(!headers.includes(secret) && !headers.includes(Buffer.from(secret).toString('base64')), 'no token in the call log, neither in headers nor in credentials bodies');
    }
  });

  it('rotates tokens with PUT: the old ones stop working on both sides', async () => {
    const { cpo, emsp } = await pair();
    const before = emsp.partner!;
    const after = await emsp.updateCredentials();
    assert.notEqual(after.inboundToken, before.inboundToken);
    assert.notEqual(after.outboundToken, before.outboundToken);
    assert.equal(after.inboundToken, cpo.tokens.toEmsp);
    assert.equal(after.outboundToken, cpo.tokens.fromEmsp);
    assert.deepEqual(cpo.tokens.retiredFromEmsp, [before.outboundToken]);

    assert.equal((await rawGet(emsp.versionsUrl, before.inboundToken)).status, 401);
    assert.equal((await rawGet(emsp.versionsUrl, after.inboundToken)).status, 200);
    assert.equal((await rawGet(cpo.versionsUrl, before.outboundToken)).status, 401);
    await emsp.pushToken(fixture<Token>('token_example_2_full_rfid'));
    assert.equal(cpo.receivedTokens.size, 1, 'calls with the new token C get through');
  });

  it('unregisters with DELETE; the CPO can no longer reach the eMSP', async () => {
    const { cpo, emsp } = await pair();
    const tokenB = emsp.partner!.inboundToken;
    await emsp.unregister();
    assert.equal(emsp.partner, undefined);
    assert.equal(cpo.tokens.fromEmsp, undefined);
    assert.equal((await rawGet(emsp.versionsUrl, tokenB)).status, 401);
    await assert.rejects(emsp.updateCredentials(), /not registered/);
  });

  it('speaks unencoded tokens with an older peer when told to', async () => {
    const { cpo, emsp } = await pair({ tokenEncoding: 'plain' }, { encoding: 'plain' });
    assert.equal(emsp.partner?.outboundToken, cpo.tokens.fromEmsp);
  });
});

describe('credentials: the CPO registers with the eMSP', () => {
  it('answers POST with token C after reading the CPO endpoints with its token B', async () => {
    const { cpo, emsp } = await pair({}, {}, false);
    const tokenA = emsp.issueTokenA();
    const reply = await cpo.registerWith(emsp.versionsUrl, tokenA);
    assert.equal(reply.status_code, 1000);
    assert.equal(emsp.partner?.initiatedBy, 'cpo');
    assert.equal(reply.data?.token, emsp.partner?.inboundToken);
    assert.equal(emsp.partner?.outboundToken, cpo.tokens.fromEmsp);
    assert.deepEqual(reply.data?.roles.map((role) => role.role), ['EMSP']);

    assert.equal((await rawGet(emsp.versionsUrl, tokenA)).status, 401, 'token A is spent');
    const again = await cpo.callEmsp('POST', emsp.urls.credentials, reply.data);
    assert.equal(again.status, 405, 'POST when already registered');
    const session = await cpo.callEmsp('PUT', `${emsp.urls.module('sessions')}/NL/STK/101`, fixture('session_example_1_simple_start'));
    assert.equal(session.status, 201);

    const oldInbound = emsp.partner!.inboundToken;
    const rotated = await cpo.rotateCredentials();
    assert.equal(rotated.status_code, 1000);
    assert.equal(emsp.partner?.inboundToken, rotated.data?.token);
    assert.equal(emsp.partner?.outboundToken, cpo.tokens.fromEmsp, 'the eMSP uses the token the CPO sent in its PUT');
    assert.equal((await rawGet(emsp.versionsUrl, oldInbound)).status, 401, 'the old token C is spent');

    const removed = await cpo.callEmsp('DELETE', emsp.urls.credentials);
    assert.equal(removed.body?.status_code, 1000);
    assert.equal(emsp.partner, undefined);
  });

  it('answers 3001 when it cannot use the CPO versions, and 401 without a known token', async () => {
    const { emsp } = await pair({}, {}, false);
    const tokenA = emsp.issueTokenA();
    const post = await fetch(emsp.urls.credentials, {
      method: 'POST',
      headers: { authorization: authorizationHeader(tokenA, 'base64'), 'content-type': 'application/json' },
      body: JSON.stringify({ ...fixture('credentials_example'), url: 'http://127.0.0.1:9/ocpi/versions' }),
    });
    assert.equal(((await post.json()) as { status_code: number }).status_code, 3001);
    assert.equal((await rawGet(emsp.versionsUrl)).status, 401);
    assert.equal((await rawGet(emsp.versionsUrl, 'guess')).status, 401);
    assert.equal((await rawGet(emsp.urls.module('sessions'), tokenA)).status, 401, 'token A only opens credentials');
  });
});

describe('receiving sessions, CDRs, locations and tariffs', () => {
  it('keeps every session PUT and PATCH in order and appends PATCHed charging periods', async () => {
    const { cpo, emsp } = await pair();
    const url = `${cpo.emspModule('sessions')}/NL/STK/101`;
    const start = fixture('session_example_1_simple_start');
    const patch = fixture('session_patch_example_charging_period');
    assert.equal((await cpo.callEmsp('PUT', url, start)).status, 201);
    assert.equal((await cpo.callEmsp('PATCH', url, patch)).body?.status_code, 1000);
    assert.equal((await cpo.callEmsp('PATCH', url, { ...patch, kwh: 20, last_updated: '2019-06-23T08:20:00Z' })).body?.status_code, 1000);
    assert.equal((await cpo.callEmsp('PATCH', url, { kwh: 21 })).body?.status_code, 2001, 'last_updated is required');
    assert.equal((await cpo.callEmsp('PATCH', `${cpo.emspModule('sessions')}/NL/STK/999`, patch)).status, 404);

    const [session] = emsp.snapshot().sessions;
    assert.deepEqual(session!.updates.map((update) => update.method), ['PUT', 'PATCH', 'PATCH']);
    assert.equal(session!.current['kwh'], 20);
    assert.equal((session!.current['charging_periods'] as unknown[]).length, 2);
    assert.equal(session!.current['status'], 'PENDING');
    const read = await cpo.callEmsp('GET', url);
    assert.equal((read.body?.data as OcpiObject)['kwh'], 20);

    const incomplete: OcpiObject = { ...start };
    delete incomplete['cdr_token'];
    const refused = await cpo.callEmsp('PUT', `${cpo.emspModule('sessions')}/NL/STK/102`, { ...incomplete, id: '102' });
    assert.equal(refused.body?.status_code, 2001);
  });

  it('answers a CDR POST with its URL in the Location header and serves it there', async () => {
    const { cpo, emsp } = await pair();
    const cdr = fixture('cdr_example');
    const posted = await cpo.callEmsp('POST', cpo.emspModule('cdrs'), cdr);
    assert.equal(posted.status, 201);
    const location = posted.headers.get('location');
    assert.ok(location?.startsWith(cpo.emspModule('cdrs')));
    assert.equal(posted.body?.data, undefined, 'the URL is not in the body');
    const read = await cpo.callEmsp('GET', location!);
    assert.deepEqual(read.body?.data, cdr);
    const again = await cpo.callEmsp('POST', cpo.emspModule('cdrs'), cdr);
    assert.equal(again.status, 200);
    assert.equal(emsp.snapshot().cdrs[0]?.deliveries, 2);
    const broken = await fetch(cpo.emspModule('cdrs'), {
      method: 'POST',
      headers: { authorization: authorizationHeader(cpo.tokens.toEmsp!, 'base64') },
      body: '{ "id": ',
    });
    assert.equal(broken.status, 400, 'invalid JSON is a transport error');
  });

  it('keeps locations, EVSE and connector updates and tariffs', async () => {
    const { cpo, emsp } = await pair();
    const location = fixture('location_example');
    const locationUrl = `${cpo.emspModule('locations')}/${String(location['country_code'])}/${String(location['party_id'])}/${String(location['id'])}`;
    assert.equal((await cpo.callEmsp('PUT', locationUrl, location)).status, 201);
    const evseUid = String(((location['evses'] as OcpiObject[])[0]!)['uid']);
    const status = fixture('location_patch_example_status');
    assert.equal((await cpo.callEmsp('PATCH', `${locationUrl}/${evseUid}`, status)).body?.status_code, 1000);
    assert.equal((await cpo.callEmsp('PATCH', `${locationUrl}/NOPE`, status)).status, 404);
    const evse = (emsp.snapshot().locations[0]!['evses'] as OcpiObject[]).find((candidate) => candidate['uid'] === evseUid)!;
    assert.equal(evse['status'], status['status']);

    const tariff = fixture('tariff_put_example');
    const tariffUrl = `${cpo.emspModule('tariffs')}/${String(tariff['country_code'])}/${String(tariff['party_id'])}/${String(tariff['id'])}`;
    const withoutLastUpdated = await cpo.callEmsp('PUT', tariffUrl, tariff);
    assert.equal(withoutLastUpdated.body?.status_code, 2001, 'the spec example lacks the required last_updated');
    assert.match(withoutLastUpdated.body?.status_message ?? '', /last_updated/);
    assert.equal((await cpo.callEmsp('PUT', tariffUrl, { ...tariff, last_updated: '2015-06-29T20:39:09Z' })).status, 201);
    assert.equal(emsp.snapshot().tariffs.length, 1);
    assert.equal((await cpo.callEmsp('DELETE', tariffUrl)).body?.status_code, 1000);
    assert.equal(emsp.snapshot().tariffs.length, 0);
    assert.deepEqual(emsp.snapshot().deletedTariffs, [`${String(tariff['country_code'])}/${String(tariff['party_id'])}/${String(tariff['id'])}`]);
  });

  it('makes the CPO retry while the CDR endpoint is down, then keeps the CDR once', async () => {
    const { cpo, emsp } = await pair();
    emsp.cdrEndpointDownFor(60_000);
    const delivery = cpo.deliver(cpo.emspModule('cdrs'), fixture('cdr_example'));
    await waitFor(() => cpo.deliveries.filter((attempt) => attempt.status === 503).length >= 3, 'three refused CDR deliveries');
    emsp.restoreEndpoint('cdrs');
    const { attempts, headers } = await delivery;
    assert.ok(attempts >= 4);
    assert.ok(headers.get('location'));
    assert.equal(emsp.snapshot().cdrs.length, 1);
    assert.ok(emsp.snapshot().calls.filter((call) => call.fault === 'unavailable').length >= 3);
  });

  it('writes everything it received to its data file', async () => {
    const dataFile = join(dir, 'received.json');
    const { cpo, emsp } = await pair({ dataFile });
    await cpo.callEmsp('PUT', `${cpo.emspModule('sessions')}/NL/STK/101`, fixture('session_example_1_simple_start'));
    await cpo.callEmsp('POST', cpo.emspModule('cdrs'), fixture('cdr_example'));
    emsp.dump();
    const written = JSON.parse(readFileSync(dataFile, 'utf8')) as ReceivedSnapshot;
    assert.equal(written.sessions.length, 1);
    assert.equal(written.cdrs[0]?.cdr['id'], '12345');
    assert.ok(written.calls.length >= 4);
  });

  it('slows its answers when told to', async () => {
    const { cpo, emsp } = await pair();
    emsp.slowResponses(150, 'sessions');
    await cpo.callEmsp('PUT', `${cpo.emspModule('sessions')}/NL/STK/101`, fixture('session_example_1_simple_start'));
    const call = emsp.snapshot().calls.find((candidate) => candidate.direction === 'in' && candidate.url.includes('/sessions/'))!;
    assert.ok(call.latencyMs >= 140, `answered after ${call.latencyMs} ms`);
  });
});

describe('commands', () => {
  it('sends START_SESSION with a response_url and receives the CommandResult there', async () => {
    const { cpo, emsp } = await pair();
    const token = fixture<Token>('token_example_1_app_user');
    const sent = await emsp.sendCommand('START_SESSION', { token, location_id: 'LOC1', evse_uid: '3256' });
    assert.equal(sent.response?.result, 'ACCEPTED');
    assert.equal(sent.response?.timeout, 30);
    assert.deepEqual(await sent.result, { result: 'ACCEPTED' });
    assert.equal(cpo.commands[0]?.type, 'START_SESSION');
    assert.equal(cpo.commands[0]?.body['response_url'], sent.responseUrl);
    assert.ok(sent.responseUrl.startsWith(emsp.urls.module('commands')));
    const [command] = emsp.snapshot().commands;
    assert.equal(command?.results.length, 1);
  });

  it('gets the CommandResult after its response_url was down for a while (connections dropped)', async () => {
    const { cpo, emsp } = await pair();
    emsp.responseUrlDownFor(60_000, 'reset');
    const sent = await emsp.sendCommand('STOP_SESSION', { session_id: '101' });
    await waitFor(() => cpo.deliveries.filter((attempt) => attempt.status === 0).length >= 2, 'two dropped CommandResult deliveries');
    emsp.restoreEndpoint('commands');
    assert.deepEqual(await sent.result, { result: 'ACCEPTED' });
    await waitFor(() => cpo.deliveries.at(-1)?.status === 200, 'the CPO to see its delivery accepted');
    assert.ok(emsp.snapshot().calls.filter((call) => call.fault === 'reset').length >= 2);
  });

  it('rejects the result promise of a command the CPO did not accept', async () => {
    const { emsp } = await pair({}, { commandResponse: 'REJECTED' });
    const sent = await emsp.sendCommand('UNLOCK_CONNECTOR', { location_id: 'LOC1', evse_uid: '3256', connector_id: '1' });
    assert.equal(sent.response?.result, 'REJECTED');
    await assert.rejects(sent.result, /UNLOCK_CONNECTOR was answered REJECTED/);
  });

  it('refuses a CommandResult for a command it never sent', async () => {
    const { cpo, emsp } = await pair();
    const reply = await cpo.callEmsp('POST', `${emsp.urls.module('commands')}/START_SESSION/not-sent`, { result: 'ACCEPTED' });
    assert.equal(reply.status, 404);
  });
});

describe('tokens', () => {
  const tokens = Array.from({ length: 25 }, (_, index): Token => ({
    ...fixture<Token>('token_example_2_full_rfid'),
    uid: `RFID-${String(index).padStart(2, '0')}`,
    last_updated: new Date(Date.UTC(2024, 0, 1 + index)).toISOString(),
  }));

  it('pushes a token to the CPO tokens receiver', async () => {
    const { cpo, emsp } = await pair();
    const token = fixture<Token>('token_example_1_app_user');
    const reply = await emsp.pushToken(token);
    assert.equal(reply.httpStatus, 201);
    assert.deepEqual(cpo.receivedTokens.get(token.uid), token);
    assert.ok(emsp.tokens.get(token.uid, 'APP_USER'));
  });

  it('lists its tokens in pages with Link, X-Total-Count and X-Limit', async () => {
    const { cpo } = await pair({ tokens, tokensPageLimit: 10 });
    const all = await followPages((url) => cpo.callEmsp('GET', url), `${cpo.emspModule('tokens')}?limit=50`);
    assert.equal(all.items.length, 25);
    assert.deepEqual(all.pages.map((page) => [page.count, page.totalCount, page.limit]), [
      [10, '25', '10'],
      [10, '25', '10'],
      [5, '25', '10'],
    ]);
    const filtered = await followPages((url) => cpo.callEmsp('GET', url), `${cpo.emspModule('tokens')}?date_from=2024-01-11T00:00:00.000Z&limit=4`);
    assert.equal(filtered.items.length, 15);
    assert.equal(filtered.pages.length, 4);
    assert.match(filtered.pages[0]!.next!, /date_from=2024-01-11/);
    assert.equal(filtered.pages[0]!.totalCount, '15');
    assert.equal((await cpo.callEmsp('GET', `${cpo.emspModule('tokens')}?offset=-1`)).body?.status_code, 2001);
  });

  it('answers real-time authorization per its tokens', async () => {
    const { cpo, emsp } = await pair({ tokens });
    const allowed = await cpo.callEmsp('POST', `${cpo.emspModule('tokens')}/RFID-03/authorize?type=RFID`, { location_id: 'LOC1' });
    const info = allowed.body?.data as OcpiObject;
    assert.equal(info['allowed'], 'ALLOWED');
    assert.equal((info['token'] as OcpiObject)['uid'], 'RFID-03');
    assert.ok(info['authorization_reference']);
    emsp.tokens.decide('RFID-04', 'NO_CREDIT');
    const noCredit = await cpo.callEmsp('POST', `${cpo.emspModule('tokens')}/RFID-04/authorize`);
    assert.equal((noCredit.body?.data as OcpiObject)['allowed'], 'NO_CREDIT');
    const unknown = await cpo.callEmsp('POST', `${cpo.emspModule('tokens')}/NOBODY/authorize`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body?.status_code, 2004);
    assert.deepEqual(emsp.snapshot().authorizations.map((authorization) => authorization.allowed), ['ALLOWED', 'NO_CREDIT', 'UNKNOWN']);
  });
});

describe('reading the CPO locations', () => {
  it('follows Link headers through every page', async () => {
    const { emsp } = await pair({}, { locations: 23, locationsPageLimit: 10 });
    const all = await emsp.getLocations();
    assert.equal(all.locations.length, 23);
    assert.deepEqual(all.pages.map((page) => [page.count, page.totalCount, page.limit]), [
      [10, 23, 10],
      [10, 23, 10],
      [3, 23, 10],
    ]);
    const some = await emsp.getLocations({ offset: 5, limit: 4, maxPages: 2 });
    assert.deepEqual(some.locations.map((location) => location['id']), ['LOC0006', 'LOC0007', 'LOC0008', 'LOC0009', 'LOC0010', 'LOC0011', 'LOC0012', 'LOC0013']);
  });
});

describe('settlement file from what was received', () => {
  it('writes the received CDRs with the injected discrepancies', async () => {
    const { cpo, emsp } = await pair();
    const example = fixture('cdr_example');
    for (const id of ['A-1', 'A-2']) await cpo.callEmsp('POST', cpo.emspModule('cdrs'), { ...example, id });
    const file = emsp.settlementFile({ format: 'csv', inject: [{ cdrId: 'A-2', kind: 'currency', currency: 'GBP' }, { cdrId: 'A-9', kind: 'unknown' }] });
    assert.deepEqual(file.content.trimEnd().split('\n').slice(1).map((line) => line.split(',')[0]), ['A-1', 'A-2', 'A-9']);
    assert.deepEqual(file.discrepancies.map((discrepancy) => `${discrepancy.cdrId} ${discrepancy.kind}`), ['A-2 currency', 'A-9 unknown']);
  });
});
