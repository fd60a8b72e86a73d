import Decimal from 'decimal.js';
import { REQUIRED_SOURCES_OF_TRUTH, thresholdOf, type Thresholds } from '../gates/gate-definitions.js';
import { chargersOfScope, type Scope } from '../plan/charger-group.js';
import type { ChargerFact, CommandFact, ExceptionFact, LaunchFacts, SessionFact } from './facts.js';

/** What of a plan the metrics need. */
export interface MeasuredPlan {
  readonly partnerId: string;
  readonly scope: Scope;
  readonly thresholds: Thresholds;
  readonly evaluationWindowSeconds: number;
  readonly tariffOwner: string;
  readonly tokenFlows: readonly unknown[];
  readonly sourcesOfTruth: readonly { readonly object: string }[];
}

/** A share as a decimal string with 4 decimals; null when there is nothing to divide. */
export type Rate = string | null;

export interface ModelCommands {
  readonly group: string;
  readonly chargers: number;
  readonly decided: number;
  readonly succeeded: number;
  readonly successRate: Rate;
}

export interface LaunchMetrics {
  readonly window: { readonly start: string; readonly end: string };
  readonly declarations: { readonly missing: readonly string[] };
  readonly chargers: { readonly inScope: number; readonly identified: number; readonly unidentified: readonly string[]; readonly identifiedShare: Rate };
  readonly probe: { readonly probedAt: string | null; readonly checks: number; readonly passed: number; readonly failedChecks: readonly string[]; readonly passRate: Rate };
  readonly commands: {
    readonly total: number;
    readonly decided: number;
    readonly succeeded: number;
    readonly failed: number;
    readonly timedOut: number;
    readonly pending: number;
    readonly successRate: Rate;
    readonly failureRate: Rate;
    readonly byModel: readonly ModelCommands[];
    readonly modelsInScope: readonly string[];
    readonly modelsCovered: readonly string[];
    readonly coverage: Rate;
    readonly failedCommandIds: readonly string[];
  };
  readonly sessions: {
    readonly total: number;
    readonly counted: number;
    readonly inProgress: number;
    readonly intact: number;
    readonly incomplete: number;
    readonly notAcknowledged: number;
    readonly withFlowViolations: number;
    readonly orphans: number;
    readonly integrityRate: Rate;
    readonly failureRate: Rate;
    readonly failedSessionIds: readonly string[];
  };
  readonly cdrs: {
    readonly issued: number;
    readonly reconciled: number;
    readonly matchedClean: number;
    readonly matchRate: Rate;
    readonly coverage: Rate;
    readonly replayed: number;
    readonly replayMatches: number;
    readonly replayMatchRate: Rate;
    readonly matched: number;
    readonly priceAgreeing: number;
    readonly priceAgreement: Rate;
    readonly problemCdrIds: readonly string[];
  };
  readonly exceptions: {
    readonly total: number;
    readonly open: number;
    readonly byOwner: Readonly<Record<string, number>>;
    readonly unknownOwner: number;
    readonly openUnknownOwner: number;
    readonly attributedShare: Rate;
    readonly closed: number;
    readonly medianResolutionHours: string | null;
    readonly maxOpenAgeHours: string | null;
    /** Per currency, decimal with 2 decimals: amounts at risk of unresolved exceptions. */
    readonly amountAtRisk: Readonly<Record<string, string>>;
    readonly unknownOwnerIds: readonly string[];
    readonly openIds: readonly string[];
  };
  readonly exposure: {
    readonly halves: readonly { readonly from: string; readonly to: string; readonly sessions: number; readonly settled: number }[];
    readonly exposureGrowth: string;
    readonly settlementGrowth: string;
    readonly gap: string;
  };
}

const PRICE_EXCEPTION_TYPES = ['AMOUNT_MISMATCH', 'TARIFF_MISMATCH', 'CURRENCY_MISMATCH'];
const EVIDENCE_SAMPLE = 10;
const HOUR_MS = 3_600_000;

