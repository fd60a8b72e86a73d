import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePlan } from '../gates/evaluate.js';
import type { Decision, Evaluation } from '../gates/evaluation.js';
import { noFacts, type ChargerFact } from '../metrics/facts.js';
import { launchEventCodec, type LaunchEvent } from './events.js';
import { launchDecider, LaunchRejected, type CreatePlan, type LaunchCommand, type LaunchPlan } from './plan.js';

const now = new Date('2026-03-08T12:00:00Z');
const chargers: ChargerFact[] = [
  { chargerId: 'CP-A1', vendor: 'Alfa', model: 'AC22', firmware: '1.4', locationId: 'LOC-1' },
  { chargerId: 'CP-A2', vendor: 'Alfa', model: 'AC22', firmware: '1.4', locationId: 'LOC-1' },
  { chargerId: 'CP-B1', vendor: 'Bravo', model: 'DC50', firmware: '2.0', locationId: 'LOC-2', tags: ['wave-2'] },
  { chargerId: 'CP-C1', vendor: 'Charlie', model: 'X9', firmware: '0.9', locationId: 'LOC-3' },
];

const create: CreatePlan = {
  type: 'CreatePlan',
  planId: 'L-1',
  partnerId: 'NL-EMS',
  group: { selector: { vendors: ['Alfa'] }, evseUids: ['CP-C1-1'] },
  expansionWaves: [{ selector: { tags: ['wave-2'] } }, { chargerIds: ['CP-C1'] }],
  tariffOwner: 'CPO',
  tokenFlows: [{ tokenType: 'RFID', whitelist: 'ALLOWED_OFFLINE', realTimeAuthorization: true }],
  sourcesOfTruth: [{ object: 'TARIFFS', owner: 'ROAMGATE' }],
  chargers,
  now,
  by: 'test',
};

/** Folds the events of each command, through the stored JSON form as the event store keeps it. */
function given(commands: readonly LaunchCommand[]): { plan: LaunchPlan; events: LaunchEvent[] } {
  let plan = launchDecider.initialState();
  const events: LaunchEvent[] = [];
  for (const command of commands) {
    for (const event of launchDecider.decide(command, plan)) {
      const stored = launchEventCodec.fromStored(JSON.parse(JSON.stringify(launchEventCodec.toStored(event))));
      events.push(stored);
      plan = launchDecider.evolve(plan, stored);
    }
  }
  return { plan, events };
}

function evaluation(plan: LaunchPlan, decision: Decision): Evaluation {
  const measured = evaluatePlan(plan, noFacts(), now);
  return { ...measured, decision, rule: decision === 'EXPAND' ? 'phase_gates_hold' : decision === 'PAUSE' ? 'unattributed_issues' : 'phase_gates_not_met' };
}

const record = (plan: LaunchPlan, id: string, decision: Decision): LaunchCommand => ({
  type: 'RecordEvaluation',
  evaluationId: id,
  evaluation: evaluation(plan, decision),
  trigger: 'ON_DEMAND',
  now,
  by: 'test',
});
const applyDecision = (evaluationId: string, extra: Partial<Extract<LaunchCommand, { type: 'ApplyDecision' }>> = {}): LaunchCommand => ({
  type: 'ApplyDecision',
  evaluationId,
  chargers,
  now,
  by: 'test',
  ...extra,
});

function rejected(kind: LaunchRejected['kind'], pattern: RegExp) {
  return (error: unknown): boolean => error instanceof LaunchRejected && error.kind === kind && pattern.test(error.message);
}

