import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startNodeProcess } from '@roamgate/runtime/testing';
import type { DecisionLine } from './demo';

interface SummaryLine {
  readonly type: 'summary';
  readonly decisions: readonly string[];
  readonly evidenceDir: string;
  readonly files: readonly string[];
  readonly pid?: number;
}

describe('roamgate demo --json: a launch through its four phases, run as a user runs it', () => {
  it('prints the scenario decisions as JSON lines in order (EXPAND, PAUSE, EXPAND, KEEP_NARROW x2, EXPAND x2), applies them, and writes the evidence pack', { timeout: 240_000 }, async () => {
    const out = mkdtempSync(join(tmpdir(), 'roamgate-demo-e2e-'));
    const demo = startNodeProcess(join(__dirname, '..', 'bin', 'roamgate.js'), ['demo', '--json', '--out', out], {});
    try {
      const exit = await demo.exited;
      const output = demo.output();
      assert.deepEqual(exit, { code: 0, signal: null }, output);
      const lines = output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as DecisionLine | SummaryLine);
      const decisions = lines.filter((l): l is DecisionLine => l.type === 'decision');
      assert.deepEqual(
        decisions.map((d) => `${d.phase}:${d.decision}:${d.rule}`),
        [
          '1:EXPAND:phase_gates_hold',
          '2:PAUSE:command_failure_hard_limit',
          '2:EXPAND:phase_gates_hold',
          '3:KEEP_NARROW:exposure_outpaces_settlement',
          '3:KEEP_NARROW:exposure_outpaces_settlement',
          '3:EXPAND:phase_gates_hold',
          '4:EXPAND:phase_gates_hold',
        ],
        output,
      );
      const [, pause, , lagging, disputed, , widened] = decisions;
      assert.deepEqual(pause!.applied, ['GateDecisionApplied', 'LaunchPaused'], 'a PAUSE publishes nothing to the partner');
      assert.ok(pause!.failing.some((g) => g.gate === 'command_success_rate_per_model' && /model=X1/.test(g.group ?? '')), 'the faulty model is named');
      assert.ok(lagging!.failing.some((g) => g.gate === 'reconciliation_coverage'), 'no settlement imported yet');
      assert.ok(disputed!.failing.some((g) => g.gate === 'cdr_match_rate'), 'the pricing discrepancy shows');
      assert.ok(widened!.applied.includes('ScopeChanged'), 'the EXPAND in phase 4 widens the scope');
      assert.match(output, /the eMSP got status REMOVED for DEMO-\d{4}-1, DEMO-\d{4}-1/, 'the faulty model left the scope at the eMSP');
      assert.match(output, /the eMSP received the new EVSEs DEMO-\d{4}-1, DEMO-\d{4}-1; it now sees (DEMO-\d{4}-1(, )?){4}\n/, 'the wave reached the eMSP');
      assert.deepEqual(
        decisions.map((d) => d.phaseAfter),
        [2, 2, 3, 3, 3, 4, 4],
      );

      const summary = lines.find((l): l is SummaryLine => l.type === 'summary');
      assert.ok(summary, output);
      assert.equal(summary.evidenceDir, out);
      assert.equal(summary.pid, undefined, 'nothing left running without --keep-running');
      const html = readFileSync(join(out, 'DEMO-PILOT-evidence.html'), 'utf8');
      assert.match(html, /<svg/);
      assert.match(readFileSync(join(out, 'DEMO-PILOT-evidence.md'), 'utf8'), /^# Launch evidence pack: DEMO-PILOT/);
      for (const file of ['charger-mix.json', 'settlement-1-NL-EMS.csv', 'settlement-2-NL-EMS-corrected.csv', 'decisions.jsonl']) assert.ok(existsSync(join(out, file)), file);
      assert.deepEqual(summary.files.map((f) => f.slice(out.length + 1)).sort(), readdirSync(out).sort());
    } finally {
      await demo.stop();
      rmSync(out, { recursive: true, force: true });
    }
  });
});

