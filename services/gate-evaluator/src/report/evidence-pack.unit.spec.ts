import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluatePlan, launchDecider, noFacts, type LaunchCommand, type LaunchEvent, type LaunchPlan } from '@roamgate/launch';
import { evaluationView, planView } from '../plans/views';
import { renderEvidencePack } from './evidence-pack';

const now = new Date('2026-03-08T12:00:00Z');

function history(): { plan: LaunchPlan; events: LaunchEvent[] } {
  let plan = launchDecider.initialState();
  const events: LaunchEvent[] = [];
  const run = (command: LaunchCommand): void => {
    for (const event of launchDecider.decide(command, plan)) {
      events.push(event);
      plan = launchDecider.evolve(plan, event);
    }
  };
  run({
    type: 'CreatePlan',
    planId: 'L-1',
    name: '<script>alert(1)</script> pilot',
    partnerId: 'NL-EMS',
    group: { chargerIds: ['CP-1'] },
    chargers: [{ chargerId: 'CP-1', vendor: 'Alfa', model: 'AC22', firmware: '1.4' }],
    now,
    by: 'test',
  });
  run({ type: 'RecordEvaluation', evaluationId: 'E-1', evaluation: evaluatePlan(plan, noFacts(), now), trigger: 'ON_DEMAND', now, by: 'test' });
  run({ type: 'RecordEvaluation', evaluationId: 'E-2', evaluation: { ...evaluatePlan(plan, noFacts(), now), decision: 'EXPAND', rule: 'phase_gates_hold' }, trigger: 'SCHEDULE', now: new Date(now.getTime() + 3600_000), by: 'schedule' });
  run({ type: 'ApplyDecision', evaluationId: 'E-2', chargers: [], now, by: 'test' });
  return { plan, events };
}

describe('evidence pack', () => {
  const { plan, events } = history();
  const evaluations = events.flatMap((e) => (e.type === 'GateEvaluated' ? [evaluationView(e.data, e.data.evaluationId === 'E-2')] : []));
  const pack = renderEvidencePack(planView(plan), evaluations, now);

  it('is one self-contained HTML file with inline SVG charts and escaped text', () => {
    assert.match(pack.html, /^<!doctype html>/);
    assert.ok((pack.html.match(/<svg /g) ?? []).length >= 3, 'gate bars, decisions and trend charts');
    assert.doesNotMatch(pack.html, /<(script|link|img)\b|src=|href=/i, 'nothing is fetched or run');
    assert.match(pack.html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; pilot/);
    assert.match(pack.html, /class="decision"[^>]*>EXPAND</);
  });

  it('has the same content as Markdown: declarations, every gate of the latest evaluation, the decisions and the sign-off', () => {
    assert.match(pack.markdown, /^# Launch evidence pack: L-1/);
    assert.match(pack.markdown, /\*\*EXPAND\*\* \(phase_gates_hold\), applied/);
    for (const gate of evaluations.at(-1)!.gates) assert.ok(pack.markdown.includes(`| ${gate.gate} |`), gate.gate);
    assert.match(pack.markdown, /\| .* \| E-1 \| 1 \| KEEP_NARROW \| phase_gates_not_met \| no \|/);
    assert.match(pack.markdown, /\| Finance \| {2}\| {2}\| {2}\|/);
  });
});
