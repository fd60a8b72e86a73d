import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { LaunchFacts } from '../metrics/facts.js';
import { launchDecider, type CreatePlan } from '../plan/plan.js';
import { evaluatePlan } from './evaluate.js';
import type { Evaluation } from './evaluation.js';
import { GATES } from './gate-definitions.js';

const fixtures = path.join(__dirname, '..', '..', 'fixtures');
const readJson = <T>(dir: string, file: string): T => JSON.parse(readFileSync(path.join(fixtures, dir, file), 'utf8')) as T;

type PlanInput = Omit<CreatePlan, 'type' | 'now' | 'by' | 'chargers'>;
type ScenarioFacts = LaunchFacts & { readonly now: string; readonly description: string };

interface Expected {
  readonly decision: string;
  readonly rule: string;
  /** Every gate result of the evaluation, keyed `gate` or `gate[group]`. */
  readonly gates: Readonly<Record<string, { readonly value: string | null; readonly passed: boolean }>>;
  /** A subset of the metrics that must match exactly. */
  readonly metrics?: Readonly<Record<string, unknown>>;
  readonly evidence?: Readonly<Record<string, readonly string[]>>;
}

/** The plan as its events make it, then one evaluation of the facts at `now`. */
function runScenario(name: string): Evaluation {
  const input = readJson<PlanInput>(name, 'plan.json');
  const facts = readJson<ScenarioFacts>(name, 'facts.json');
  const now = new Date(facts.now);
  let plan = launchDecider.initialState();
  for (const event of launchDecider.decide({ type: 'CreatePlan', ...input, now, by: 'fixture', chargers: facts.chargers }, plan)) {
    plan = launchDecider.evolve(plan, event);
  }
  return evaluatePlan(plan, facts, now);
}

const gateKey = (gate: { gate: string; group?: string }): string => (gate.group === undefined ? gate.gate : `${gate.gate}[${gate.group}]`);

function assertSubset(actual: unknown, expected: unknown, at: string): void {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    assert.ok(actual !== null && typeof actual === 'object', `${at}: expected an object`);
    for (const [key, value] of Object.entries(expected)) assertSubset((actual as Record<string, unknown>)[key], value, `${at}.${key}`);
    return;
  }
  assert.deepEqual(actual, expected, at);
}

describe('gate scenarios (fixtures/<scenario>: plan.json + facts.json -> expected.json)', () => {
  const cases = readdirSync(fixtures, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const outcomes = new Map<string, Evaluation>();

  for (const name of cases) {
    it(name, () => {
      const evaluation = runScenario(name);
      outcomes.set(name, evaluation);
      const expected = readJson<Expected>(name, 'expected.json');
      assert.equal(evaluation.decision, expected.decision, evaluation.summary);
      assert.equal(evaluation.rule, expected.rule, evaluation.summary);
      const gates = Object.fromEntries(evaluation.gates.map((g) => [gateKey(g), { value: g.value, passed: g.passed }]));
      assert.deepEqual(gates, expected.gates);
      if (expected.metrics !== undefined) assertSubset(evaluation.metrics, expected.metrics, 'metrics');
      if (expected.evidence !== undefined) assertSubset(evaluation.evidence, expected.evidence, 'evidence');
    });
  }

  it('cover every decision, and every gate both holding and failing', () => {
    assert.ok(cases.length >= 12, `only ${cases.length} scenarios in ${fixtures}`);
    const all = cases.map((name) => outcomes.get(name) ?? runScenario(name));
    assert.deepEqual(new Set(all.map((e) => e.decision)), new Set(['EXPAND', 'PAUSE', 'KEEP_NARROW']));
    for (const gate of GATES) {
      const results = all.flatMap((e) => e.gates.filter((g) => g.gate === gate.name));
      assert.ok(results.some((g) => g.passed), `no scenario where ${gate.name} holds`);
      assert.ok(results.some((g) => !g.passed), `no scenario where ${gate.name} fails`);
    }
  });
});
