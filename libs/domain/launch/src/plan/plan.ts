import {
  EvaluationTrigger,
  GateDecision,
  GateKind as GateKindMessage,
  TariffOwner as TariffOwnerMessage,
  WhitelistType as WhitelistTypeMessage,
  timestampDate,
  timestampFromDate,
  type ChargerGroup as ChargerGroupMessage,
  type ChargerGroupSchema,
  type create as createMessage,
  type Timestamp,
} from '@roamgate/contracts';
import type { Decision, Evaluation } from '../gates/evaluation.js';
import { DEFAULT_EVALUATION_WINDOW_SECONDS, thresholdIssues, type Phase, type Thresholds } from '../gates/gate-definitions.js';
import type { ChargerFact } from '../metrics/facts.js';
import { emptyScope, groupIssues, isEmptyGroup, resolveGroups, scopeDifference, type ChargerGroup, type Scope } from './charger-group.js';
import { launchEvent, type LaunchEvent } from './events.js';

export type TariffOwner = 'CPO' | 'EMSP' | 'UNSPECIFIED';
export type WhitelistType = 'ALWAYS' | 'ALLOWED' | 'ALLOWED_OFFLINE' | 'NEVER';

/** How tokens of one OCPI TokenType are authorized during the launch. */
export interface TokenFlow {
  readonly tokenType: string;
  readonly whitelist: WhitelistType;
  readonly realTimeAuthorization: boolean;
}

/** The system of record for one kind of object, e.g. TARIFFS owned by ROAMGATE. */
export interface SourceOfTruth {
  readonly object: string;
  readonly owner: string;
}

export interface EvaluationRecord {
  readonly evaluationId: string;
  readonly at: string;
  readonly phase: Phase;
  readonly decision: Decision;
  readonly rule: string;
  readonly applied: boolean;
}

export interface LaunchPlan {
  readonly planId: string;
  readonly exists: boolean;
  readonly name: string;
  readonly partnerId: string;
  readonly phase: Phase;
  readonly status: 'ACTIVE' | 'PAUSED';
  /** The first group and every group an EXPAND added, as declared (selectors included). */
  readonly groups: readonly ChargerGroup[];
  /** Planned groups not added yet; an EXPAND in phase 4 adds the first. */
  readonly expansionWaves: readonly ChargerGroup[];
  /** The scope last published to the partner (ScopeChanged). */
  readonly scope: Scope;
  readonly tariffOwner: TariffOwner;
  readonly tokenFlows: readonly TokenFlow[];
  readonly sourcesOfTruth: readonly SourceOfTruth[];
  /** Overrides only; a gate absent here uses its default (GATES). */
  readonly thresholds: Thresholds;
  readonly evaluationWindowSeconds: number;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly updatedAt: string;
  readonly evaluations: readonly EvaluationRecord[];
  readonly pause?: { readonly at: string; readonly evaluationId: string; readonly rule: string; readonly reason: string };
}

interface Stamp {
  readonly now: Date;
  readonly by: string;
}

export type CreatePlan = Readonly<
  Stamp & {
    type: 'CreatePlan';
    planId: string;
    name?: string;
    partnerId: string;
    group: ChargerGroup;
    expansionWaves?: readonly ChargerGroup[];
    phase?: Phase;
    tariffOwner?: TariffOwner;
    tokenFlows?: readonly TokenFlow[];
    sourcesOfTruth?: readonly SourceOfTruth[];
    thresholds?: Thresholds;
    evaluationWindowSeconds?: number;
    /** The chargers known now, to resolve the group's selector into the first scope. */
    chargers: readonly ChargerFact[];
  }
>;

export type UpdatePlan = Readonly<
  Stamp & {
    type: 'UpdatePlan';
    /** Merged into the plan's overrides; null removes an override (back to the default). */
    thresholds?: Readonly<Record<string, string | null>>;
    evaluationWindowSeconds?: number;
    tariffOwner?: TariffOwner;
    tokenFlows?: readonly TokenFlow[];
    sourcesOfTruth?: readonly SourceOfTruth[];
    expansionWaves?: readonly ChargerGroup[];
    reason?: string;
  }
>;

export type RecordEvaluation = Readonly<Stamp & { type: 'RecordEvaluation'; evaluationId: string; evaluation: Evaluation; trigger: 'ON_DEMAND' | 'SCHEDULE' }>;

