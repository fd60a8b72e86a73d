import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Module, type INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import { ChargerConnectedSchema, ChargerDisconnectedSchema, ConnectorStatus, ConnectorStatusChangedSchema, create, encodeEventBinary, LaunchPhase, ScopeChangedSchema, timestampFromMs } from '@roamgate/contracts';
import { startEmspSimulator, type EmspSimulator } from '@roamgate/emsp-simulator';
import { newEventId, type EventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { ApiClient, EVENT_STORE, READ_MODELS, startRoamgate } from '@roamgate/runtime';
import { Command } from 'commander';
import { registerLocationCommands } from '../../cli/locations.command';
import { registerPartnerCommands } from '../../cli/partners.command';
import { freePort, waitFor } from '@roamgate/runtime/testing';
import { ocpiConnector, OcpiConnectorModule } from '../../ocpi-connector.module';
import { adminApi, registerEmsp } from '../../testing/operations-api';
import { LaunchScopeConsumer } from '../scope/launch-scope.consumer';
import { OCPI_CDRS } from '../cdrs/cdrs.sender';
import { OCPI_SESSIONS } from '../sessions/sessions.sender';
import { EvseStatusConsumer } from './evse-status.consumer';

const ADMIN = 'c'.repeat(32);

@Module({ imports: [OcpiConnectorModule.withSettings({ countryCode: 'NL', partyId: 'RGT', secretKey: Buffer.alloc(32, 3), pageLimit: 2 })] })
class TestOcpiModule {}

const site = (id: string, name: string) => ({
  id,
  name,
  address: 'Stationsplein 1',
  city: 'Utrecht',
  postal_code: '3511ED',
  country: 'NLD',
  coordinates: { latitude: '52.089444', longitude: '5.110278' },
  parking_type: 'PARKING_LOT',
  operator: { name: 'Roamgate CPO' },
  time_zone: 'Europe/Amsterdam',
  opening_times: { twentyfourseven: true },
});
const evse = (chargerId: string, n: number) => ({
  charger_id: chargerId,
  evse: n,
  evse_id: `NL*RGT*E${chargerId.replaceAll('-', '')}*${n}`,
  capabilities: ['REMOTE_START_STOP_CAPABLE'],
  connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 230, max_amperage: 32, tariff_ids: ['T1'] }],
});

