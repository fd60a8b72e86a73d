import { GateDecision, GateKind, timestampDate, type EventMessage, type Timestamp } from '@roamgate/contracts';
import { GATES, PARAMETERS, PHASE_NAMES, thresholdOf, type LaunchPlan } from '@roamgate/launch';

/** A plan as the API shows it: the declarations, the scope published, and every threshold in force. */
export function planView(plan: LaunchPlan) {
  return {
    planId: plan.planId,
    name: plan.name,
    partnerId: plan.partnerId,
    phase: plan.phase,
    phaseName: PHASE_NAMES[plan.phase],
    status: plan.status,
    groups: plan.groups,
    expansionWaves: plan.expansionWaves,
    scope: plan.scope,
    tariffOwner: plan.tariffOwner,
    tokenFlows: plan.tokenFlows,
    sourcesOfTruth: plan.sourcesOfTruth,
    thresholdOverrides: plan.thresholds,
    thresholds: Object.fromEntries([...GATES.map((g) => g.name), ...Object.keys(PARAMETERS)].map((name) => [name, thresholdOf(plan.thresholds, name).toString()])),
    evaluationWindowSeconds: plan.evaluationWindowSeconds,
    createdAt: plan.createdAt,
    createdBy: plan.createdBy,
    updatedAt: plan.updatedAt,
    pause: plan.pause ?? null,
    evaluations: plan.evaluations.length,
    lastEvaluation: plan.evaluations.at(-1) ?? null,
  };
}

export type PlanView = ReturnType<typeof planView>;

/** One evaluation as the API shows it, from its GateEvaluated event and whether its decision was applied. */
export function evaluationView(event: EventMessage<'GateEvaluated'>, applied: boolean) {
  return {
    evaluationId: event.evaluationId,
    planId: event.planId,
    at: iso(event.occurredAt),
    phase: event.phase,
    phaseName: PHASE_NAMES[event.phase as 1 | 2 | 3 | 4] ?? 'UNSPECIFIED',
    decision: GateDecision[event.decision] ?? 'UNSPECIFIED',
    rule: event.rule,
    summary: event.summary,
    applied,
    trigger: event.trigger === 2 ? 'SCHEDULE' : 'ON_DEMAND',
    evaluatedBy: event.evaluatedBy,
    window: { start: iso(event.windowStart), end: iso(event.windowEnd) },
    gates: event.gates.map((g) => ({
      gate: g.gate,
      kind: g.kind === GateKind.PHASE_GATE ? 'PHASE' : (GateKind[g.kind] ?? 'UNSPECIFIED'),
      comparison: g.comparison,
      value: g.value === '' ? null : g.value,
      threshold: g.threshold,
      passed: g.passed,
      sampleSize: g.sampleSize,
      group: g.group || null,
      detail: g.detail,
    })),
    evidence: {
      sessionIds: [...(event.evidence?.sessionIds ?? [])],
      commandIds: [...(event.evidence?.commandIds ?? [])],
      cdrIds: [...(event.evidence?.cdrIds ?? [])],
      exceptionIds: [...(event.evidence?.exceptionIds ?? [])],
    },
    metrics: event.metricsJson ? (JSON.parse(event.metricsJson) as Record<string, unknown>) : null,
  };
}

export type EvaluationView = ReturnType<typeof evaluationView>;

const iso = (t: Timestamp | undefined): string | null => (t === undefined ? null : timestampDate(t).toISOString());