/** The launch metrics of a plan over its evaluation window ending at `now`, from facts only. */
export function computeMetrics(plan: MeasuredPlan, facts: LaunchFacts, now: Date): LaunchMetrics {
  const end = now.getTime();
  const start = end - plan.evaluationWindowSeconds * 1000;
  const inWindow = (iso: string | undefined): boolean => {
    if (iso === undefined) return false;
    const t = Date.parse(iso);
    return t >= start && t <= end;
  };
  const scopeChargers = chargersOfScope(plan.scope);
  const chargerById = new Map(facts.chargers.map((c) => [c.chargerId, c]));
  const forPartner = (partnerId: string | undefined): boolean => partnerId === undefined || partnerId === '' || partnerId === plan.partnerId;

  const commands = facts.commands.filter((c) => scopeChargers.has(c.chargerId) && forPartner(c.partnerId) && inWindow(c.requestedAt));
  const sessions = facts.sessions.filter((s) => scopeChargers.has(s.chargerId) && s.partnerId === plan.partnerId && inWindow(s.startedAt ?? s.stoppedAt));
  const cdrChargers = new Map(facts.cdrs.map((c) => [c.cdrId, c.chargerId]));
  const cdrs = facts.cdrs.filter((c) => scopeChargers.has(c.chargerId) && c.partnerId === plan.partnerId && inWindow(c.sessionStart ?? c.issuedAt));
  const exceptions = facts.exceptions.filter((x) => {
    if (x.partnerId !== undefined && x.partnerId !== plan.partnerId) return false;
    const charger = x.chargerId ?? (x.cdrId === undefined ? undefined : cdrChargers.get(x.cdrId));
    if (charger !== undefined && !scopeChargers.has(charger)) return false;
    return inWindow(x.openedAt) || isOpen(x);
  });

  return {
    window: { start: new Date(start).toISOString(), end: now.toISOString() },
    declarations: { missing: missingDeclarations(plan) },
    chargers: chargerMetrics(scopeChargers, chargerById),
    probe: probeMetrics(plan.partnerId, facts, end),
    commands: commandMetrics(commands, scopeChargers, chargerById, plan.thresholds),
    sessions: sessionMetrics(sessions, end, plan.thresholds),
    cdrs: cdrMetrics(cdrs, facts, exceptions),
    exceptions: exceptionMetrics(exceptions, start, end),
    exposure: exposureMetrics(sessions, facts, start, end),
  };
}

function missingDeclarations(plan: MeasuredPlan): string[] {
  const missing: string[] = [];
  if (plan.partnerId === '') missing.push('partner');
  if (plan.scope.chargerIds.length === 0 && plan.scope.evseUids.length === 0) missing.push('charger group (it resolves to no charger)');
  if (plan.tariffOwner === 'UNSPECIFIED' || plan.tariffOwner === '') missing.push('tariff owner');
  if (plan.tokenFlows.length === 0) missing.push('token flows');
  const declared = new Set(plan.sourcesOfTruth.map((s) => s.object.toUpperCase()));
  for (const object of REQUIRED_SOURCES_OF_TRUTH) if (!declared.has(object)) missing.push(`source of truth for ${object}`);
  return missing;
}

export const modelKey = (charger: ChargerFact | undefined): string =>
  `vendor=${charger?.vendor || '?'},model=${charger?.model || '?'},firmware=${charger?.firmware || '?'}`;

const identified = (charger: ChargerFact | undefined): boolean => Boolean(charger?.vendor && charger.model && charger.firmware);

function chargerMetrics(scope: ReadonlySet<string>, chargers: ReadonlyMap<string, ChargerFact>): LaunchMetrics['chargers'] {
  const ids = [...scope].sort();
  const unidentified = ids.filter((id) => !identified(chargers.get(id)));
  return { inScope: ids.length, identified: ids.length - unidentified.length, unidentified, identifiedShare: rate(ids.length - unidentified.length, ids.length) };
}

function probeMetrics(partnerId: string, facts: LaunchFacts, end: number): LaunchMetrics['probe'] {
  const latest = facts.probes
    .filter((p) => p.partnerId === partnerId && Date.parse(p.probedAt) <= end)
    .sort((a, b) => Date.parse(a.probedAt) - Date.parse(b.probedAt))
    .at(-1);
  if (latest === undefined) return { probedAt: null, checks: 0, passed: 0, failedChecks: [], passRate: null };
  const passed = latest.findings.filter((f) => f.passed).length;
  return {
    probedAt: latest.probedAt,
    checks: latest.findings.length,
    passed,
    failedChecks: latest.findings.filter((f) => !f.passed).map((f) => f.check),
    passRate: rate(passed, latest.findings.length),
  };
}

