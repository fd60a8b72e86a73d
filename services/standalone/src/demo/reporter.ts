/** A gate result as the launch API shows it in an evaluation. */
export interface GateView {
  readonly gate: string;
  readonly kind: string;
  readonly value: string | null;
  readonly threshold: string;
  readonly passed: boolean;
  readonly group: string | null;
  readonly detail: string;
}

export interface EvaluationView {
  readonly evaluationId: string;
  readonly phase: number;
  readonly phaseName: string;
  readonly decision: 'EXPAND' | 'PAUSE' | 'KEEP_NARROW';
  readonly rule: string;
  readonly summary: string;
  readonly gates: readonly GateView[];
  readonly evidence: Readonly<Record<string, readonly string[]>>;
  readonly metrics: DemoMetrics;
}

/** The parts of the evaluation metrics the demo reads to know the gate evaluator has seen what it did. */
export interface DemoMetrics {
  readonly chargers: { readonly inScope: number; readonly identified: number };
  readonly probe: { readonly probedAt: string | null };
  readonly commands: { readonly decided: number; readonly pending: number; readonly byModel: readonly { group: string; decided: number; succeeded: number; successRate: string | null }[] };
  readonly sessions: { readonly counted: number; readonly notAcknowledged: number };
  readonly cdrs: { readonly issued: number; readonly replayed: number; readonly reconciled: number; readonly matchedClean: number };
  readonly exceptions: { readonly total: number; readonly open: number };
}

/** One decision line: what `--json` prints, one JSON object per line. */
export interface DecisionLine {
  readonly type: 'decision';
  readonly step: number;
  readonly elapsedMs: number;
  readonly planId: string;
  readonly evaluationId: string;
  readonly phase: number;
  readonly phaseName: string;
  readonly decision: string;
  readonly rule: string;
  readonly summary: string;
  readonly failing: readonly { gate: string; group: string | null; value: string | null; threshold: string; detail: string }[];
  /** The events applying it appended (GateDecisionApplied, LaunchPaused, ScopeChanged ...); empty when not applied. */
  readonly applied: readonly string[];
  /** The phase after applying it. */
  readonly phaseAfter: number;
  /** Evaluations made before the gate evaluator had caught up with the demo's traffic (recorded, then made again). */
  readonly earlyEvaluations: number;
}

/** Text for people on stdout; with --json, decision lines (and a final summary line) on stdout and the story on stderr. */
export class Reporter {
  constructor(
    private readonly json: boolean,
    private readonly out: (text: string) => void,
    private readonly err: (text: string) => void,
    private readonly startedAt: number,
  ) {}

  elapsed(): number {
    return Date.now() - this.startedAt;
  }

  note(text: string): void {
    const line = `[${(this.elapsed() / 1000).toFixed(1).padStart(5)}s] ${text}`;
    if (this.json) this.err(line);
    else this.out(line);
  }

  decision(line: DecisionLine): void {
    if (this.json) return this.out(JSON.stringify(line));
    this.out('');
    this.out(`  ==> ${line.decision} in phase ${line.phase} (${line.phaseName}), rule ${line.rule}`);
    this.out(`      ${line.summary}`);
    for (const g of line.failing) this.out(`      - ${g.gate}${g.group ? `[${g.group}]` : ''}: ${g.detail}`);
    this.out(`      applied: ${line.applied.length ? line.applied.join(', ') : 'nothing'}; the plan is in phase ${line.phaseAfter}`);
    if (line.earlyEvaluations > 0) this.out(`      (${line.earlyEvaluations} evaluation(s) before this one had not seen every fact yet: recorded, not applied)`);
    this.out('');
  }

  summary(value: Record<string, unknown>): void {
    if (this.json) this.out(JSON.stringify({ type: 'summary', ...value }));
  }
}
