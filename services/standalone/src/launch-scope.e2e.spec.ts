import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSimulatedCharger, type SimulatedCharger } from '@roamgate/charger-simulator';
import { startEmspSimulator, type EmspSimulator } from '@roamgate/emsp-simulator';
import type { EventStore } from '@roamgate/event-store';
import { FACTS } from '@roamgate/gate-evaluator';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { waitFor } from '@roamgate/runtime/testing';
import { startStandaloneForTest, type StandaloneForTest } from './testing';

const ADMIN = 'launch-scope-e2e-admin-token-0123456789';

const site = (id: string) => ({
  id,
  name: `Site ${id}`,
  address: 'Stationsplein 1',
  city: 'Utrecht',
  postal_code: '3511ED',
  country: 'NLD',
  coordinates: { latitude: '52.089444', longitude: '5.110278' },
  parking_type: 'PARKING_LOT',
  time_zone: 'Europe/Amsterdam',
  opening_times: { twentyfourseven: true },
});
const evse = (chargerId: string) => ({
  charger_id: chargerId,
  evse: 1,
  evse_id: `NL*RGT*E${chargerId.replaceAll('-', '')}*1`,
  capabilities: ['REMOTE_START_STOP_CAPABLE'],
  connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 230, max_amperage: 32 }],
});