function commandMetrics(commands: readonly CommandFact[], scope: ReadonlySet<string>, chargers: ReadonlyMap<string, ChargerFact>, thresholds: Thresholds): LaunchMetrics['commands'] {
  const decided = commands.filter((c) => c.outcome !== 'PENDING');
  const succeeded = decided.filter((c) => c.outcome === 'SUCCEEDED').length;
  const failed = decided.filter((c) => c.outcome === 'FAILED').length;
  const timedOut = decided.filter((c) => c.outcome === 'TIMED_OUT').length;
  const minPerModel = thresholdOf(thresholds, 'min_commands_per_model').toNumber();
  const chargersPerModel = new Map<string, number>();
  for (const id of scope) chargersPerModel.set(modelKey(chargers.get(id)), (chargersPerModel.get(modelKey(chargers.get(id))) ?? 0) + 1);
  const byModel = [...chargersPerModel.keys()].sort().map((group): ModelCommands => {
    const own = decided.filter((c) => modelKey(chargers.get(c.chargerId)) === group);
    const ok = own.filter((c) => c.outcome === 'SUCCEEDED').length;
    return { group, chargers: chargersPerModel.get(group) ?? 0, decided: own.length, succeeded: ok, successRate: rate(ok, own.length) };
  });
  const modelsCovered = byModel.filter((m) => m.decided >= minPerModel).map((m) => m.group);
  return {
    total: commands.length,
    decided: decided.length,
    succeeded,
    failed,
    timedOut,
    pending: commands.length - decided.length,
    successRate: rate(succeeded, decided.length),
    failureRate: rate(failed + timedOut, decided.length),
    byModel,
    modelsInScope: byModel.map((m) => m.group),
    modelsCovered,
    coverage: rate(modelsCovered.length, byModel.length),
    failedCommandIds: sample(decided.filter((c) => c.outcome !== 'SUCCEEDED').map((c) => c.commandId)),
  };
}

function sessionMetrics(sessions: readonly SessionFact[], end: number, thresholds: Thresholds): LaunchMetrics['sessions'] {
  const orphanAfterMs = thresholdOf(thresholds, 'orphan_after_hours').toNumber() * HOUR_MS;
  let inProgress = 0;
  let intact = 0;
  let incomplete = 0;
  let notAcknowledged = 0;
  let withFlowViolations = 0;
  let orphans = 0;
  const failed: string[] = [];
  for (const s of sessions) {
    const orphan = s.startedAt === undefined || (s.stoppedAt === undefined && end - Date.parse(s.startedAt) > orphanAfterMs);
    if (!orphan && s.stoppedAt === undefined) {
      inProgress += 1;
      continue;
    }
    const acknowledged = s.push === 'ACKNOWLEDGED';
    const violations = (s.flowViolations?.length ?? 0) > 0;
    if (orphan) orphans += 1;
    if (s.startedAt === undefined || s.stoppedAt === undefined) incomplete += 1;
    if (!acknowledged) notAcknowledged += 1;
    if (violations) withFlowViolations += 1;
    if (!orphan && acknowledged && !violations) intact += 1;
    else failed.push(s.sessionId);
  }
  const counted = sessions.length - inProgress;
  return {
    total: sessions.length,
    counted,
    inProgress,
    intact,
    incomplete,
    notAcknowledged,
    withFlowViolations,
    orphans,
    integrityRate: rate(intact, counted),
    failureRate: rate(counted - intact, counted),
    failedSessionIds: sample(failed),
  };
}

function cdrMetrics(cdrs: LaunchFacts['cdrs'], facts: LaunchFacts, exceptions: readonly ExceptionFact[]): LaunchMetrics['cdrs'] {
  const reconciliation = latestReconciliations(facts);
  const reconciled = cdrs.filter((c) => reconciliation.has(c.cdrId));
  const clean = reconciled.filter((c) => reconciliation.get(c.cdrId)!.outcome === 'MATCHED' && reconciliation.get(c.cdrId)!.clean);
  const matched = reconciled.filter((c) => reconciliation.get(c.cdrId)!.outcome === 'MATCHED');
  const priceDisputed = new Set(exceptions.filter((x) => x.cdrId !== undefined && PRICE_EXCEPTION_TYPES.includes(x.type)).map((x) => x.cdrId!));
  const agreeing = matched.filter((c) => !priceDisputed.has(c.cdrId));
  const replayed = cdrs.filter((c) => c.replay !== undefined);
  const replayMatches = replayed.filter((c) => c.replay === 'MATCHES');
  const cleanIds = new Set(clean.map((c) => c.cdrId));
  const problems = cdrs.filter((c) => c.replay === 'DIFFERS' || (reconciliation.has(c.cdrId) && !cleanIds.has(c.cdrId)) || priceDisputed.has(c.cdrId));
  return {
    issued: cdrs.length,
    reconciled: reconciled.length,
    matchedClean: clean.length,
    matchRate: rate(clean.length, reconciled.length),
    coverage: rate(reconciled.length, cdrs.length),
    replayed: replayed.length,
    replayMatches: replayMatches.length,
    replayMatchRate: rate(replayMatches.length, replayed.length),
    matched: matched.length,
    priceAgreeing: agreeing.length,
    priceAgreement: rate(agreeing.length, matched.length),
    problemCdrIds: sample(problems.map((c) => c.cdrId)),
  };
}

