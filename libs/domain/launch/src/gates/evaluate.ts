import Decimal from 'decimal.js';
import type { LaunchFacts } from '../metrics/facts.js';
import { computeMetrics, type LaunchMetrics, type MeasuredPlan } from '../metrics/metrics.js';
import { DECISION_RULES, type Decision, type DecisionRule, type Evaluation, type GateResult } from './evaluation.js';
import { GATES, PHASE_NAMES, thresholdOf, type GateDefinition, type Phase, type Thresholds } from './gate-definitions.js';

export interface EvaluatedPlan extends MeasuredPlan {
  readonly phase: Phase;
}

/** Measures a plan's window and decides: PAUSE on a failed hard limit, KEEP_NARROW on exposure, EXPAND when the phase's gates hold. */
export function evaluatePlan(plan: EvaluatedPlan, facts: LaunchFacts, now: Date): Evaluation {
  const metrics = computeMetrics(plan, facts, now);
  return decide(plan.phase, plan.thresholds, metrics);
}

/** The decision from measured metrics; the gates reported are those that count in the phase. */
export function decide(phase: Phase, thresholds: Thresholds, metrics: LaunchMetrics): Evaluation {
  const counted = GATES.filter((g) => g.kind === 'HARD_LIMIT' || g.fromPhase <= phase);
  const gates = counted.flatMap((definition) => measure(definition, thresholds, metrics));
  const failing = (kind: GateDefinition['kind']): GateResult[] => gates.filter((g) => g.kind === kind && !g.passed);
  const hardLimit = failing('HARD_LIMIT')[0];
  let decision: Decision;
  let rule: DecisionRule;
  if (hardLimit !== undefined) {
    decision = 'PAUSE';
    rule = hardLimit.gate === 'unattributed_exceptions' ? 'unattributed_issues' : hardLimit.gate === 'command_failure_rate' ? 'command_failure_hard_limit' : 'session_failure_hard_limit';
  } else if (failing('EXPOSURE').length > 0) {
    decision = 'KEEP_NARROW';
    rule = 'exposure_outpaces_settlement';
  } else if (failing('PHASE').length === 0) {
    decision = 'EXPAND';
    rule = 'phase_gates_hold';
  } else {
    decision = 'KEEP_NARROW';
    rule = 'phase_gates_not_met';
  }
  return {
    phase,
    decision,
    rule,
    summary: summaryOf(phase, decision, rule, gates),
    gates,
    evidence: evidenceOf(decision, metrics),
    windowStart: metrics.window.start,
    windowEnd: metrics.window.end,
    metrics,
  };
}

interface Measurement {
  readonly value: string | null;
  readonly sampleSize: number;
  readonly group?: string;
  /** Why the gate cannot pass whatever the value, e.g. a sample below the minimum. */
  readonly insufficient?: string;
  /** Why a hard limit holds whatever the value, e.g. a sample too small to pause on. */
  readonly notApplied?: string;
  readonly detail?: string;
}

