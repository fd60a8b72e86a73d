import { BadRequestException, Body, Controller, Get, HttpCode, Inject, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { DECISION_RULES, GATES, PARAMETERS, PHASE_NAMES, REQUIRED_SOURCES_OF_TRUTH } from '@roamgate/launch';
import type { FieldValue, ReadModelStore } from '@roamgate/read-models';
import { DEFAULT_LIMIT, integer, MAX_LIMIT, READ_MODELS, type Input } from '@roamgate/runtime';
import { LaunchPlansService } from './launch-plans.service';
import { PLANS, type PlanDocument } from './plan.projector';
import { planView } from './views';

/** The optional `by` field names who acted (the CLI sends cli:<user>); the rest of the body is the command. */
function actor(body: unknown): { by: string; rest: unknown } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { by: 'api', rest: body };
  const { by, ...rest } = body as Input;
  if (by === undefined) return { by: 'api', rest };
  if (typeof by !== 'string' || by === '' || by.length > 128) throw new BadRequestException('by: must be a string of 1 to 128 characters');
  return { by, rest };
}

@ApiTags('launch')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/launch')
export class LaunchPlansController {
  constructor(
    private readonly plans: LaunchPlansService,
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
  ) {}

  @Get('gates')
  @ApiOperation({ summary: 'Every gate with its default threshold, the phase it counts from, and the decision rules' })
  gates() {
    return { phases: PHASE_NAMES, gates: GATES, parameters: PARAMETERS, requiredSourcesOfTruth: REQUIRED_SOURCES_OF_TRUTH, rules: DECISION_RULES };
  }

  @Post('plans')
  @ApiOperation({
    summary: 'Write a launch plan down: one partner, one charger group, what must be proven (roamgate launch create)',
    description:
      'Body: { planId?, name?, partnerId, group: { chargerIds?, evseUids?, selector?: { locationIds?, vendors?, models?, firmwareVersions?, tags? } }, expansionWaves?: [group], ' +
      'phase? (1-4, default 1), tariffOwner? (CPO|EMSP), tokenFlows?: [{ tokenType, whitelist, realTimeAuthorization }], sourcesOfTruth?: [{ object, owner }], ' +
      'thresholds?: { <gate or parameter>: "<decimal>" }, evaluationWindowSeconds? (default 604800), by? }. Appends LaunchPlanCreated and the first ScopeChanged.',
  })
  @ApiBody({ schema: { type: 'object' } })
  @ApiCreatedResponse({ description: 'The plan' })
  @ApiBadRequestResponse({ description: 'Invalid field; the message and `issues` name each' })
  @ApiConflictResponse({ description: 'A plan with this id exists' })
  create(@Body() body: unknown) {
    const { by, rest } = actor(body);
    return this.plans.create(rest, by);
  }

