import { randomUUID } from 'node:crypto';
import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { EventStore } from '@roamgate/event-store';
import {
  evaluatePlan,
  launchDecider,
  launchEventCodec,
  LaunchRejected,
  launchStreamName,
  type ChargerGroup,
  type CreatePlan,
  type LaunchCommand,
  type LaunchPlan,
  type UpdatePlan,
} from '@roamgate/launch';
import { AggregateRepository, EVENT_STORE } from '@roamgate/runtime';
import { FactStore } from '../facts/fact-store';
import { renderEvidencePack, type EvidencePack } from '../report/evidence-pack';
import { evaluationView, planView, type EvaluationView, type PlanView } from './views';

type Input = Readonly<Record<string, unknown>>;

const CREATE_FIELDS = ['planId', 'name', 'partnerId', 'group', 'expansionWaves', 'phase', 'tariffOwner', 'tokenFlows', 'sourcesOfTruth', 'thresholds', 'evaluationWindowSeconds'];
const UPDATE_FIELDS = ['thresholds', 'evaluationWindowSeconds', 'tariffOwner', 'tokenFlows', 'sourcesOfTruth', 'expansionWaves', 'reason'];

/** Carries launch plan commands out on launch-<plan> streams; the decider's refusals become HTTP errors naming the field. */
@Injectable()
export class LaunchPlansService {
  private readonly repository: AggregateRepository;

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly facts: FactStore,
  ) {
    this.repository = new AggregateRepository(events);
  }

  async create(body: unknown, by: string): Promise<PlanView> {
    const input = fields(body, CREATE_FIELDS);
    const planId = optionalString(input, 'planId') ?? `L-${randomUUID().slice(0, 8)}`;
    const command: CreatePlan = {
      type: 'CreatePlan',
      planId,
      partnerId: optionalString(input, 'partnerId') ?? '',
      group: input.group as ChargerGroup,
      ...optional(input, 'name', optionalString(input, 'name')),
      ...optional(input, 'expansionWaves', list(input, 'expansionWaves') as ChargerGroup[] | undefined),
      ...optional(input, 'phase', integer(input, 'phase') as CreatePlan['phase']),
      ...optional(input, 'tariffOwner', optionalString(input, 'tariffOwner') as CreatePlan['tariffOwner']),
      ...optional(input, 'tokenFlows', list(input, 'tokenFlows') as CreatePlan['tokenFlows']),
      ...optional(input, 'sourcesOfTruth', list(input, 'sourcesOfTruth') as CreatePlan['sourcesOfTruth']),
      ...optional(input, 'thresholds', record(input, 'thresholds') as Record<string, string> | undefined),
      ...optional(input, 'evaluationWindowSeconds', integer(input, 'evaluationWindowSeconds')),
      chargers: await this.facts.chargers(),
      now: new Date(),
      by,
    };
    return planView((await this.handle(planId, command)).state);
  }

  async update(planId: string, body: unknown, by: string): Promise<PlanView> {
    const input = fields(body, UPDATE_FIELDS);
    const command: UpdatePlan = {
      type: 'UpdatePlan',
      ...optional(input, 'thresholds', record(input, 'thresholds')),
      ...optional(input, 'evaluationWindowSeconds', integer(input, 'evaluationWindowSeconds')),
      ...optional(input, 'tariffOwner', optionalString(input, 'tariffOwner') as UpdatePlan['tariffOwner']),
      ...optional(input, 'tokenFlows', list(input, 'tokenFlows') as UpdatePlan['tokenFlows']),
      ...optional(input, 'sourcesOfTruth', list(input, 'sourcesOfTruth') as UpdatePlan['sourcesOfTruth']),
      ...optional(input, 'expansionWaves', list(input, 'expansionWaves') as ChargerGroup[] | undefined),
      ...optional(input, 'reason', optionalString(input, 'reason')),
      now: new Date(),
      by,
    };
    return planView((await this.handle(planId, command)).state);
  }

  async get(planId: string): Promise<LaunchPlan> {
    const { state } = await this.repository.load(launchStreamName(planId), launchDecider, launchEventCodec);
    if (!state.exists) throw new NotFoundException(`launch plan ${planId} not found`);
    return state;
  }

  /**
   * Measures the plan's window ending now, decides, and records the evaluation as a GateEvaluated event. The gates
   * are graded on the plan as it stands when the event is appended (the append checks the revision it was decided
   * on): a plan updated while the facts loaded (thresholds, phase, scope) is never graded in its old version. Only
   * a changed evaluation window needs the facts loaded again.
   */
  async evaluate(planId: string, trigger: 'ON_DEMAND' | 'SCHEDULE', by: string): Promise<EvaluationView> {
    const evaluationId = `E-${randomUUID()}`;
    for (let attempt = 1; ; attempt++) {
      const { evaluationWindowSeconds } = await this.get(planId);
      const now = new Date();
      const facts = await this.facts.load(new Date(now.getTime() - evaluationWindowSeconds * 1000), now);
      try {
        await this.repository.handle(launchStreamName(planId), launchDecider, launchEventCodec, (plan): LaunchCommand[] => {
          if (!plan.exists) throw new LaunchRejected('not_found', 'launch plan not found');
          if (plan.evaluationWindowSeconds !== evaluationWindowSeconds) throw new WindowChanged();
          return [{ type: 'RecordEvaluation', evaluationId, evaluation: evaluatePlan(plan, facts, now), trigger, now, by }];
        });
        return this.evaluation(planId, evaluationId);
      } catch (error) {
        if (error instanceof WindowChanged && attempt < MAX_EVALUATION_ATTEMPTS) continue;
        throw httpErrorOf(error instanceof WindowChanged ? new LaunchRejected('conflict', `the evaluation window of launch plan ${planId} kept changing; evaluate again`) : error, planId);
      }
    }
  }

  async apply(planId: string, evaluationId: string, body: unknown, by: string): Promise<{ plan: PlanView; evaluation: EvaluationView; events: string[] }> {
    const input = fields(body ?? {}, ['note', 'widen']);
    const result = await this.handle(planId, {
      type: 'ApplyDecision',
      evaluationId,
      ...optional(input, 'note', optionalString(input, 'note')),
      ...optional(input, 'widen', input.widen as ChargerGroup),
      chargers: await this.facts.chargers(),
      now: new Date(),
      by,
    });
    return { plan: planView(result.state), evaluation: await this.evaluation(planId, evaluationId), events: result.events.map((e) => e.type) };
  }

  /** Replaces the plan's groups by one group, resolved now; ScopeChanged publishes it (narrowing unpublishes). */
  async setScope(planId: string, body: unknown, by: string): Promise<PlanView> {
    const input = fields(body, ['group', 'reason']);
    const command = {
      type: 'ChangeScope' as const,
      group: input.group as ChargerGroup,
      reason: optionalString(input, 'reason') ?? '',
      chargers: await this.facts.chargers(),
      now: new Date(),
      by,
    };
    return planView((await this.handle(planId, command)).state);
  }

  async pause(planId: string, body: unknown, by: string): Promise<PlanView> {
    const reason = optionalString(fields(body ?? {}, ['reason']), 'reason') ?? '';
    return planView((await this.handle(planId, { type: 'PauseLaunch', reason, now: new Date(), by })).state);
  }

  async resume(planId: string, body: unknown, by: string): Promise<PlanView> {
    const reason = optionalString(fields(body ?? {}, ['reason']), 'reason') ?? '';
    return planView((await this.handle(planId, { type: 'ResumeLaunch', reason, now: new Date(), by })).state);
  }

  /** Every evaluation of the plan, newest first, from its stream. */
  async evaluations(planId: string): Promise<EvaluationView[]> {
    const recorded = await this.events.readStream(launchStreamName(planId));
    if (recorded.length === 0) throw new NotFoundException(`launch plan ${planId} not found`);
    const events = recorded.map((r) => launchEventCodec.fromStored(r));
    const applied = new Set(events.flatMap((e) => (e.type === 'GateDecisionApplied' ? [e.data.evaluationId] : [])));
    return events.flatMap((e) => (e.type === 'GateEvaluated' ? [evaluationView(e.data, applied.has(e.data.evaluationId))] : [])).reverse();
  }

  /** The evidence pack (HTML and Markdown) of the plan and all its evaluations, for sign-off. */
  async report(planId: string): Promise<EvidencePack & { generatedAt: string }> {
    const generatedAt = new Date();
    const [plan, evaluations] = await Promise.all([this.get(planId), this.evaluations(planId)]);
    return { ...renderEvidencePack(planView(plan), evaluations, generatedAt), generatedAt: generatedAt.toISOString() };
  }

  async evaluation(planId: string, evaluationId: string): Promise<EvaluationView> {
    const found = (await this.evaluations(planId)).find((e) => e.evaluationId === evaluationId);
    if (found === undefined) throw new NotFoundException(`launch plan ${planId} has no evaluation ${evaluationId}`);
    return found;
  }

  private async handle(planId: string, command: LaunchCommand) {
    try {
      return await this.repository.handle(launchStreamName(planId), launchDecider, launchEventCodec, () => [command]);
    } catch (error) {
      throw httpErrorOf(error, planId);
    }
  }
}