function measure(definition: GateDefinition, thresholds: Thresholds, m: LaunchMetrics): GateResult[] {
  const min = (name: string): number => thresholdOf(thresholds, name).toNumber();
  const sampled = (value: string | null, size: number, minimum: number, what: string, detail?: string): Measurement => ({
    value,
    sampleSize: size,
    ...(size < minimum ? { insufficient: `${size} ${what}, below the minimum sample of ${minimum}` } : {}),
    ...(detail === undefined ? {} : { detail }),
  });
  const measurements = ((): Measurement[] => {
    switch (definition.name) {
      case 'plan_declarations':
        return [{ value: String(m.declarations.missing.length), sampleSize: 1, detail: m.declarations.missing.length ? `missing: ${m.declarations.missing.join(', ')}` : 'all declared' }];
      case 'chargers_identified':
        return [sampled(m.chargers.identifiedShare, m.chargers.inScope, 1, 'chargers in scope', m.chargers.unidentified.length ? `not booted yet: ${m.chargers.unidentified.join(', ')}` : undefined)];
      case 'partner_probe':
        return [
          m.probe.probedAt === null && thresholdOf(thresholds, 'partner_probe').isZero()
            ? { value: null, sampleSize: 0, notApplied: 'not required: the threshold is 0 and no probe is recorded' }
            : m.probe.probedAt === null
            ? { value: null, sampleSize: 0, insufficient: 'the partner was not probed yet (roamgate partners probe); a threshold of 0 waives the probe' }
            : sampled(m.probe.passRate, m.probe.checks, 1, 'checks', m.probe.failedChecks.length ? `failed: ${m.probe.failedChecks.join(', ')}` : undefined),
        ];
      case 'command_success_rate':
        return [sampled(m.commands.successRate, m.commands.decided, min('min_commands'), 'decided commands')];
      case 'command_success_rate_per_model': {
        const perModel = min('min_commands_per_model');
        const sampledModels = m.commands.byModel.filter((g) => g.decided >= perModel);
        if (sampledModels.length === 0) return [{ value: null, sampleSize: 0, insufficient: `no vendor/model/firmware has ${perModel} decided commands yet` }];
        return sampledModels.map((g) => ({ value: g.successRate, sampleSize: g.decided, group: g.group }));
      }
      case 'charger_mix_coverage': {
        const missing = m.commands.modelsInScope.filter((g) => !m.commands.modelsCovered.includes(g));
        return [sampled(m.commands.coverage, m.commands.modelsInScope.length, 1, 'models in scope', missing.length ? `below ${min('min_commands_per_model')} commands: ${missing.join('; ')}` : undefined)];
      }
      case 'session_integrity_rate':
        return [
          sampled(
            m.sessions.integrityRate,
            m.sessions.counted,
            min('min_sessions'),
            'sessions',
            `${m.sessions.incomplete} incomplete, ${m.sessions.notAcknowledged} not acknowledged by the partner, ${m.sessions.withFlowViolations} with status flow violations`,
          ),
        ];
      case 'orphan_sessions':
        return [{ value: String(m.sessions.orphans), sampleSize: m.sessions.total }];
      case 'cdr_match_rate':
        return [sampled(m.cdrs.matchRate, m.cdrs.reconciled, min('min_cdrs'), 'reconciled CDRs')];
      case 'reconciliation_coverage':
        return [sampled(m.cdrs.coverage, m.cdrs.issued, min('min_cdrs'), 'CDRs', `${m.cdrs.reconciled} of ${m.cdrs.issued} CDRs reconciled`)];
      case 'amount_at_risk': {
        const entries = Object.entries(m.exceptions.amountAtRisk);
        if (entries.length === 0) return [{ value: '0.00', sampleSize: m.exceptions.open, detail: 'no unresolved exception states an amount' }];
        return entries.map(([currency, amount]) => ({ value: amount, sampleSize: m.exceptions.open, group: currency }));
      }
      case 'tariff_replay_match_rate':
        return [sampled(m.cdrs.replayMatchRate, m.cdrs.replayed, min('min_cdrs'), 'replayed CDRs')];
      case 'partner_price_agreement':
        return [sampled(m.cdrs.priceAgreement, m.cdrs.matched, min('min_cdrs'), 'matched CDRs')];
      case 'attributed_exception_share':
        return [{ value: m.exceptions.attributedShare ?? '1.0000', sampleSize: m.exceptions.total, detail: `owners: ${ownersText(m.exceptions.byOwner)}` }];
      case 'exception_median_resolution_hours':
        if (m.exceptions.medianResolutionHours === null && m.exceptions.open > 0) {
          return [{ value: null, sampleSize: 0, insufficient: `${m.exceptions.open} exceptions open and none resolved in the window` }];
        }
        return [{ value: m.exceptions.medianResolutionHours ?? '0.00', sampleSize: m.exceptions.closed }];
      case 'open_exception_max_age_hours':
        return [{ value: m.exceptions.maxOpenAgeHours ?? '0.00', sampleSize: m.exceptions.open }];
      case 'unattributed_exceptions':
        return [{ value: String(m.exceptions.openUnknownOwner), sampleSize: m.exceptions.total }];
      case 'command_failure_rate':
        return [limitOnce(m.commands.failureRate, m.commands.decided, min('min_commands'), 'decided commands')];
      case 'session_failure_rate':
        return [limitOnce(m.sessions.failureRate, m.sessions.counted, min('min_sessions'), 'sessions')];
      case 'exposure_vs_settlement_growth': {
        const [first, second] = m.exposure.halves;
        return [
          {
            value: m.exposure.gap,
            sampleSize: (first?.sessions ?? 0) + (second?.sessions ?? 0),
            detail: `sessions ${first?.sessions ?? 0} -> ${second?.sessions ?? 0} (growth ${m.exposure.exposureGrowth}), settled ${first?.settled ?? 0} -> ${second?.settled ?? 0} (growth ${m.exposure.settlementGrowth})`,
          },
        ];
      }
      default:
        throw new Error(`gate ${definition.name} has no measurement`);
    }
  })();
  const threshold = thresholdOf(thresholds, definition.name);
  return measurements.map((x) => {
    const holds = x.value !== null && (definition.comparison === 'MIN' ? new Decimal(x.value).gte(threshold) : new Decimal(x.value).lte(threshold));
    const passed = x.notApplied !== undefined || (x.insufficient === undefined && holds);
    const comparison = `${x.value ?? 'n/a'} ${definition.comparison === 'MIN' ? '>=' : '<='} ${threshold.toString()}`;
    return {
      gate: definition.name,
      kind: definition.kind,
      comparison: definition.comparison,
      value: x.value,
      threshold: threshold.toString(),
      passed,
      sampleSize: x.sampleSize,
      ...(x.group === undefined ? {} : { group: x.group }),
      detail: [x.notApplied ?? x.insufficient ?? (holds ? `holds: ${comparison}` : `fails: ${comparison} does not hold`), x.detail].filter(Boolean).join('; '),
    };
  });
}