  @Get('plans')
  @ApiOperation({ summary: 'Launch plans, newest first' })
  @ApiQuery({ name: 'partnerId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['ACTIVE', 'PAUSED'] })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `1-${MAX_LIMIT}, default ${DEFAULT_LIMIT}` })
  @ApiOkResponse({ description: '{ items, total, offset, limit }' })
  async list(@Query() query: Input) {
    const where: Record<string, FieldValue> = {};
    const partnerId = query.partnerId;
    if (partnerId !== undefined) {
      if (typeof partnerId !== 'string' || partnerId.length > 64) throw new BadRequestException('partnerId: must be given once, at most 64 characters');
      where.partnerId = partnerId;
    }
    const status = query.status;
    if (status !== undefined) {
      if (status !== 'ACTIVE' && status !== 'PAUSED') throw new BadRequestException(`status: must be ACTIVE or PAUSED, got "${String(status)}"`);
      where.status = status;
    }
    const offset = integer(query, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = integer(query, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT);
    const found = await this.store.find<PlanDocument>(PLANS, { where, sort: { field: 'createdAt', direction: 'desc' }, offset, limit });
    return { items: found.items.map((doc) => planView(doc.data)), total: found.total, offset, limit };
  }

  @Get('plans/:planId')
  @ApiOperation({ summary: 'One launch plan, read from its stream' })
  @ApiNotFoundResponse({ description: 'No such plan' })
  async get(@Param('planId') planId: string) {
    return planView(await this.plans.get(planId));
  }

  @Patch('plans/:planId')
  @ApiOperation({ summary: 'Change thresholds, evaluation window, tariff owner, token flows, sources of truth or expansion waves (LaunchPlanUpdated)' })
  @ApiBody({ schema: { type: 'object' } })
  @ApiBadRequestResponse({ description: 'Invalid field; the message names it' })
  @ApiNotFoundResponse({ description: 'No such plan' })
  update(@Param('planId') planId: string, @Body() body: unknown) {
    const { by, rest } = actor(body);
    return this.plans.update(planId, rest, by);
  }

  @Post('plans/:planId/evaluate')
  @ApiOperation({ summary: 'Measure the evaluation window ending now and decide EXPAND, PAUSE or KEEP_NARROW (a GateEvaluated event)' })
  @ApiCreatedResponse({ description: 'The evaluation: decision, rule, every gate against its threshold, evidence and metrics' })
  @ApiNotFoundResponse({ description: 'No such plan' })
  evaluate(@Param('planId') planId: string, @Body() body: unknown) {
    return this.plans.evaluate(planId, 'ON_DEMAND', actor(body ?? {}).by);
  }

  @Get('plans/:planId/evaluations')
  @ApiOperation({ summary: 'Every evaluation of the plan, newest first' })
  @ApiNotFoundResponse({ description: 'No such plan' })
  async evaluations(@Param('planId') planId: string) {
    const items = await this.plans.evaluations(planId);
    return { items, total: items.length };
  }

  @Get('plans/:planId/evaluations/:evaluationId')
  @ApiOperation({ summary: 'One evaluation' })
  @ApiNotFoundResponse({ description: 'No such plan or evaluation' })
  evaluation(@Param('planId') planId: string, @Param('evaluationId') evaluationId: string) {
    return this.plans.evaluation(planId, evaluationId);
  }

  @Get('plans/:planId/report')
  @ApiOperation({ summary: 'The evidence pack: a self-contained HTML (inline SVG charts) and Markdown of the plan, gates, metrics, evidence and decisions (roamgate launch report)' })
  @ApiOkResponse({ description: '{ html, markdown, generatedAt }' })
  @ApiNotFoundResponse({ description: 'No such plan' })
  report(@Param('planId') planId: string) {
    return this.plans.report(planId);
  }

  @Post('plans/:planId/decisions/:evaluationId/apply')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Apply the decision of the latest evaluation (roamgate launch apply)',
    description:
      'EXPAND advances the phase (1 to 4); in phase 4 it adds the next expansion wave, or the group given as `widen`, and appends ScopeChanged with exactly the new scope, ' +
      'which the ocpi-connector publishes to the partner. PAUSE pauses the launch. KEEP_NARROW records that it was seen. Body: { note?, widen?, by? }.',
  })
  @ApiBody({ schema: { type: 'object' }, required: false })
  @ApiOkResponse({ description: '{ plan, evaluation, events }' })
  @ApiNotFoundResponse({ description: 'No such plan or evaluation' })
  @ApiConflictResponse({ description: 'Already applied, not the latest evaluation, made in another phase, the plan is paused (EXPAND), or no expansion wave is left' })
  apply(@Param('planId') planId: string, @Param('evaluationId') evaluationId: string, @Body() body: unknown) {
    const { by, rest } = actor(body ?? {});
    return this.plans.apply(planId, evaluationId, rest, by);
  }

  @Put('plans/:planId/scope')
  @ApiOperation({
    summary: "Set the plan's charger group by hand, e.g. to take a faulty model out (roamgate launch scope)",
    description: 'Body: { group, reason, by? }. The group replaces the groups the plan has; ScopeChanged carries the resolved scope, and chargers or EVSEs that left it are unpublished from the partner.',
  })
  @ApiBody({ schema: { type: 'object' } })
  @ApiBadRequestResponse({ description: 'Invalid group, or no reason' })
  @ApiNotFoundResponse({ description: 'No such plan' })
  scope(@Param('planId') planId: string, @Body() body: unknown) {
    const { by, rest } = actor(body);
    return this.plans.setScope(planId, rest, by);
  }

  @Post('plans/:planId/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause the launch by hand (LaunchPaused); body { reason?, by? }' })
  pause(@Param('planId') planId: string, @Body() body: unknown) {
    const { by, rest } = actor(body ?? {});
    return this.plans.pause(planId, rest, by);
  }

  @Post('plans/:planId/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused launch (LaunchResumed); body { reason?, by? }' })
  @ApiConflictResponse({ description: 'The plan is not paused' })
  resume(@Param('planId') planId: string, @Body() body: unknown) {
    const { by, rest } = actor(body ?? {});
    return this.plans.resume(planId, rest, by);
  }
}