export type ApplyDecision = Readonly<
  Stamp & {
    type: 'ApplyDecision';
    evaluationId: string;
    note?: string;
    /** For EXPAND: a group to add now instead of the next planned wave. */
    widen?: ChargerGroup;
    chargers: readonly ChargerFact[];
  }
>;

/** An operator sets the scope by hand, e.g. to take a faulty model out: the group replaces the plan's groups. */
export type ChangeScope = Readonly<Stamp & { type: 'ChangeScope'; group: ChargerGroup; reason: string; chargers: readonly ChargerFact[] }>;

export type PauseLaunch = Readonly<Stamp & { type: 'PauseLaunch'; reason: string }>;
export type ResumeLaunch = Readonly<Stamp & { type: 'ResumeLaunch'; reason: string }>;

export type LaunchCommand = CreatePlan | UpdatePlan | RecordEvaluation | ApplyDecision | ChangeScope | PauseLaunch | ResumeLaunch;

export class LaunchRejected extends Error {
  override readonly name = 'LaunchRejected';
  constructor(
    readonly kind: 'invalid' | 'conflict' | 'not_found',
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

const MIN_WINDOW_SECONDS = 3600;
const MAX_WINDOW_SECONDS = 90 * 24 * 3600;
const WHITELIST_TYPES: readonly WhitelistType[] = ['ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE', 'NEVER'];

export function initialLaunchPlan(): LaunchPlan {
  return {
    planId: '',
    exists: false,
    name: '',
    partnerId: '',
    phase: 1,
    status: 'ACTIVE',
    groups: [],
    expansionWaves: [],
    scope: emptyScope(),
    tariffOwner: 'UNSPECIFIED',
    tokenFlows: [],
    sourcesOfTruth: [],
    thresholds: {},
    evaluationWindowSeconds: DEFAULT_EVALUATION_WINDOW_SECONDS,
    createdAt: '',
    createdBy: '',
    updatedAt: '',
    evaluations: [],
  };
}

export function decideLaunch(command: LaunchCommand, plan: LaunchPlan): readonly LaunchEvent[] {
  if (command.type === 'CreatePlan') return create(command, plan);
  if (!plan.exists) throw new LaunchRejected('not_found', 'launch plan not found');
  switch (command.type) {
    case 'UpdatePlan':
      return update(command, plan);
    case 'RecordEvaluation':
      return record(command, plan);
    case 'ApplyDecision':
      return apply(command, plan);
    case 'ChangeScope':
      return changeScope(command, plan);
    case 'PauseLaunch':
      return plan.status === 'PAUSED' ? [] : [paused(plan, command, '', 'operator', command.reason)];
    case 'ResumeLaunch':
      if (plan.status !== 'PAUSED') throw new LaunchRejected('conflict', `launch plan ${plan.planId} is not paused`);
      return [launchEvent('LaunchResumed', { planId: plan.planId, occurredAt: ts(command.now), resumedBy: command.by, reason: command.reason })];
  }
}

function create(command: CreatePlan, plan: LaunchPlan): readonly LaunchEvent[] {
  if (plan.exists) throw new LaunchRejected('conflict', `launch plan ${command.planId} already exists`);
  const issues = [
    ...idIssues(command.planId, 'planId'),
    ...idIssues(command.partnerId, 'partnerId'),
    ...groupIssues(command.group, 'group'),
    ...(command.group !== undefined && isEmptyGroup(command.group) ? ['group: name at least one charger id, EVSE uid or selector'] : []),
    ...(command.group === undefined ? ['group: is required (chargerIds, evseUids and/or selector)'] : []),
    ...(command.phase !== undefined && ![1, 2, 3, 4].includes(command.phase) ? ['phase: expected 1, 2, 3 or 4'] : []),
    ...declarationIssues(command),
  ];
  if (issues.length > 0) throw new LaunchRejected('invalid', `invalid launch plan: ${issues.join('; ')}`, issues);
  const phase = command.phase ?? 1;
  const scope = resolveGroups([command.group], command.chargers);
  const created = launchEvent('LaunchPlanCreated', {
    planId: command.planId,
    occurredAt: ts(command.now),
    name: command.name ?? '',
    partnerId: command.partnerId,
    chargerGroup: groupMessage(command.group),
    phase,
    tariffOwner: TariffOwnerMessage[command.tariffOwner ?? 'UNSPECIFIED'],
    tokenFlows: (command.tokenFlows ?? []).map(tokenFlowMessage),
    sourcesOfTruth: (command.sourcesOfTruth ?? []).map((s) => ({ object: s.object, owner: s.owner })),
    gateThresholds: { ...command.thresholds },
    evaluationWindowSeconds: command.evaluationWindowSeconds ?? DEFAULT_EVALUATION_WINDOW_SECONDS,
    createdBy: command.by,
    expansionWaves: (command.expansionWaves ?? []).map(groupMessage),
  });
  return [created, scopeChanged(command.planId, command.partnerId, { previousPhase: 0, phase }, emptyScope(), scope, command, { reason: 'plan created', addedGroup: command.group })];
}

function update(command: UpdatePlan, plan: LaunchPlan): readonly LaunchEvent[] {
  const setThresholds = command.thresholds === undefined || command.thresholds === null || typeof command.thresholds !== 'object' ? command.thresholds : Object.fromEntries(Object.entries(command.thresholds).filter(([, v]) => v !== null));
  const issues = declarationIssues({ ...command, thresholds: setThresholds as Thresholds | undefined });
  (command.expansionWaves ?? []).forEach((wave, i) => issues.push(...groupIssues(wave, `expansionWaves[${i}]`)));
  if (issues.length > 0) throw new LaunchRejected('invalid', `invalid plan update: ${issues.join('; ')}`, issues);
  const before = {
    thresholds: plan.thresholds,
    evaluationWindowSeconds: plan.evaluationWindowSeconds,
    tariffOwner: plan.tariffOwner,
    tokenFlows: plan.tokenFlows,
    sourcesOfTruth: plan.sourcesOfTruth,
    expansionWaves: plan.expansionWaves,
  };
  const after = {
    thresholds: command.thresholds === undefined ? before.thresholds : withOverrides(before.thresholds, command.thresholds),
    evaluationWindowSeconds: command.evaluationWindowSeconds ?? before.evaluationWindowSeconds,
    tariffOwner: command.tariffOwner ?? before.tariffOwner,
    tokenFlows: command.tokenFlows ?? before.tokenFlows,
    sourcesOfTruth: command.sourcesOfTruth ?? before.sourcesOfTruth,
    expansionWaves: command.expansionWaves ?? before.expansionWaves,
  };
  if (JSON.stringify(sortedKeys(after)) === JSON.stringify(sortedKeys(before))) return [];
  return [
    launchEvent('LaunchPlanUpdated', {
      planId: plan.planId,
      occurredAt: ts(command.now),
      gateThresholds: { ...after.thresholds },
      evaluationWindowSeconds: after.evaluationWindowSeconds,
      tariffOwner: TariffOwnerMessage[after.tariffOwner],
      tokenFlows: after.tokenFlows.map(tokenFlowMessage),
      sourcesOfTruth: after.sourcesOfTruth.map((s) => ({ object: s.object, owner: s.owner })),
      expansionWaves: after.expansionWaves.map(groupMessage),
      updatedBy: command.by,
      reason: command.reason ?? '',
    }),
  ];
}

/** Overrides merged into the plan's; a null one goes back to the default. */
function withOverrides(current: Thresholds, changes: Readonly<Record<string, string | null>>): Thresholds {
  const merged: Record<string, string> = { ...current };
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete merged[name];
    else merged[name] = value;
  }
  return merged;
}

function record(command: RecordEvaluation, plan: LaunchPlan): readonly LaunchEvent[] {
  if (plan.evaluations.some((e) => e.evaluationId === command.evaluationId)) return [];
  const { evaluation } = command;
  return [
    launchEvent('GateEvaluated', {
      planId: plan.planId,
      occurredAt: ts(command.now),
      evaluationId: command.evaluationId,
      phase: evaluation.phase,
      decision: GateDecision[evaluation.decision],
      rule: evaluation.rule,
      gates: evaluation.gates.map((g) => ({
        gate: g.gate,
        value: g.value ?? '',
        threshold: g.threshold,
        passed: g.passed,
        sampleSize: g.sampleSize,
        group: g.group ?? '',
        kind: g.kind === 'PHASE' ? GateKindMessage.PHASE_GATE : GateKindMessage[g.kind],
        comparison: g.comparison,
        detail: g.detail,
      })),
      evidence: {
        sessionIds: [...evaluation.evidence.sessionIds],
        commandIds: [...evaluation.evidence.commandIds],
        cdrIds: [...evaluation.evidence.cdrIds],
        exceptionIds: [...evaluation.evidence.exceptionIds],
      },
      windowStart: ts(new Date(evaluation.windowStart)),
      windowEnd: ts(new Date(evaluation.windowEnd)),
      trigger: EvaluationTrigger[command.trigger],
      metricsJson: JSON.stringify(evaluation.metrics),
      summary: evaluation.summary,
      evaluatedBy: command.by,
    }),
  ];
}

/** The groups an EXPAND would add in the plan's phase: the operator's group, else in phase 4 the next planned wave. */
export function expansionOf(plan: LaunchPlan, widen?: ChargerGroup): { readonly group?: ChargerGroup; readonly wave: number } {
  if (widen !== undefined) return { group: widen, wave: 0 };
  if (plan.phase < 4) return { wave: 0 };
  const next = plan.expansionWaves[0];
  return next === undefined ? { wave: 0 } : { group: next, wave: plan.groups.length };
}

function apply(command: ApplyDecision, plan: LaunchPlan): readonly LaunchEvent[] {
  const evaluation = plan.evaluations.find((e) => e.evaluationId === command.evaluationId);
  if (evaluation === undefined) throw new LaunchRejected('not_found', `launch plan ${plan.planId} has no evaluation ${command.evaluationId}`);
  if (evaluation.applied) throw new LaunchRejected('conflict', `evaluation ${command.evaluationId} was already applied`);
  const latest = plan.evaluations[plan.evaluations.length - 1]!;
  if (latest.evaluationId !== evaluation.evaluationId) {
    throw new LaunchRejected('conflict', `evaluation ${command.evaluationId} is not the latest of plan ${plan.planId}; apply ${latest.evaluationId} (or evaluate again)`);
  }
  if (evaluation.phase !== plan.phase) {
    throw new LaunchRejected('conflict', `evaluation ${command.evaluationId} was made in phase ${evaluation.phase}; the plan is in phase ${plan.phase} now: evaluate again`);
  }
  if (command.widen !== undefined) {
    const issues = [...groupIssues(command.widen, 'widen'), ...(isEmptyGroup(command.widen) ? ['widen: name at least one charger id, EVSE uid or selector'] : [])];
    if (issues.length > 0) throw new LaunchRejected('invalid', `invalid widening: ${issues.join('; ')}`, issues);
    if (evaluation.decision !== 'EXPAND') throw new LaunchRejected('conflict', `only an EXPAND widens the charger group; evaluation ${command.evaluationId} decided ${evaluation.decision}`);
  }
  const applied = launchEvent('GateDecisionApplied', {
    planId: plan.planId,
    occurredAt: ts(command.now),
    evaluationId: evaluation.evaluationId,
    decision: GateDecision[evaluation.decision],
    appliedBy: command.by,
    note: command.note ?? '',
  });
  switch (evaluation.decision) {
    case 'KEEP_NARROW':
      return [applied];
    case 'PAUSE':
      return plan.status === 'PAUSED' ? [applied] : [applied, paused(plan, command, evaluation.evaluationId, evaluation.rule, `PAUSE applied: ${evaluation.rule}`)];
    case 'EXPAND': {
      if (plan.status === 'PAUSED') throw new LaunchRejected('conflict', `launch plan ${plan.planId} is paused; resume it before applying an EXPAND`);
      const expansion = expansionOf(plan, command.widen);
      const phase = Math.min(plan.phase + 1, 4) as Phase;
      if (phase === plan.phase && expansion.group === undefined) {
        throw new LaunchRejected('conflict', `launch plan ${plan.planId} is in phase 4 and has no expansion wave left; name a group to widen with`);
      }
      const groups = expansion.group === undefined ? plan.groups : [...plan.groups, expansion.group];
      const scope = resolveGroups(groups, command.chargers);
      return [
        applied,
        scopeChanged(plan.planId, plan.partnerId, { previousPhase: plan.phase, phase }, plan.scope, scope, command, {
          reason: `EXPAND applied (${evaluation.rule})`,
          evaluationId: evaluation.evaluationId,
          ...(expansion.group === undefined ? {} : { addedGroup: expansion.group }),
          expansionWave: expansion.wave,
        }),
      ];
    }
  }
}

function changeScope(command: ChangeScope, plan: LaunchPlan): readonly LaunchEvent[] {
  const issues = [
    ...groupIssues(command.group, 'group'),
    ...(command.group === undefined || isEmptyGroup(command.group) ? ['group: name at least one charger id, EVSE uid or selector'] : []),
    ...(typeof command.reason !== 'string' || command.reason.trim() === '' ? ['reason: is required: a scope set by hand is audited'] : []),
  ];
  if (issues.length > 0) throw new LaunchRejected('invalid', `invalid scope: ${issues.join('; ')}`, issues);
  const scope = resolveGroups([command.group], command.chargers);
  if (JSON.stringify(plan.groups) === JSON.stringify([command.group]) && JSON.stringify(scope) === JSON.stringify(plan.scope)) return [];
  return [
    scopeChanged(plan.planId, plan.partnerId, { previousPhase: plan.phase, phase: plan.phase }, plan.scope, scope, command, {
      reason: command.reason,
      addedGroup: command.group,
      replacesGroups: true,
    }),
  ];
}

function paused(plan: LaunchPlan, stamp: Stamp, evaluationId: string, rule: string, reason: string): LaunchEvent {
  return launchEvent('LaunchPaused', { planId: plan.planId, occurredAt: ts(stamp.now), evaluationId, rule, pausedBy: stamp.by, reason });
}

function scopeChanged(
  planId: string,
  partnerId: string,
  phases: { previousPhase: number; phase: Phase },
  before: Scope,
  after: Scope,
  stamp: Stamp,
  how: { reason: string; evaluationId?: string; addedGroup?: ChargerGroup; expansionWave?: number; replacesGroups?: boolean },
): LaunchEvent {
  return launchEvent('ScopeChanged', {
    planId,
    occurredAt: ts(stamp.now),
    partnerId,
    previousPhase: phases.previousPhase,
    phase: phases.phase,
    chargerGroup: { chargerIds: [...after.chargerIds], evseUids: [...after.evseUids] },
    ...scopeDifference(before, after),
    evaluationId: how.evaluationId ?? '',
    changedBy: stamp.by,
    reason: how.reason,
    ...(how.addedGroup === undefined ? {} : { addedGroup: groupMessage(how.addedGroup) }),
    expansionWave: how.expansionWave ?? 0,
    replacesGroups: how.replacesGroups ?? false,
  });
}

export function evolveLaunch(plan: LaunchPlan, event: LaunchEvent): LaunchPlan {
  const at = isoOf(event.data.occurredAt);
  switch (event.type) {
    case 'LaunchPlanCreated': {
      const e = event.data;
      return {
        ...plan,
        planId: e.planId,
        exists: true,
        name: e.name,
        partnerId: e.partnerId,
        phase: phaseOf(e.phase),
        groups: e.chargerGroup === undefined ? [] : [groupOf(e.chargerGroup)],
        expansionWaves: e.expansionWaves.map(groupOf),
        tariffOwner: tariffOwnerOf(e.tariffOwner),
        tokenFlows: e.tokenFlows.map((f) => ({ tokenType: f.tokenType, whitelist: whitelistOf(f.whitelist), realTimeAuthorization: f.realTimeAuthorization })),
        sourcesOfTruth: e.sourcesOfTruth.map((s) => ({ object: s.object, owner: s.owner })),
        thresholds: { ...e.gateThresholds },
        evaluationWindowSeconds: e.evaluationWindowSeconds || DEFAULT_EVALUATION_WINDOW_SECONDS,
        createdAt: at,
        createdBy: e.createdBy,
        updatedAt: at,
      };
    }
    case 'LaunchPlanUpdated': {
      const e = event.data;
      return {
        ...plan,
        thresholds: { ...e.gateThresholds },
        evaluationWindowSeconds: e.evaluationWindowSeconds || plan.evaluationWindowSeconds,
        tariffOwner: tariffOwnerOf(e.tariffOwner),
        tokenFlows: e.tokenFlows.map((f) => ({ tokenType: f.tokenType, whitelist: whitelistOf(f.whitelist), realTimeAuthorization: f.realTimeAuthorization })),
        sourcesOfTruth: e.sourcesOfTruth.map((s) => ({ object: s.object, owner: s.owner })),
        expansionWaves: e.expansionWaves.map(groupOf),
        updatedAt: at,
      };
    }
    case 'GateEvaluated': {
      const e = event.data;
      const record: EvaluationRecord = { evaluationId: e.evaluationId, at, phase: phaseOf(e.phase), decision: decisionOf(e.decision), rule: e.rule, applied: false };
      return { ...plan, evaluations: [...plan.evaluations, record], updatedAt: at };
    }
    case 'GateDecisionApplied':
      return { ...plan, evaluations: plan.evaluations.map((e) => (e.evaluationId === event.data.evaluationId ? { ...e, applied: true } : e)), updatedAt: at };
    case 'ScopeChanged': {
      const e = event.data;
      const waveUsed = e.expansionWave > 0 && e.addedGroup !== undefined;
      const addsGroup = e.addedGroup !== undefined && e.previousPhase !== 0;
      const groups = e.replacesGroups && e.addedGroup !== undefined ? [groupOf(e.addedGroup)] : addsGroup ? [...plan.groups, groupOf(e.addedGroup!)] : plan.groups;
      return {
        ...plan,
        phase: phaseOf(e.phase),
        scope: { chargerIds: [...(e.chargerGroup?.chargerIds ?? [])], evseUids: [...(e.chargerGroup?.evseUids ?? [])] },
        groups,
        expansionWaves: waveUsed ? plan.expansionWaves.slice(1) : plan.expansionWaves,
        updatedAt: at,
      };
    }
    case 'LaunchPaused':
      return { ...plan, status: 'PAUSED', pause: { at, evaluationId: event.data.evaluationId, rule: event.data.rule, reason: event.data.reason }, updatedAt: at };
    case 'LaunchResumed': {
      const { pause: _ended, ...rest } = plan;
      return { ...rest, status: 'ACTIVE', updatedAt: at };
    }
  }
}

export const launchDecider = { decide: decideLaunch, evolve: evolveLaunch, initialState: initialLaunchPlan };

function declarationIssues(input: {
  tariffOwner?: TariffOwner;
  tokenFlows?: readonly TokenFlow[];
  sourcesOfTruth?: readonly SourceOfTruth[];
  thresholds?: Thresholds;
  evaluationWindowSeconds?: number;
  expansionWaves?: readonly ChargerGroup[];
}): string[] {
  const issues: string[] = [];
  if (input.tariffOwner !== undefined && !['CPO', 'EMSP', 'UNSPECIFIED'].includes(input.tariffOwner)) issues.push('tariffOwner: expected CPO or EMSP');
  if (input.tokenFlows !== undefined) {
    if (!Array.isArray(input.tokenFlows)) issues.push('tokenFlows: expected an array');
    else
      input.tokenFlows.forEach((flow, i) => {
        if (typeof flow?.tokenType !== 'string' || !/^[A-Z_]{1,32}$/.test(flow.tokenType)) issues.push(`tokenFlows[${i}].tokenType: expected an OCPI TokenType, e.g. RFID or APP_USER`);
        if (!WHITELIST_TYPES.includes(flow?.whitelist)) issues.push(`tokenFlows[${i}].whitelist: expected one of ${WHITELIST_TYPES.join(', ')}`);
        if (typeof flow?.realTimeAuthorization !== 'boolean') issues.push(`tokenFlows[${i}].realTimeAuthorization: expected true or false`);
      });
  }
  if (input.sourcesOfTruth !== undefined) {
    if (!Array.isArray(input.sourcesOfTruth)) issues.push('sourcesOfTruth: expected an array');
    else
      input.sourcesOfTruth.forEach((s, i) => {
        if (typeof s?.object !== 'string' || s.object.trim() === '') issues.push(`sourcesOfTruth[${i}].object: expected e.g. LOCATIONS, TARIFFS, TOKENS, SESSIONS or CDRS`);
        if (typeof s?.owner !== 'string' || s.owner.trim() === '') issues.push(`sourcesOfTruth[${i}].owner: expected e.g. ROAMGATE, CPO_BACKEND or PARTNER`);
      });
  }
  if (input.thresholds !== undefined) {
    if (input.thresholds === null || typeof input.thresholds !== 'object' || Array.isArray(input.thresholds)) issues.push('thresholds: expected an object of gate name to decimal string');
    else issues.push(...thresholdIssues(input.thresholds).map((issue) => `thresholds.${issue}`));
  }
  const window = input.evaluationWindowSeconds;
  if (window !== undefined && (!Number.isInteger(window) || window < MIN_WINDOW_SECONDS || window > MAX_WINDOW_SECONDS)) {
    issues.push(`evaluationWindowSeconds: expected a whole number of seconds from ${MIN_WINDOW_SECONDS} (1 hour) to ${MAX_WINDOW_SECONDS} (90 days)`);
  }
  if (input.expansionWaves !== undefined && !Array.isArray(input.expansionWaves)) issues.push('expansionWaves: expected an array of charger groups');
  else (input.expansionWaves ?? []).forEach((wave, i) => isEmptyGroup(wave ?? {}) && issues.push(`expansionWaves[${i}]: name at least one charger id, EVSE uid or selector`));
  return issues;
}

function idIssues(value: unknown, field: string): string[] {
  if (typeof value !== 'string' || value === '') return [`${field}: is required`];
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(value) ? [] : [`${field}: expected 1 to 64 letters, digits, '.', '_' or '-', got "${value}"`];
}

type ChargerGroupInit = NonNullable<Parameters<typeof createMessage<typeof ChargerGroupSchema>>[1]>;

function groupMessage(group: ChargerGroup): ChargerGroupInit {
  const s = group.selector;
  return {
    chargerIds: [...(group.chargerIds ?? [])],
    evseUids: [...(group.evseUids ?? [])],
    ...(s === undefined
      ? {}
      : {
          selector: {
            locationIds: [...(s.locationIds ?? [])],
            vendors: [...(s.vendors ?? [])],
            models: [...(s.models ?? [])],
            firmwareVersions: [...(s.firmwareVersions ?? [])],
            tags: [...(s.tags ?? [])],
          },
        }),
  };
}

function groupOf(message: ChargerGroupMessage): ChargerGroup {
  const s = message.selector;
  const nonEmpty = <K extends string>(key: K, list: readonly string[]): Partial<Record<K, readonly string[]>> => (list.length > 0 ? ({ [key]: [...list] } as unknown as Record<K, readonly string[]>) : {});
  const selector = s === undefined ? undefined : { ...nonEmpty('locationIds', s.locationIds), ...nonEmpty('vendors', s.vendors), ...nonEmpty('models', s.models), ...nonEmpty('firmwareVersions', s.firmwareVersions), ...nonEmpty('tags', s.tags) };
  return {
    ...nonEmpty('chargerIds', message.chargerIds),
    ...nonEmpty('evseUids', message.evseUids),
    ...(selector === undefined || Object.keys(selector).length === 0 ? {} : { selector }),
  };
}

function tokenFlowMessage(flow: TokenFlow) {
  return { tokenType: flow.tokenType, whitelist: WhitelistTypeMessage[flow.whitelist], realTimeAuthorization: flow.realTimeAuthorization };
}

const ts = (date: Date): Timestamp => timestampFromDate(date);
const isoOf = (t: Timestamp | undefined): string => (t === undefined ? new Date(0).toISOString() : timestampDate(t).toISOString());
const phaseOf = (phase: number): Phase => (phase >= 1 && phase <= 4 ? (phase as Phase) : 1);
const decisionOf = (decision: GateDecision): Decision => (decision === GateDecision.PAUSE ? 'PAUSE' : decision === GateDecision.EXPAND ? 'EXPAND' : 'KEEP_NARROW');
const tariffOwnerOf = (owner: TariffOwnerMessage): TariffOwner => (owner === TariffOwnerMessage.CPO ? 'CPO' : owner === TariffOwnerMessage.EMSP ? 'EMSP' : 'UNSPECIFIED');
const whitelistOf = (w: WhitelistTypeMessage): WhitelistType => (w === WhitelistTypeMessage.UNSPECIFIED ? 'NEVER' : (WhitelistTypeMessage[w] as WhitelistType));

function sortedKeys(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v)));
}