describe('OCPI locations: sender, scope per partner, pushes (two simulated eMSPs over HTTP)', () => {
  let app: INestApplication;
  let base: string;
  let dir: string;
  let store: EventStore;
  let emspA: EmspSimulator;
  let emspB: EmspSimulator;
  const saved = { ...process.env };

  const admin = adminApi(() => base, ADMIN);

  const ocpi = async (emsp: EmspSimulator, path: string) => {
    const response = await fetch(`${base}/ocpi/2.2.1/${path}`, { headers: { authorization: `Token ${Buffer.from(emsp.partner!.outboundToken).toString('base64')}` } });
    return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, any> };
  };

  async function registered(countryCode: string, partyId: string): Promise<EmspSimulator> {
    const emsp = await startEmspSimulator({ host: '127.0.0.1', countryCode, partyId });
    await registerEmsp(admin, emsp, { countryCode, partyId });
    return emsp;
  }

  const pushed = (emsp: EmspSimulator, id: string) => emsp.received.locations.get(`NL/RGT/${id}`) as { evses?: { uid: string; status: string }[] } | undefined;
  const evsesPushed = (emsp: EmspSimulator, id: string) => (pushed(emsp, id)?.evses ?? []).map((e) => `${e.uid}:${e.status}`).sort();

  before(async () => {
    Object.assign(process.env, { OCPI_PUSH_BASE_DELAY_MS: '40', OCPI_PUSH_MAX_DELAY_MS: '400', OCPI_PUSH_JITTER: '0', OCPI_PUSH_POLL_MS: '50', OCPI_EVSE_OFFLINE_GRACE_S: '3600' });
    dir = mkdtempSync(join(tmpdir(), 'ocpi-locations-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dir, ROAMGATE_ADMIN_TOKEN: ADMIN, ROAMGATE_PUBLIC_URL: base, LOG_LEVEL: 'error' });
    app = await startRoamgate({ processName: 'test', services: [{ descriptor: ocpiConnector.descriptor, module: TestOcpiModule }], config });
    store = app.get(EVENT_STORE, { strict: false });
    emspA = await registered('NL', 'EMS');
    emspB = await registered('DE', 'EMP');
  });

  after(async () => {
    await app?.close();
    await emspA?.stop();
    await emspB?.stop();
    rmSync(dir, { recursive: true, force: true });
    process.env = saved;
  });

  it('sets scopes per partner, audited on the partner stream', async () => {
    const a = await admin('PUT', '/api/v1/partners/NL-EMS/scope', { location_ids: ['LOC-1'], evse_uids: ['CP-B-1'], reason: 'pilot' });
    assert.equal(a.status, 200, JSON.stringify(a.body));
    assert.deepEqual([a.body.set, a.body.changed, a.body.location_ids, a.body.evse_uids], [true, true, ['LOC-1'], ['CP-B-1']]);
    assert.equal((await admin('PUT', '/api/v1/partners/NL-EMS/scope', { location_ids: ['LOC-1'], evse_uids: ['CP-B-1'] })).body.changed, false);
    assert.equal((await admin('PUT', '/api/v1/partners/DE-EMP/scope', { location_ids: ['LOC-3'] })).status, 200);
    assert.equal((await admin('PUT', '/api/v1/partners/XX-NOP/scope', { location_ids: ['LOC-3'] })).status, 404);
    const bad = await admin('PUT', '/api/v1/partners/DE-EMP/scope', { evse_uids: ['has space'] });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^evse_uids\[0\]: /);
    const audit = (await store.readStream('partner-NL-EMS')).filter((e) => e.type === 'PartnerScopeSet');
    assert.equal(audit.length, 1);
    assert.equal((audit[0]!.data as { reason: string }).reason, 'pilot');
  });

  it('keeps location master data through the operations API and names the offending field', async () => {
    const bad = await admin('POST', '/api/v1/locations', { ...site('LOC-BAD', 'x'), country: 'NL' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /^country: /);
    const badConnector = await admin('POST', '/api/v1/locations', site('LOC-1', 'Utrecht Centraal'));
    assert.equal(badConnector.status, 201, JSON.stringify(badConnector.body));
    const wrong = await admin('POST', '/api/v1/locations/LOC-1/evses', { ...evse('CP-A', 1), connectors: [{ ...evse('CP-A', 1).connectors[0], standard: 'T2' }] });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.message, /^connectors\[0\]\.standard: /);
    assert.equal((await admin('POST', '/api/v1/locations', site('LOC-1', 'again'))).status, 409);

    for (const n of [1, 2]) assert.equal((await admin('POST', '/api/v1/locations/LOC-1/evses', evse('CP-A', n))).status, 201);
    assert.equal((await admin('POST', '/api/v1/locations', site('LOC-2', 'Utrecht Noord'))).status, 201);
    assert.equal((await admin('POST', '/api/v1/locations/LOC-2/evses', evse('CP-B', 1))).status, 201);
    assert.equal((await admin('POST', '/api/v1/locations', site('LOC-3', 'Utrecht Zuid'))).status, 201);
    assert.equal((await admin('POST', '/api/v1/locations/LOC-3/evses', evse('CP-C', 1))).status, 201);
    assert.equal((await admin('POST', '/api/v1/locations/LOC-3/evses', evse('CP-A', 1))).status, 409, 'an EVSE is at one location');

    const shown = await admin('GET', '/api/v1/locations/LOC-1');
    assert.deepEqual(shown.body.location.evses.map((e: { uid: string }) => e.uid), ['CP-A-1', 'CP-A-2']);
    assert.equal(shown.body.location.time_zone, 'Europe/Amsterdam');
    assert.equal((await admin('GET', '/api/v1/locations?limit=2')).body.total, 3);
    assert.equal((await admin('GET', '/api/v1/locations/NOWHERE')).status, 404);
  });

  it('pushes each partner its own scope only: PUT of the visible part of each location', async () => {
    await waitFor(async () => (evsesPushed(emspA, 'LOC-1').length === 2 && pushed(emspA, 'LOC-2') ? true : undefined), 'A has LOC-1 and LOC-2', 15_000);
    assert.deepEqual(evsesPushed(emspA, 'LOC-1'), ['CP-A-1:UNKNOWN', 'CP-A-2:UNKNOWN']);
    assert.deepEqual(evsesPushed(emspA, 'LOC-2'), ['CP-B-1:UNKNOWN']);
    await waitFor(async () => (pushed(emspB, 'LOC-3') ? true : undefined), 'B has LOC-3', 15_000);
    assert.equal(pushed(emspA, 'LOC-3'), undefined);
    assert.deepEqual([...emspB.received.locations.keys()], ['NL/RGT/LOC-3']);
  });

  it('paginates GET locations: Link with the limit, X-Total-Count, X-Limit = server maximum, date filters', async () => {
    const all = await emspA.getLocations({ limit: 1 });
    assert.deepEqual(all.locations.map((l) => l['id']).sort(), ['LOC-1', 'LOC-2']);
    assert.equal(all.pages.length, 2);
    assert.deepEqual([all.pages[0]!.totalCount, all.pages[0]!.limit], [2, 2]);
    assert.match(all.pages[0]!.next ?? '', /offset=1&limit=1/);
    const future = await ocpi(emspA, 'locations?date_from=2999-01-01T00:00:00Z');
    assert.deepEqual([future.status, future.body.data, future.headers.get('x-total-count')], [200, [], '0']);
    const past = await ocpi(emspA, 'locations?date_from=2000-01-01T00:00:00Z&limit=1');
    assert.equal(past.body.data.length, 1);
    assert.match(past.headers.get('link') ?? '', /date_from=2000-01-01T00%3A00%3A00Z/);
    assert.equal((await ocpi(emspA, 'locations?date_from=yesterday')).status, 400);
  });

  it('answers single objects of the scope and 404/2003 for anything else', async () => {
    const location = await ocpi(emspA, 'locations/LOC-2');
    assert.deepEqual(location.body.data.evses.map((e: { uid: string }) => e.uid), ['CP-B-1']);
    assert.equal((await ocpi(emspA, 'locations/LOC-1/CP-A-2')).body.data.uid, 'CP-A-2');
    assert.equal((await ocpi(emspA, 'locations/LOC-1/CP-A-2/1')).body.data.standard, 'IEC_62196_T2');
    for (const [emsp, path] of [[emspA, 'locations/LOC-3'], [emspB, 'locations/LOC-1'], [emspB, 'locations/LOC-3/CP-A-1'], [emspA, 'locations/LOC-1/CP-A-2/9'], [emspA, 'locations/NOWHERE']] as const) {
      const answer = await ocpi(emsp, path);
      assert.deepEqual([answer.status, answer.body.status_code], [404, 2003], path);
    }
    assert.deepEqual((await ocpi(emspB, 'locations')).body.data.map((l: { id: string }) => l.id), ['LOC-3']);
  });

  it('follows the charger status: ConnectorStatusChanged becomes an EVSE status PATCH', async () => {
    const consumer = app.get(EvseStatusConsumer, { strict: false });
    const event = { chargerId: 'CP-A', occurredAt: timestampFromMs(Date.now()), receivedAt: timestampFromMs(Date.now()), evseId: 0, connectorId: 1, status: ConnectorStatus.CHARGING, errorCode: 'NoError' };
    const message = (revision: number, status: ConnectorStatus) => ({
      topic: 'roamgate.charger', key: 'charger-CP-A', partition: 0, offset: revision, attempt: 1,
      value: encodeEventBinary('ConnectorStatusChanged', create(ConnectorStatusChangedSchema, { ...event, status })),
      headers: { 'roamgate-event-id': newEventId(), 'roamgate-event-type': 'ConnectorStatusChanged', 'roamgate-stream-id': 'charger-CP-A', 'roamgate-stream-revision': String(revision) },
    });
    await consumer.handle(message(5, ConnectorStatus.CHARGING));
    await consumer.handle(message(4, ConnectorStatus.AVAILABLE));
    await waitFor(async () => (evsesPushed(emspA, 'LOC-1').includes('CP-A-1:CHARGING') ? true : undefined), 'A has CP-A-1 CHARGING', 15_000);
    assert.equal((await ocpi(emspA, 'locations/LOC-1/CP-A-1')).body.data.status, 'CHARGING', 'the older status (a redelivery) was skipped');
  });

  it('shows the EVSEs of a charger disconnected past the grace period UNKNOWN, and their status again when it is back', async () => {
    const consumer = app.get(EvseStatusConsumer, { strict: false });
    const link = (revision: number, type: 'ChargerConnected' | 'ChargerDisconnected', connectionId: string) => ({
      topic: 'roamgate.charger', key: 'charger-CP-A', partition: 0, offset: revision, attempt: 1,
      value:
        type === 'ChargerConnected'
          ? encodeEventBinary(type, create(ChargerConnectedSchema, { chargerId: 'CP-A', occurredAt: timestampFromMs(Date.now()), connectionId }))
          : encodeEventBinary(type, create(ChargerDisconnectedSchema, { chargerId: 'CP-A', occurredAt: timestampFromMs(Date.now()), connectionId, closeCode: 1006 })),
      headers: { 'roamgate-event-id': newEventId(), 'roamgate-event-type': type, 'roamgate-stream-id': 'charger-CP-A', 'roamgate-stream-revision': String(revision) },
    });
    await consumer.handle(link(6, 'ChargerConnected', 'c1'));
    await consumer.handle(link(7, 'ChargerDisconnected', 'c1'));
    await consumer.sweep(new Date(Date.now() + 30 * 60_000));
    const statuses = async () => (await admin('GET', '/api/v1/locations/LOC-1')).body.location.evses.map((e: { status: string }) => e.status).join();
    assert.equal(await statuses(), 'CHARGING,UNKNOWN', 'within the grace period (1 h here) nothing changes');
    await consumer.sweep(new Date(Date.now() + 2 * 3600_000));
    assert.equal(await statuses(), 'UNKNOWN,UNKNOWN');
    await waitFor(async () => (evsesPushed(emspA, 'LOC-1').join() === 'CP-A-1:UNKNOWN,CP-A-2:UNKNOWN' ? true : undefined), 'both EVSEs of CP-A UNKNOWN at A', 15_000);
    await consumer.handle(link(8, 'ChargerConnected', 'c2'));
    await consumer.handle(link(7, 'ChargerDisconnected', 'c1'));
    await waitFor(async () => (evsesPushed(emspA, 'LOC-1').includes('CP-A-1:CHARGING') ? true : undefined), 'CP-A-1 CHARGING again', 15_000);
    assert.equal((await ocpi(emspA, 'locations/LOC-1/CP-A-1')).body.data.status, 'CHARGING');
  });

  it('unpublishes an EVSE leaving the scope (PATCH REMOVED) and pushes one entering it', async () => {
    assert.equal((await admin('PUT', '/api/v1/partners/NL-EMS/scope', { location_ids: ['LOC-1', 'LOC-3'] })).status, 200);
    await waitFor(async () => (evsesPushed(emspA, 'LOC-2').includes('CP-B-1:REMOVED') && pushed(emspA, 'LOC-3') ? true : undefined), 'CP-B-1 removed, LOC-3 added', 15_000);
    assert.deepEqual((await ocpi(emspA, 'locations/LOC-2')).status, 404);
    assert.deepEqual((await ocpi(emspA, 'locations')).body.data.map((l: { id: string }) => l.id).sort(), ['LOC-1', 'LOC-3']);
  });

  it('rejects commands for an EVSE outside the scope, with the reason', async () => {
    await store.append('charger-CP-A', [{ id: newEventId(), type: 'ChargerRegistered', data: { chargerId: 'CP-A', locationId: 'LOC-1' } }], { expectedRevision: 'any' });
    await store.append('charger-CP-A', [{ id: newEventId(), type: 'ChargerBooted', data: { chargerId: 'CP-A', protocol: 'OCPP_VERSION_1_6' } }], { expectedRevision: 'any' });
    const token = { country_code: 'DE', party_id: 'EMP', uid: 'RFID-1', type: 'RFID', contract_id: 'DE-EMP-C1', issuer: 'EMP', valid: true, whitelist: 'ALLOWED', last_updated: '2025-03-01T00:00:00Z' };
    const outside = await emspB.sendCommand('START_SESSION', { token, location_id: 'LOC-1', evse_uid: 'CP-A-1', connector_id: '1' });
    assert.equal(outside.response?.result, 'REJECTED');
    assert.match(JSON.stringify(outside.response?.message), /not in the launch scope/);
    const unlock = await emspB.sendCommand('UNLOCK_CONNECTOR', { location_id: 'LOC-1', evse_uid: 'CP-A-1', connector_id: '1' });
    assert.equal(unlock.response?.result, 'REJECTED');
    const inside = await emspA.sendCommand('UNLOCK_CONNECTOR', { location_id: 'LOC-1', evse_uid: 'CP-A-1', connector_id: '1' });
    assert.equal(inside.response?.result, 'ACCEPTED', JSON.stringify(inside.response));
  });

  it('shows a partner without a scope no location and rejects its commands (OCPI_UNSCOPED_PARTNERS=none, the default)', async () => {
    const unscoped = await registered('BE', 'UNS');
    try {
      const listed = await ocpi(unscoped, 'locations');
      assert.deepEqual([listed.status, listed.body.data, listed.headers.get('x-total-count')], [200, [], '0']);
      assert.equal((await ocpi(unscoped, 'locations/LOC-1')).status, 404);
      const unlock = await unscoped.sendCommand('UNLOCK_CONNECTOR', { location_id: 'LOC-1', evse_uid: 'CP-A-1', connector_id: '1' });
      assert.equal(unlock.response?.result, 'REJECTED');
      assert.match(JSON.stringify(unlock.response?.message), /no launch scope has been agreed with this partner/);
      assert.equal(unscoped.received.locations.size, 0, 'nothing was pushed to it');
    } finally {
      await unscoped.stop();
    }
  });

  it('never lists one partner sessions to another', async () => {
    const readModels = app.get<ReadModelStore>(READ_MODELS, { strict: false });
    const session = { country_code: 'NL', party_id: 'RGT', id: 'S-A', start_date_time: '2025-03-01T09:00:00Z', kwh: 0, cdr_token: { country_code: 'NL', party_id: 'EMS', uid: 'T1', type: 'RFID', contract_id: 'T1' }, auth_method: 'COMMAND', location_id: 'LOC-1', evse_uid: 'CP-A-1', connector_id: '1', currency: 'EUR', status: 'ACTIVE', last_updated: '2025-03-01T09:00:00Z' };
    await readModels.upsert(OCPI_SESSIONS.name, 'S-A', { id: 'S-A', partnerId: 'NL-EMS', sessionRevision: 0, session, lastUpdated: session.last_updated, putQueued: true, completedQueued: false, periodsQueued: 0, lastPatchAt: 0, dirty: false }, 0);
    assert.deepEqual((await ocpi(emspA, 'sessions')).body.data.map((s: { id: string }) => s.id), ['S-A']);
    assert.deepEqual((await ocpi(emspB, 'sessions')).body.data, []);
    await readModels.upsert(OCPI_CDRS.name, 'CDR-A', { id: 'CDR-A', partnerId: 'NL-EMS', sessionId: 'S-A', entryId: '', cdr: { id: 'CDR-A', last_updated: '2025-03-01T10:00:00Z' }, lastUpdated: '2025-03-01T10:00:00Z' }, 0);
    assert.deepEqual((await ocpi(emspA, 'cdrs')).body.data.map((c: { id: string }) => c.id), ['CDR-A']);
    assert.deepEqual((await ocpi(emspB, 'cdrs')).body.data, []);
  });

  it('applies a ScopeChanged of a launch plan as the partner scope', async () => {
    const consumer = app.get(LaunchScopeConsumer, { strict: false });
    const changed = create(ScopeChangedSchema, {
      planId: 'plan-1', occurredAt: timestampFromMs(Date.now()), partnerId: 'DE-EMP', previousPhase: LaunchPhase.SCOPE, phase: LaunchPhase.COMMAND_AND_SESSION_INTEGRITY,
      chargerGroup: { chargerIds: ['CP-A'], evseUids: [], selector: { locationIds: [] } }, changedBy: 'gate-evaluator', reason: 'EXPAND', evaluationId: 'ev-1',
    });
    const headers = { 'roamgate-event-id': newEventId(), 'roamgate-event-type': 'ScopeChanged', 'roamgate-stream-id': 'launch-plan-1', 'roamgate-stream-revision': '1' };
    const message = { topic: 'roamgate.launch', key: 'launch-plan-1', partition: 0, offset: 1, attempt: 1, value: encodeEventBinary('ScopeChanged', changed), headers };
    await consumer.handle(message);
    await consumer.handle(message);
    const scope = await admin('GET', '/api/v1/partners/DE-EMP/scope');
    assert.deepEqual([scope.body.charger_ids, scope.body.location_ids, scope.body.plan_id, scope.body.changed_by], [['CP-A'], [], 'plan-1', 'gate-evaluator']);
    assert.equal((await store.readStream('partner-DE-EMP')).filter((e) => e.type === 'PartnerScopeSet').length, 2, 'the redelivery recorded nothing');
  });

  it('drives the same through the CLI: locations add, attach, show, list, scope; partners scope', async () => {
    const cli = async (...args: string[]) => {
      const program = new Command().exitOverride();
      const out: string[] = [];
      const options = { client: () => new ApiClient({ url: base, token: ADMIN }), print: (text: string) => void out.push(`${text}\n`) };
      registerLocationCommands(program, options);
      registerPartnerCommands(program, options);
      await program.parseAsync(['node', 'roamgate', ...args]);
      assert.equal(process.exitCode ?? 0, 0, `roamgate ${args.join(' ')}`);
      return out.join('');
    };
    await cli('locations', 'add', 'LOC-CLI', '--name', 'Amersfoort', '--address', 'Stationsplein 2', '--city', 'Amersfoort', '--country', 'NLD',
      '--latitude', '52.153611', '--longitude', '5.373889', '--time-zone', 'Europe/Amsterdam', '--twentyfourseven');
    const attached = JSON.parse(await cli('locations', 'attach', 'LOC-CLI', '--charger', 'CP-CLI', '--evse', '1', '--json',
      '--connector', 'id=1,standard=IEC_62196_T2_COMBO,format=CABLE,power_type=DC,max_voltage=920,max_amperage=200,max_electric_power=150000,tariff_ids=T1+T2')) as { location: { evses: { uid: string; connectors: { tariff_ids: string[] }[] }[] } };
    assert.deepEqual([attached.location.evses[0]!.uid, attached.location.evses[0]!.connectors[0]!.tariff_ids], ['CP-CLI-1', ['T1', 'T2']]);
    assert.match(await cli('locations', 'show', 'LOC-CLI'), /CP-CLI-1\s+UNKNOWN/);
    assert.match(await cli('locations', 'list', '--limit', '500'), /LOC-CLI\s+Amersfoort/);
    assert.match(await cli('locations', 'scope', 'DE-EMP', '--location-id', 'LOC-CLI', '--reason', 'cli'), /DE-EMP: locations LOC-CLI; EVSEs -; chargers -/);
    assert.deepEqual(JSON.parse(await cli('locations', 'scope', 'DE-EMP', '--json')).location_ids, ['LOC-CLI']);
    assert.match(await cli('partners', 'scope', 'DE-EMP', '--location', 'LOC-CLI,LOC-3', '--evse', 'CP-A-1', '--charger', 'CP-CLI', '--reason', 'cli'),
      /DE-EMP: locations LOC-3, LOC-CLI; EVSEs CP-A-1; chargers CP-CLI\n  set by api at .+ \(cli\)/);
    assert.match(await cli('partners', 'scope', 'DE-EMP'), /DE-EMP: locations LOC-3, LOC-CLI/);
  });
});