describe('launch plan decider', () => {
  it('creating a plan publishes its first scope: explicit EVSEs plus the chargers its selector matches', () => {
    const { plan, events } = given([create]);
    assert.deepEqual(events.map((e) => e.type), ['LaunchPlanCreated', 'ScopeChanged']);
    const scope = events[1]!;
    assert.ok(scope.type === 'ScopeChanged');
    assert.deepEqual(scope.data.chargerGroup?.chargerIds, ['CP-A1', 'CP-A2']);
    assert.deepEqual(scope.data.chargerGroup?.evseUids, ['CP-C1-1']);
    assert.deepEqual(scope.data.addedChargerIds, ['CP-A1', 'CP-A2']);
    assert.equal(scope.data.previousPhase, 0);
    assert.equal(scope.data.phase, 1);
    assert.equal(plan.phase, 1);
    assert.equal(plan.status, 'ACTIVE');
    assert.equal(plan.expansionWaves.length, 2);
    assert.deepEqual(plan.scope, { chargerIds: ['CP-A1', 'CP-A2'], evseUids: ['CP-C1-1'] });
  });

  it('refuses a plan with bad input, naming every field', () => {
    const bad = { ...create, group: {}, thresholds: { nope: '1', command_success_rate: '1.5' }, tokenFlows: [{ tokenType: 'RFID', whitelist: 'SOMETIMES', realTimeAuthorization: true }] };
    assert.throws(() => given([bad as CreatePlan]), (error: unknown) => {
      assert.ok(error instanceof LaunchRejected && error.kind === 'invalid');
      assert.ok(error.issues.some((i) => i.startsWith('group:')));
      assert.ok(error.issues.some((i) => i.startsWith('thresholds.nope:')));
      assert.ok(error.issues.some((i) => i.startsWith('thresholds.command_success_rate:')));
      assert.ok(error.issues.some((i) => i.startsWith('tokenFlows[0].whitelist:')));
      return true;
    });
    assert.throws(() => given([create, create]), rejected('conflict', /already exists/));
  });

  it('an applied EXPAND below phase 4 advances the phase and republishes the same scope', () => {
    const first = given([create]).plan;
    const { plan, events } = given([create, record(first, 'E-1', 'EXPAND'), applyDecision('E-1')]);
    assert.deepEqual(events.slice(2).map((e) => e.type), ['GateEvaluated', 'GateDecisionApplied', 'ScopeChanged']);
    const scope = events[4]!;
    assert.ok(scope.type === 'ScopeChanged');
    assert.equal(scope.data.previousPhase, 1);
    assert.equal(scope.data.phase, 2);
    assert.equal(scope.data.evaluationId, 'E-1');
    assert.deepEqual(scope.data.addedChargerIds, []);
    assert.equal(plan.phase, 2);
    assert.equal(plan.evaluations[0]!.applied, true);
    assert.throws(() => given([create, record(first, 'E-1', 'EXPAND'), applyDecision('E-1'), applyDecision('E-1')]), rejected('conflict', /already applied/));
  });

  it('an applied EXPAND in phase 4 widens the group by the next planned wave, then by a group the operator names', () => {
    const start = given([{ ...create, phase: 4 }]).plan;
    const history: LaunchCommand[] = [{ ...create, phase: 4 }, record(start, 'E-1', 'EXPAND'), applyDecision('E-1')];
    const afterWave = given(history);
    const scope = afterWave.events.at(-1)!;
    assert.ok(scope.type === 'ScopeChanged');
    assert.deepEqual(scope.data.addedChargerIds, ['CP-B1']);
    assert.equal(scope.data.expansionWave, 1);
    assert.equal(afterWave.plan.phase, 4);
    assert.equal(afterWave.plan.expansionWaves.length, 1);
    assert.deepEqual(afterWave.plan.scope.chargerIds, ['CP-A1', 'CP-A2', 'CP-B1']);

    const named = given([...history, record(afterWave.plan, 'E-2', 'EXPAND'), applyDecision('E-2', { widen: { evseUids: ['CP-X9-2'] } })]);
    assert.deepEqual(named.plan.scope.evseUids, ['CP-C1-1', 'CP-X9-2']);
    assert.equal(named.plan.expansionWaves.length, 1, 'a named group leaves the planned waves alone');

    const lastWave = given([...history, record(afterWave.plan, 'E-2', 'EXPAND'), applyDecision('E-2')]);
    assert.deepEqual(lastWave.plan.scope.chargerIds, ['CP-A1', 'CP-A2', 'CP-B1', 'CP-C1']);
    assert.throws(
      () => given([...history, record(afterWave.plan, 'E-2', 'EXPAND'), applyDecision('E-2'), record(lastWave.plan, 'E-3', 'EXPAND'), applyDecision('E-3')]),
      rejected('conflict', /no expansion wave left/),
    );
  });

  it('an applied PAUSE pauses the launch; an EXPAND waits until an operator resumes it', () => {
    const first = given([create]).plan;
    const paused = given([create, record(first, 'E-1', 'PAUSE'), applyDecision('E-1')]);
    assert.deepEqual(paused.events.slice(-2).map((e) => e.type), ['GateDecisionApplied', 'LaunchPaused']);
    assert.equal(paused.plan.status, 'PAUSED');
    assert.equal(paused.plan.pause?.rule, 'unattributed_issues');
    const history: LaunchCommand[] = [create, record(first, 'E-1', 'PAUSE'), applyDecision('E-1'), record(first, 'E-2', 'EXPAND')];
    assert.throws(() => given([...history, applyDecision('E-2')]), rejected('conflict', /paused; resume it/));
    const resumed = given([...history, { type: 'ResumeLaunch', reason: 'firmware fixed', now, by: 'ops' }, applyDecision('E-2')]);
    assert.equal(resumed.plan.status, 'ACTIVE');
    assert.equal(resumed.plan.phase, 2);
  });

  it('applies only the latest evaluation of the current phase; KEEP_NARROW changes nothing but the record', () => {
    const first = given([create]).plan;
    assert.throws(() => given([create, record(first, 'E-1', 'EXPAND'), record(first, 'E-2', 'KEEP_NARROW'), applyDecision('E-1')]), rejected('conflict', /not the latest/));
    assert.throws(() => given([create, applyDecision('E-9')]), rejected('not_found', /no evaluation E-9/));
    const narrow = given([create, record(first, 'E-1', 'KEEP_NARROW'), applyDecision('E-1')]);
    assert.deepEqual(narrow.events.slice(-1).map((e) => e.type), ['GateDecisionApplied']);
    assert.equal(narrow.plan.phase, 1);
    assert.throws(() => given([create, record(first, 'E-1', 'KEEP_NARROW'), applyDecision('E-1', { widen: { chargerIds: ['CP-C1'] } })]), rejected('conflict', /only an EXPAND widens/));
  });

  it('recording an evaluation twice under one id records it once', () => {
    const first = given([create]).plan;
    const { plan } = given([create, record(first, 'E-1', 'KEEP_NARROW'), record(first, 'E-1', 'KEEP_NARROW')]);
    assert.equal(plan.evaluations.length, 1);
  });

  it('an update merges threshold overrides and records the plan after the change; the same update again changes nothing', () => {
    const update: LaunchCommand = { type: 'UpdatePlan', thresholds: { command_success_rate: '0.97' }, evaluationWindowSeconds: 86400, reason: 'stricter', now, by: 'ops' };
    const { plan, events } = given([{ ...create, thresholds: { min_sessions: '5' } }, update]);
    assert.equal(events.at(-1)?.type, 'LaunchPlanUpdated');
    assert.deepEqual(plan.thresholds, { min_sessions: '5', command_success_rate: '0.97' });
    assert.equal(plan.evaluationWindowSeconds, 86400);
    assert.equal(launchDecider.decide(update, plan).length, 0);
    assert.throws(() => launchDecider.decide({ ...update, evaluationWindowSeconds: 10 }, plan), rejected('invalid', /evaluationWindowSeconds/));
    const reset = given([{ ...create, thresholds: { min_sessions: '5' } }, update, { type: 'UpdatePlan', thresholds: { min_sessions: null }, now, by: 'ops' }]);
    assert.deepEqual(reset.plan.thresholds, { command_success_rate: '0.97' }, 'null goes back to the default');
    assert.throws(() => launchDecider.decide(update, launchDecider.initialState()), rejected('not_found', /not found/));
  });

  it('an operator sets the scope by hand (audited), which may narrow it: the removed chargers are named', () => {
    const { plan, events } = given([create, { type: 'ChangeScope', group: { chargerIds: ['CP-A1'] }, reason: 'CP-A2 firmware faulty', chargers, now, by: 'ops' }]);
    const scope = events.at(-1)!;
    assert.ok(scope.type === 'ScopeChanged');
    assert.deepEqual([scope.data.removedChargerIds, scope.data.removedEvseUids, scope.data.replacesGroups, scope.data.reason], [['CP-A2'], ['CP-C1-1'], true, 'CP-A2 firmware faulty']);
    assert.deepEqual(plan.groups, [{ chargerIds: ['CP-A1'] }]);
    assert.deepEqual(plan.scope, { chargerIds: ['CP-A1'], evseUids: [] });
    assert.equal(plan.expansionWaves.length, 2, 'the planned waves stay');
    assert.throws(() => given([create, { type: 'ChangeScope', group: { chargerIds: ['CP-A1'] }, reason: ' ', chargers, now, by: 'ops' }]), rejected('invalid', /reason/));
    assert.equal(launchDecider.decide({ type: 'ChangeScope', group: { chargerIds: ['CP-A1'] }, reason: 'again', chargers, now, by: 'ops' }, plan).length, 0);
  });
});