/** A hard limit only fires on a sample large enough to mean something; below it, it holds. */
function limitOnce(value: string | null, size: number, minimum: number, what: string): Measurement {
  if (size < minimum) return { value, sampleSize: size, notApplied: `not applied: ${size} ${what}, below the minimum sample of ${minimum}` };
  return { value, sampleSize: size };
}

function evidenceOf(decision: Decision, m: LaunchMetrics): Evaluation['evidence'] {
  return {
    sessionIds: m.sessions.failedSessionIds,
    commandIds: m.commands.failedCommandIds,
    cdrIds: m.cdrs.problemCdrIds,
    exceptionIds: decision === 'PAUSE' && m.exceptions.unknownOwnerIds.length > 0 ? m.exceptions.unknownOwnerIds : m.exceptions.openIds,
  };
}

function summaryOf(phase: Phase, decision: Decision, rule: DecisionRule, gates: readonly GateResult[]): string {
  const failed = gates.filter((g) => !g.passed).map((g) => (g.group ? `${g.gate}[${g.group}]` : g.gate));
  const head = `${decision} in phase ${phase} (${PHASE_NAMES[phase]}): ${DECISION_RULES[rule].replace(/^[A-Z_]+: /, '')}`;
  return failed.length === 0 ? head : `${head}; failing: ${failed.join(', ')}`;
}

const ownersText = (byOwner: Readonly<Record<string, number>>): string =>
  Object.keys(byOwner).length === 0 ? 'no exceptions' : Object.entries(byOwner).sort(([a], [b]) => a.localeCompare(b)).map(([owner, n]) => `${owner} ${n}`).join(', ');
