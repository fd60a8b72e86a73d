import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import type { Bus } from '@roamgate/bus';
import { loadConfig } from '@roamgate/config';
import { CommandKind, CommandResult, create, encodeEventBinary, schemaOf, timestampFromDate, type EventType } from '@roamgate/contracts';
import type { EventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { categoryOf, EVENT_HEADERS, topicOf } from '@roamgate/relay';
import { ApiClient, BUS, EVENT_STORE, READ_MODELS, startRoamgate } from '@roamgate/runtime';
import { freePort, waitFor } from '@roamgate/runtime/testing';
import { Command } from 'commander';
import { registerLaunchCommands } from './cli/launch.command';
import { FACTS } from './facts/fact-documents';
import { gateEvaluator } from './gate-evaluator.module';
import { EvaluationScheduler } from './plans/evaluation.scheduler';
import { PLANS } from './plans/plan.projector';

const ADMIN_TOKEN = 'e2e-admin-token-'.padEnd(32, 'l');

describe('gate-evaluator over HTTP: plans, evaluations from bus facts, decisions', () => {
  let app: INestApplication;
  let baseUrl: string;
  let dataDir: string;
  let bus: Bus;
  let readModels: ReadModelStore;
  let events: EventStore;
  const revisions = new Map<string, number>();
  let seq = 0;

  /** Publishes an event as another service's relay would: its family topic, keyed and headed by its stream. */
  async function publish<T extends EventType>(streamId: string, type: T, init: Record<string, unknown>): Promise<void> {
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    const message = create(schemaOf(type), { occurredAt: timestampFromDate(new Date()), ...init } as never);
    seq += 1;
    await bus.publish([
      {
        topic: topicOf(categoryOf(streamId)),
        key: streamId,
        value: encodeEventBinary(type, message as never),
        headers: {
          [EVENT_HEADERS.eventId]: `00000000-0000-7000-8000-${String(seq).padStart(12, '0')}`,
          [EVENT_HEADERS.eventType]: type,
          [EVENT_HEADERS.streamId]: streamId,
          [EVENT_HEADERS.revision]: String(revision),
        },
      },
    ]);
  }

  async function call<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const headers: Record<string, string> = { authorization: `Bearer ${ADMIN_TOKEN}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  const stored = (collection: string, id: string) => () => readModels.get(collection, id);

  async function command(commandId: string, chargerId: string, outcome: 'accepted' | 'rejected' | 'timeout'): Promise<void> {
    const stream = `command-${commandId}`;
    await publish(stream, 'CommandRequested', { commandId, chargerId, kind: CommandKind.START_SESSION, partnerId: 'NL-EMS' });
    if (outcome === 'timeout') await publish(stream, 'CommandTimedOut', { commandId, chargerId, timeoutSeconds: 30 });
    else await publish(stream, 'CommandAnswered', { commandId, chargerId, status: outcome === 'accepted' ? 'Accepted' : 'Rejected', result: outcome === 'accepted' ? CommandResult.ACCEPTED : CommandResult.REJECTED });
  }

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roamgate-launch-'));
    const port = await freePort();
    process.env.LAUNCH_EVALUATION_INTERVAL_SECONDS = '0';
    const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dataDir, ROAMGATE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error' });
    app = await startRoamgate({ processName: 'test', services: [gateEvaluator], config });
    baseUrl = `http://127.0.0.1:${port}`;
    bus = app.get(BUS);
    readModels = app.get(READ_MODELS);
    events = app.get(EVENT_STORE);
    for (const [chargerId, vendor, model] of [
      ['CP-A1', 'Alfa', 'AC22'],
      ['CP-A2', 'Alfa', 'AC22'],
      ['CP-B1', 'Bravo', 'DC50'],
    ] as const) {
      await publish(`charger-${chargerId}`, 'ChargerRegistered', { chargerId, locationId: 'LOC-1', tags: ['pilot'] });
      await publish(`charger-${chargerId}`, 'ChargerBooted', { chargerId, vendor, model, firmwareVersion: '1.0' });
    }
    await waitFor(async () => ((await readModels.get<{ vendor?: string }>(FACTS.chargers, 'CP-B1'))?.data.vendor ? true : undefined), 'charger facts projected');
  });

  after(async () => {
    delete process.env.LAUNCH_EVALUATION_INTERVAL_SECONDS;
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const plan = {
    planId: 'PILOT-1',
    name: 'NL-EMS pilot',
    partnerId: 'NL-EMS',
    group: { selector: { vendors: ['Alfa'] } },
    expansionWaves: [{ chargerIds: ['CP-B1'] }],
    tariffOwner: 'CPO',
    tokenFlows: [{ tokenType: 'RFID', whitelist: 'ALLOWED_OFFLINE', realTimeAuthorization: true }],
    sourcesOfTruth: ['LOCATIONS', 'TARIFFS', 'TOKENS', 'SESSIONS', 'CDRS'].map((object) => ({ object, owner: 'ROAMGATE' })),
    thresholds: { min_commands: '4', min_commands_per_model: '2', min_sessions: '1' },
  };

  it('refuses bad plans with 400 naming each field', async () => {
    const bad = await call('POST', '/api/v1/launch/plans', { ...plan, group: {}, thresholds: { nope: '1' }, evaluationWindowSeconds: 5 });
    assert.equal(bad.status, 400);
    assert.ok(bad.body.issues.some((i: string) => i.startsWith('group:')), JSON.stringify(bad.body));
    assert.ok(bad.body.issues.some((i: string) => i.startsWith('thresholds.nope:')));
    assert.ok(bad.body.issues.some((i: string) => i.startsWith('evaluationWindowSeconds:')));
    const unknown = await call('POST', '/api/v1/launch/plans', { ...plan, colour: 'blue' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.body.message, /colour: unknown field/);
    assert.equal((await call('POST', '/api/v1/launch/plans', [])).status, 400);
    assert.equal((await call('GET', '/api/v1/launch/plans/NOPE')).status, 404);
    assert.equal((await call('POST', '/api/v1/launch/plans/NOPE/evaluate')).status, 404);
    assert.equal((await call('GET', '/api/v1/launch/plans?limit=0')).status, 400);
  });

  it('creates a plan whose selector resolves to the chargers known, and publishes that first scope', async () => {
    const created = await call('POST', '/api/v1/launch/plans', plan);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.phase, 1);
    assert.deepEqual(created.body.scope, { chargerIds: ['CP-A1', 'CP-A2'], evseUids: [] });
    assert.equal(created.body.thresholds.command_success_rate, '0.95');
    assert.equal(created.body.thresholds.min_commands, '4');
    const stream = await events.readStream('launch-PILOT-1');
    assert.deepEqual(stream.map((e) => e.type), ['LaunchPlanCreated', 'ScopeChanged']);
    assert.equal((await call('POST', '/api/v1/launch/plans', plan)).status, 409);
    const listed = await waitFor(async () => {
      const page = await call('GET', '/api/v1/launch/plans?partnerId=NL-EMS');
      return page.body.total === 1 ? page.body : undefined;
    }, 'the plan in the list');
    assert.equal(listed.items[0].planId, 'PILOT-1');
  });

  it('phase 1: KEEP_NARROW until the partner was probed, then EXPAND; applying it advances to phase 2', async () => {
    const first = await call('POST', '/api/v1/launch/plans/PILOT-1/evaluate');
    assert.equal(first.status, 201);
    assert.equal(first.body.decision, 'KEEP_NARROW');
    assert.equal(first.body.rule, 'phase_gates_not_met');
    const probe = first.body.gates.find((g: { gate: string }) => g.gate === 'partner_probe');
    assert.equal(probe.passed, false);
    assert.match(probe.detail, /not probed yet/);

    await publish('partner-NL-EMS', 'PartnerProbed', { partnerId: 'NL-EMS', findings: [{ check: 'versions', passed: true }, { check: 'credentials', passed: true }] });
    await waitFor(stored(FACTS.probes, 'NL-EMS'), 'probe fact');
    const second = await call('POST', '/api/v1/launch/plans/PILOT-1/evaluate');
    assert.equal(second.body.decision, 'EXPAND', second.body.summary);

    const stale = await call('POST', `/api/v1/launch/plans/PILOT-1/decisions/${first.body.evaluationId}/apply`, {});
    assert.equal(stale.status, 409);
    const applied = await call('POST', `/api/v1/launch/plans/PILOT-1/decisions/${second.body.evaluationId}/apply`, { note: 'ops sign-off', by: 'test:ops' });
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    assert.deepEqual(applied.body.events, ['GateDecisionApplied', 'ScopeChanged']);
    assert.equal(applied.body.plan.phase, 2);
    assert.equal(applied.body.evaluation.applied, true);
    assert.equal((await call('POST', `/api/v1/launch/plans/PILOT-1/decisions/${second.body.evaluationId}/apply`, {})).status, 409);
  });

  it('phase 2: command failures from the bus over the hard limit make a PAUSE with the failed commands as evidence', async () => {
    await command('C-1', 'CP-A1', 'accepted');
    await command('C-2', 'CP-A2', 'accepted');
    await command('C-3', 'CP-A1', 'timeout');
    await command('C-4', 'CP-A2', 'rejected');
    await command('C-5', 'CP-B1', 'rejected');
    await waitFor(async () => ((await readModels.get<{ outcome: string }>(FACTS.commands, 'C-4'))?.data.outcome === 'FAILED' ? true : undefined), 'command facts');
    const evaluation = await call('POST', '/api/v1/launch/plans/PILOT-1/evaluate');
    assert.equal(evaluation.body.decision, 'PAUSE', evaluation.body.summary);
    assert.equal(evaluation.body.rule, 'command_failure_hard_limit');
    const failure = evaluation.body.gates.find((g: { gate: string }) => g.gate === 'command_failure_rate');
    assert.deepEqual([failure.value, failure.threshold, failure.sampleSize, failure.passed], ['0.5000', '0.2', 4, false]);
    assert.deepEqual(evaluation.body.evidence.commandIds, ['C-3', 'C-4'], 'CP-B1 is outside the scope');
    assert.equal(evaluation.body.metrics.commands.decided, 4);

    const applied = await call('POST', `/api/v1/launch/plans/PILOT-1/decisions/${evaluation.body.evaluationId}/apply`, {});
    assert.deepEqual(applied.body.events, ['GateDecisionApplied', 'LaunchPaused']);
    assert.equal(applied.body.plan.status, 'PAUSED');
    const history = await call('GET', '/api/v1/launch/plans/PILOT-1/evaluations');
    assert.deepEqual(history.body.items.map((e: { decision: string; applied: boolean }) => [e.decision, e.applied]), [
      ['PAUSE', true],
      ['EXPAND', true],
      ['KEEP_NARROW', false],
    ]);
  });

  it('a scheduled run evaluates plans not evaluated within the interval', async () => {
    const scheduler = app.get(EvaluationScheduler);
    await waitFor(async () => ((await readModels.get<{ status: string }>(PLANS, 'PILOT-1'))?.data.status === 'PAUSED' ? true : undefined), 'the plan list sees the pause');
    await scheduler.runOnce(new Date(Date.now() + 2 * 3600 * 1000));
    const history = await call('GET', '/api/v1/launch/plans/PILOT-1/evaluations');
    assert.equal(history.body.items.length, 4);
    assert.equal(history.body.items[0].trigger, 'SCHEDULE');
  });

  it('the CLI reads and evaluates plans over the API', async () => {
    const output: string[] = [];
    const program = new Command('roamgate').exitOverride();
    registerLaunchCommands(program, { client: () => new ApiClient({ url: baseUrl, token: ADMIN_TOKEN }), print: (text) => output.push(text) });
    await program.parseAsync(['node', 'roamgate', 'launch', 'evaluate', 'PILOT-1']);
    assert.match(output.at(-1)!, /^PAUSE {2}\(command_failure_hard_limit\)/);
    assert.match(output.at(-1)!, /FAIL\s+HARD_LIMIT\s+command_failure_rate\s+0\.5000\s+<= 0\.2/);
    await program.parseAsync(['node', 'roamgate', 'launch', 'show', 'PILOT-1', '--json']);
    const shown = JSON.parse(output.at(-1)!);
    assert.equal(shown.plan.status, 'PAUSED');
    assert.equal(shown.evaluations.length, 5);
    await program.parseAsync(['node', 'roamgate', 'launch', 'resume', 'PILOT-1', '--reason', 'firmware fixed']);
    assert.equal(output.at(-1), 'launch plan PILOT-1 is ACTIVE');
    await program.parseAsync(['node', 'roamgate', 'launch', 'report', 'PILOT-1', '--out', join(dataDir, 'pack'), '--json']);
    const files = JSON.parse(output.at(-1)!) as { html: string; markdown: string };
    assert.match(readFileSync(files.html, 'utf8'), /<svg [\s\S]*PAUSE/);
    assert.match(readFileSync(files.markdown, 'utf8'), /\| command_failure_rate \| 0\.5000 \| <= 0\.2 \|/);
  });
});
