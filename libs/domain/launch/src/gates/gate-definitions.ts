import Decimal from 'decimal.js';

/** 1 scope, 2 command and session integrity, 3 CDR and tariff accuracy, 4 expand with support readiness. */
export type Phase = 1 | 2 | 3 | 4;

export const PHASE_NAMES: Readonly<Record<Phase, string>> = {
  1: 'SCOPE',
  2: 'COMMAND_AND_SESSION_INTEGRITY',
  3: 'CDR_AND_TARIFF_ACCURACY',
  4: 'EXPAND_WITH_SUPPORT_READINESS',
};

/** PHASE: must hold to EXPAND out of a phase from `fromPhase` on. HARD_LIMIT: PAUSE when it fails. EXPOSURE: KEEP_NARROW when it fails. */
export type GateKind = 'PHASE' | 'HARD_LIMIT' | 'EXPOSURE';

export interface GateDefinition {
  readonly name: string;
  readonly kind: GateKind;
  /** MIN: the value must be at least the threshold; MAX: at most. */
  readonly comparison: 'MIN' | 'MAX';
  readonly defaultThreshold: string;
  /** The first phase in which the gate is evaluated for the decision; it stays in force in later phases. */
  readonly fromPhase: Phase;
  readonly unit: GateUnit;
  readonly description: string;
}

/** share: 0..1; count: a whole number; hours; amount: in the CDRs' currency; growth: a difference of relative growths. */
export type GateUnit = 'share' | 'count' | 'hours' | 'amount' | 'growth';

/**
 * Every gate with its default threshold (docs/launch.md explains the choices). Thresholds are overridden per
 * plan by name; a value's unit is the gate's: a share 0..1, a count, hours or an amount in the CDRs' currency.
 */
export const GATES: readonly GateDefinition[] = [
  gate('plan_declarations', 'PHASE', 'MAX', '0', 1, 'count', 'declarations missing from the plan: partner, charger group, tariff owner, token flows, source of truth per object'),
  gate('chargers_identified', 'PHASE', 'MIN', '1', 1, 'share', 'share of chargers in scope whose vendor, model and firmware are known (booted at least once)'),
  gate('partner_probe', 'PHASE', 'MIN', '1', 1, 'share', "share of passed checks in the partner's latest OCPI probe"),
  gate('command_success_rate', 'PHASE', 'MIN', '0.95', 2, 'share', 'share of decided remote commands the chargers accepted'),
  gate('command_success_rate_per_model', 'PHASE', 'MIN', '0.90', 2, 'share', 'the same per vendor/model/firmware with at least min_commands_per_model commands; one result per model'),
  gate('charger_mix_coverage', 'PHASE', 'MIN', '1', 2, 'share', 'share of the vendor/model/firmware combinations in scope with at least min_commands_per_model decided commands'),
  gate('session_integrity_rate', 'PHASE', 'MIN', '0.98', 2, 'share', 'share of sessions with a complete lifecycle, pushed to and acknowledged by the partner, and a valid status flow'),
  gate('orphan_sessions', 'PHASE', 'MAX', '0', 2, 'count', 'sessions without a start, or started and still open after orphan_after_hours'),
  gate('cdr_match_rate', 'PHASE', 'MIN', '0.98', 3, 'share', "share of reconciled CDRs that matched the partner's record within the tolerances"),
  gate('reconciliation_coverage', 'PHASE', 'MIN', '0.90', 3, 'share', "share of the window's CDRs that were reconciled with the partner's records"),
  gate('amount_at_risk', 'PHASE', 'MAX', '50.00', 3, 'amount', 'sum of amounts at risk of unresolved exceptions, per currency; one result per currency'),
  gate('tariff_replay_match_rate', 'PHASE', 'MIN', '0.99', 3, 'share', 'share of replayed CDRs whose price the replay reproduced'),
  gate('partner_price_agreement', 'PHASE', 'MIN', '0.98', 3, 'share', 'share of matched CDRs without an amount or tariff disagreement with the partner'),
  gate('attributed_exception_share', 'PHASE', 'MIN', '1', 4, 'share', 'share of exceptions whose owner is charger, backend or partner (not UNKNOWN)'),
  gate('exception_median_resolution_hours', 'PHASE', 'MAX', '48', 4, 'hours', 'median hours from opening to resolving or accepting an exception'),
  gate('open_exception_max_age_hours', 'PHASE', 'MAX', '72', 4, 'hours', 'age in hours of the oldest exception still open'),
  gate('unattributed_exceptions', 'HARD_LIMIT', 'MAX', '0', 1, 'count', 'open exceptions whose owner is UNKNOWN: issues nobody can be asked to fix'),
  gate('command_failure_rate', 'HARD_LIMIT', 'MAX', '0.20', 1, 'share', 'share of decided remote commands that failed or timed out (once min_commands are decided)'),
  gate('session_failure_rate', 'HARD_LIMIT', 'MAX', '0.10', 1, 'share', 'share of sessions that failed the integrity checks (once min_sessions are counted)'),
  gate('exposure_vs_settlement_growth', 'EXPOSURE', 'MAX', '0.10', 3, 'growth', 'growth of sessions minus growth of confidently settled sessions, second half of the window against the first'),
];