describe('launch scope: an applied EXPAND publishes the new EVSEs to the partner, an applied PAUSE publishes nothing, narrowing unpublishes', () => {
  let roamgate: StandaloneForTest;
  let emsp: EmspSimulator;
  let partnerId: string;
  const chargers: SimulatedCharger[] = [];
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

  /** The EVSE uids the eMSP holds from our location pushes, as the partner sees them (REMOVED ones left out). */
  const published = (): string[] =>
    [...emsp.received.locations.values()]
      .flatMap((l) => ((l as { evses?: { uid: string; status: string }[] }).evses ?? []).filter((e) => e.status !== 'REMOVED').map((e) => e.uid))
      .sort();

  const launchEvents = async (): Promise<string[]> => (await roamgate.app.get<EventStore>(EVENT_STORE).readStream('launch-PILOT')).map((e) => e.type);

  before(async () => {
    process.env.OCPI_UNSCOPED_PARTNERS = 'none';
    process.env.LAUNCH_EVALUATION_INTERVAL_SECONDS = '0';
    roamgate = await startStandaloneForTest({ ROAMGATE_ADMIN_TOKEN: ADMIN });
    emsp = await startEmspSimulator({ host: '127.0.0.1', countryCode: 'NL', partyId: 'EMS' });
    const invite = await api('POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId: 'EMS', role: 'EMSP' });
    assert.equal(invite.status, 201, JSON.stringify(invite.body));
    await emsp.registerWithCpo({ cpoVersionsUrl: invite.body.versionsUrl, tokenA: invite.body.token });
    partnerId = invite.body.partnerId;
    for (const [id, location, vendor, model] of [
      ['CP-LA1', 'LOC-A', 'Alfa', 'AC22'],
      ['CP-LB1', 'LOC-B', 'Bravo', 'DC50'],
    ] as const) {
      assert.equal((await api('POST', '/api/v1/chargers', { id, password: 'charger-secret-1', locationId: location })).status, 201);
      assert.equal((await api('POST', '/api/v1/locations', site(location))).status, 201);
      const attached = await api('POST', `/api/v1/locations/${location}/evses`, evse(id));
      assert.ok(attached.status < 300, JSON.stringify(attached.body));
      chargers.push(
        await startSimulatedCharger({ url: roamgate.ws, id, password: 'charger-secret-1', protocol: 'ocpp1.6', profile: { vendor, model, firmwareVersion: '1.0', connectors: 1 } }),
      );
    }
    const readModels = roamgate.app.get<ReadModelStore>(READ_MODELS);
    await waitFor(async () => ((await readModels.get<{ model?: string }>(FACTS.chargers, 'CP-LB1'))?.data.model ? true : undefined), 'both chargers booted, as the gate evaluator sees them');
  });

  after(async () => {
    for (const charger of chargers) await charger.stop();
    await emsp?.stop();
    await roamgate?.close();
    process.env = env;
  });

  it('a new plan publishes its first group only', async () => {
    const created = await api('POST', '/api/v1/launch/plans', {
      planId: 'PILOT',
      partnerId,
      group: { chargerIds: ['CP-LA1'] },
      tariffOwner: 'CPO',
      tokenFlows: [{ tokenType: 'RFID', whitelist: 'ALLOWED', realTimeAuthorization: false }],
      sourcesOfTruth: ['LOCATIONS', 'TARIFFS', 'TOKENS', 'SESSIONS', 'CDRS'].map((object) => ({ object, owner: 'ROAMGATE' })),
      thresholds: { partner_probe: '0', min_commands: '1' },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    await waitFor(() => (published().includes('CP-LA1-1') ? true : undefined), 'the first group at the eMSP');
    assert.deepEqual(published(), ['CP-LA1-1']);
  });

  it('PAUSE: a failed command over the hard limit pauses the launch and publishes nothing new', async () => {
    await chargers[0]!.stop();
    await waitFor(async () => ((await api('GET', '/api/v1/chargers/CP-LA1')).body.connected === false ? true : undefined), 'CP-LA1 offline');
    const sent = await api('POST', '/api/v1/chargers/CP-LA1/commands', { kind: 'TRIGGER_MESSAGE', requestedMessage: 'StatusNotification' });
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const readModels = roamgate.app.get<ReadModelStore>(READ_MODELS);
    await waitFor(async () => {
      const fact = await readModels.get<{ outcome: string }>(FACTS.commands, sent.body.commandId);
      return fact !== undefined && fact.data.outcome !== 'PENDING' ? true : undefined;
    }, 'the failed command as a launch fact');
    const evaluation = await api('POST', '/api/v1/launch/plans/PILOT/evaluate');
    assert.equal(evaluation.body.decision, 'PAUSE', evaluation.body.summary);
    assert.equal(evaluation.body.rule, 'command_failure_hard_limit');
    assert.deepEqual(evaluation.body.evidence.commandIds, [sent.body.commandId]);
    const applied = await api('POST', `/api/v1/launch/plans/PILOT/decisions/${evaluation.body.evaluationId}/apply`, { note: 'charger offline' });
    assert.deepEqual(applied.body.events, ['GateDecisionApplied', 'LaunchPaused']);
    assert.deepEqual(await launchEvents(), ['LaunchPlanCreated', 'ScopeChanged', 'GateEvaluated', 'GateDecisionApplied', 'LaunchPaused'], 'no ScopeChanged: nothing for the partner');
    assert.deepEqual((await api('GET', `/api/v1/partners/${partnerId}/scope`)).body.charger_ids, ['CP-LA1']);
    assert.deepEqual(published(), ['CP-LA1-1']);
  });

  it('EXPAND: once resumed and the failure attributed, an applied EXPAND publishes the added EVSEs', async () => {
    assert.equal((await api('POST', '/api/v1/launch/plans/PILOT/resume', { reason: 'CP-LA1 was unplugged on purpose' })).status, 200);
    const set = await api('PATCH', '/api/v1/launch/plans/PILOT', { thresholds: { command_failure_rate: '1' }, reason: 'the one failure is attributed to the unplugged charger' });
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const evaluation = await api('POST', '/api/v1/launch/plans/PILOT/evaluate');
    assert.equal(evaluation.body.decision, 'EXPAND', evaluation.body.summary);
    const applied = await api('POST', `/api/v1/launch/plans/PILOT/decisions/${evaluation.body.evaluationId}/apply`, { widen: { chargerIds: ['CP-LB1'] } });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual(applied.body.plan.scope.chargerIds, ['CP-LA1', 'CP-LB1']);
    assert.equal(applied.body.plan.phase, 2);
    await waitFor(() => (published().includes('CP-LB1-1') ? true : undefined), 'the added EVSE at the eMSP');
    assert.deepEqual(published(), ['CP-LA1-1', 'CP-LB1-1']);
    assert.deepEqual((await api('GET', `/api/v1/partners/${partnerId}/scope`)).body.charger_ids, ['CP-LA1', 'CP-LB1']);
  });

  it('an operator narrowing the scope by hand unpublishes the EVSEs that left it', async () => {
    const narrowed = await api('PUT', '/api/v1/launch/plans/PILOT/scope', { group: { chargerIds: ['CP-LA1'] }, reason: 'CP-LB1 firmware under investigation' });
    assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
    assert.deepEqual(narrowed.body.scope.chargerIds, ['CP-LA1']);
    await waitFor(() => (published().includes('CP-LB1-1') ? undefined : true), 'CP-LB1-1 removed at the eMSP');
    assert.deepEqual(published(), ['CP-LA1-1']);
    assert.equal((await api('PUT', '/api/v1/launch/plans/PILOT/scope', { group: { chargerIds: ['CP-LA1'] } })).status, 400, 'a reason is required');
  });
});
