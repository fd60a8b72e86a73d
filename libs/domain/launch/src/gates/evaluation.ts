import type { GateKind, Phase } from './gate-definitions.js';
import type { LaunchMetrics } from '../metrics/metrics.js';

export type Decision = 'EXPAND' | 'PAUSE' | 'KEEP_NARROW';

/** The rules a decision can come from, in the order they are tried. */
export const DECISION_RULES = {
  unattributed_issues: 'PAUSE: issues cannot be attributed to the charger, the backend or the partner',
  command_failure_hard_limit: 'PAUSE: remote command failures passed the hard limit',
  session_failure_hard_limit: 'PAUSE: session failures passed the hard limit',
  exposure_outpaces_settlement: 'KEEP_NARROW: commercial exposure grows faster than settlement confidence',
  phase_gates_hold: "EXPAND: every gate of the phase holds",
  phase_gates_not_met: 'KEEP_NARROW: some gates of the phase do not hold yet',
} as const;

export type DecisionRule = keyof typeof DECISION_RULES;

/** One gate's value against its threshold. A value of null could not be measured (no sample) and fails. */
export interface GateResult {
  readonly gate: string;
  readonly kind: GateKind;
  readonly comparison: 'MIN' | 'MAX';
  readonly value: string | null;
  readonly threshold: string;
  readonly passed: boolean;
  readonly sampleSize: number;
  /** e.g. "vendor=Acme,model=X1,firmware=1.2" or "EUR"; absent for an overall result. */
  readonly group?: string;
  readonly detail: string;
}

export interface Evidence {
  readonly sessionIds: readonly string[];
  readonly commandIds: readonly string[];
  readonly cdrIds: readonly string[];
  readonly exceptionIds: readonly string[];
}

export interface Evaluation {
  readonly phase: Phase;
  readonly decision: Decision;
  readonly rule: DecisionRule;
  readonly summary: string;
  /** Every gate that counts for the phase, hard limits and the exposure gate included. */
  readonly gates: readonly GateResult[];
  readonly evidence: Evidence;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly metrics: LaunchMetrics;
}