/** Parameters that are not gates but shape them; overridden like thresholds. */
export const PARAMETERS: Readonly<Record<string, { readonly defaultValue: string; readonly description: string }>> = {
  min_commands: { defaultValue: '20', description: 'decided commands needed before command rates count' },
  min_commands_per_model: { defaultValue: '5', description: 'decided commands needed per vendor/model/firmware' },
  min_sessions: { defaultValue: '20', description: 'sessions needed before session rates count' },
  min_cdrs: { defaultValue: '20', description: 'CDRs needed before CDR and replay rates count' },
  orphan_after_hours: { defaultValue: '24', description: 'a session still open after this long is an orphan' },
};

/** Source-of-truth declarations a plan must make (DESIGN.md: "the source of truth for each object is written down"). */
export const REQUIRED_SOURCES_OF_TRUTH = ['LOCATIONS', 'TARIFFS', 'TOKENS', 'SESSIONS', 'CDRS'] as const;

export const DEFAULT_EVALUATION_WINDOW_SECONDS = 7 * 24 * 3600;

export const gateNamed = (name: string): GateDefinition | undefined => GATES.find((g) => g.name === name);

/** The gates that decide EXPAND out of `phase`: every PHASE gate of it and of the phases before. */
export const phaseGates = (phase: Phase): readonly GateDefinition[] => GATES.filter((g) => g.kind === 'PHASE' && g.fromPhase <= phase);

export type Thresholds = Readonly<Record<string, string>>;

/** Problems with threshold overrides, one `name: problem` line each; empty when they are all usable. */
export function thresholdIssues(overrides: Thresholds): string[] {
  const issues: string[] = [];
  for (const [name, value] of Object.entries(overrides)) {
    const known = gateNamed(name) !== undefined || Object.hasOwn(PARAMETERS, name);
    if (!known) {
      issues.push(`${name}: unknown gate or parameter; known: ${[...GATES.map((g) => g.name), ...Object.keys(PARAMETERS)].join(', ')}`);
      continue;
    }
    if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value)) issues.push(`${name}: expected a non-negative decimal as a string, got ${JSON.stringify(value)}`);
    else if (Object.hasOwn(PARAMETERS, name) && !/^\d+$/.test(value)) issues.push(`${name}: expected a whole number, got "${value}"`);
    else if (gateNamed(name)?.unit === 'share' && new Decimal(value).gt(1)) issues.push(`${name}: a share is at most 1, got "${value}"`);
    else if (gateNamed(name)?.unit === 'count' && !/^\d+$/.test(value)) issues.push(`${name}: expected a whole number, got "${value}"`);
  }
  return issues;
}

/** The threshold of a gate or the value of a parameter: the plan's override, else the default. */
export function thresholdOf(overrides: Thresholds, name: string): Decimal {
  const override = overrides[name];
  if (override !== undefined) return new Decimal(override);
  const definition = gateNamed(name);
  if (definition !== undefined) return new Decimal(definition.defaultThreshold);
  const parameter = PARAMETERS[name];
  if (parameter === undefined) throw new Error(`unknown gate or parameter ${name}`);
  return new Decimal(parameter.defaultValue);
}

function gate(name: string, kind: GateKind, comparison: 'MIN' | 'MAX', defaultThreshold: string, fromPhase: Phase, unit: GateUnit, description: string): GateDefinition {
  return { name, kind, comparison, defaultThreshold, fromPhase, unit, description };
}