function exceptionMetrics(exceptions: readonly ExceptionFact[], start: number, end: number): LaunchMetrics['exceptions'] {
  const byOwner: Record<string, number> = {};
  for (const x of exceptions) byOwner[x.owner] = (byOwner[x.owner] ?? 0) + 1;
  const open = exceptions.filter(isOpen);
  const unknown = exceptions.filter((x) => x.owner === 'UNKNOWN');
  const openUnknown = open.filter((x) => x.owner === 'UNKNOWN');
  const closed = exceptions.filter((x) => !isOpen(x) && x.closedAt !== undefined && Date.parse(x.closedAt) >= start && Date.parse(x.closedAt) <= end);
  const resolutionHours = closed.map((x) => new Decimal(Date.parse(x.closedAt!) - Date.parse(x.openedAt)).div(HOUR_MS)).sort((a, b) => a.comparedTo(b));
  const ages = open.map((x) => new Decimal(end - Date.parse(x.openedAt)).div(HOUR_MS));
  const atRisk: Record<string, Decimal> = {};
  for (const x of open) {
    if (x.amountAtRisk === undefined || x.amountAtRisk === '') continue;
    const currency = x.currency || '?';
    atRisk[currency] = (atRisk[currency] ?? new Decimal(0)).plus(new Decimal(x.amountAtRisk).abs());
  }
  return {
    total: exceptions.length,
    open: open.length,
    byOwner,
    unknownOwner: unknown.length,
    openUnknownOwner: openUnknown.length,
    attributedShare: rate(exceptions.length - unknown.length, exceptions.length),
    closed: closed.length,
    medianResolutionHours: resolutionHours.length === 0 ? null : median(resolutionHours).toFixed(2),
    maxOpenAgeHours: ages.length === 0 ? null : Decimal.max(...ages).toFixed(2),
    amountAtRisk: Object.fromEntries(Object.entries(atRisk).sort(([a], [b]) => a.localeCompare(b)).map(([currency, amount]) => [currency, amount.toFixed(2)])),
    unknownOwnerIds: sample([...openUnknown, ...unknown.filter((x) => !isOpen(x))].map((x) => x.exceptionId)),
    openIds: sample(open.map((x) => x.exceptionId)),
  };
}

/**
 * Exposure: the plan's sessions per half of the window. Settled: those whose CDR matched the partner's record
 * cleanly. Growth of each is (second - first) / max(first, 1); the gap is exposure growth minus settlement growth.
 */
function exposureMetrics(sessions: readonly SessionFact[], facts: LaunchFacts, start: number, end: number): LaunchMetrics['exposure'] {
  const mid = start + (end - start) / 2;
  const reconciliation = latestReconciliations(facts);
  const cdrOfSession = new Map(facts.cdrs.map((c) => [c.sessionId, c.cdrId]));
  const settled = (s: SessionFact): boolean => {
    const cdrId = s.cdrId ?? cdrOfSession.get(s.sessionId);
    const r = cdrId === undefined ? undefined : reconciliation.get(cdrId);
    return r !== undefined && r.outcome === 'MATCHED' && r.clean;
  };
  const started = sessions.filter((s) => s.startedAt !== undefined);
  const first = started.filter((s) => Date.parse(s.startedAt!) < mid);
  const second = started.filter((s) => Date.parse(s.startedAt!) >= mid);
  const growth = (from: number, to: number): Decimal => new Decimal(to - from).div(Math.max(from, 1));
  const exposureGrowth = growth(first.length, second.length);
  const settlementGrowth = growth(first.filter(settled).length, second.filter(settled).length);
  return {
    halves: [
      { from: new Date(start).toISOString(), to: new Date(mid).toISOString(), sessions: first.length, settled: first.filter(settled).length },
      { from: new Date(mid).toISOString(), to: new Date(end).toISOString(), sessions: second.length, settled: second.filter(settled).length },
    ],
    exposureGrowth: exposureGrowth.toFixed(4),
    settlementGrowth: settlementGrowth.toFixed(4),
    gap: exposureGrowth.minus(settlementGrowth).toFixed(4),
  };
}

function latestReconciliations(facts: LaunchFacts): Map<string, LaunchFacts['reconciliations'][number]> {
  const latest = new Map<string, LaunchFacts['reconciliations'][number]>();
  for (const r of facts.reconciliations) {
    const known = latest.get(r.cdrId);
    if (known === undefined || Date.parse(r.reconciledAt) >= Date.parse(known.reconciledAt)) latest.set(r.cdrId, r);
  }
  return latest;
}

const isOpen = (x: ExceptionFact): boolean => x.status === 'OPEN' || x.status === 'INVESTIGATING';

export function rate(part: number, whole: number): Rate {
  return whole === 0 ? null : new Decimal(part).div(whole).toFixed(4);
}

function median(sorted: readonly Decimal[]): Decimal {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : sorted[mid - 1]!.plus(sorted[mid]!).div(2);
}

const sample = (ids: readonly string[]): string[] => [...new Set(ids)].slice(0, EVIDENCE_SAMPLE);