/** How often an evaluation loads the facts again because the plan's window changed meanwhile. */
const MAX_EVALUATION_ATTEMPTS = 3;

class WindowChanged extends Error {}

function httpErrorOf(error: unknown, planId: string): unknown {
  if (!(error instanceof LaunchRejected)) return error;
  switch (error.kind) {
    case 'invalid':
      return new BadRequestException({ statusCode: 400, error: 'Bad Request', message: error.message, issues: error.issues });
    case 'conflict':
      return new ConflictException(error.message);
    case 'not_found':
      return new NotFoundException(error.message === 'launch plan not found' ? `launch plan ${planId} not found` : error.message);
  }
}

function fields(body: unknown, allowed: readonly string[]): Input {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new BadRequestException('body: must be a JSON object (Content-Type: application/json)');
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new BadRequestException(`${unknown.join(', ')}: unknown field${unknown.length > 1 ? 's' : ''}; allowed: ${allowed.join(', ')}`);
  return body as Input;
}

function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new BadRequestException(`${field}: must be a string`);
  return value;
}

function integer(input: Input, field: string): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new BadRequestException(`${field}: must be a whole number`);
  return value;
}

function list(input: Input, field: string): unknown[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new BadRequestException(`${field}: must be an array`);
  return value;
}

function record(input: Input, field: string): Record<string, string | null> | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadRequestException(`${field}: must be an object`);
  return value as Record<string, string | null>;
}

/** `{ [field]: value }` when the body had the field, so that absent fields keep their defaults. */
function optional<K extends string, V>(input: Input, field: K, value: V | undefined): Partial<Record<K, V>> {
  return input[field] === undefined || value === undefined ? {} : ({ [field]: value } as Record<K, V>);
}
