import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiClient } from '@roamgate/runtime';
import { cliContext, currentUser, json, run, table } from '@roamgate/runtime/cli';
import type { EvaluationView, PlanView } from '../plans/views';

export interface LaunchCommandsOptions {
  /** The API client to use; tests pass one bound to a test server. */
  readonly client?: () => ApiClient;
  readonly print?: (text: string) => void;
}

const WHITELISTS = ['ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE', 'NEVER'];

/** `launch`: launch plans, evaluations and decisions over the operations API. */
export function registerLaunchCommands(program: Command, options: LaunchCommandsOptions = {}): Command {
  const { api, print } = cliContext(options);
  const plansPath = (planId: string): string => `/api/v1/launch/plans/${encodeURIComponent(planId)}`;
  const by = (): string => `cli:${currentUser()}`;
  const launch = program.command('launch').description('phased roaming launches: plans, gate evaluations, EXPAND / PAUSE / KEEP_NARROW decisions');

  const create = launch
    .command('create')
    .description('write a launch plan down: one partner (or hub), one charger group, what each phase must prove')
    .option('--file <plan.json>', 'the plan as JSON (the API body); options below override its fields')
    .option('--partner <id>', 'the partner (or hub) id, e.g. NL-EMS')
    .option('--plan-id <id>', 'the plan id (default: generated)')
    .option('--name <name>', 'a name for people');
  addGroupOptions(create)
    .option('--phase <n>', 'start in phase 1-4 (default 1)', phaseNumber)
    .addOption(new Option('--tariff-owner <owner>', 'who sets the price the driver pays').choices(['CPO', 'EMSP']))
    .option('--token-flow <type:whitelist[:rt]>', 'a token flow, e.g. RFID:ALLOWED_OFFLINE:rt (rt: real-time authorization); repeatable', tokenFlow)
    .option('--source-of-truth <OBJECT=OWNER>', 'who owns an object, e.g. TARIFFS=ROAMGATE; repeatable', pair)
    .option('--threshold <gate=value>', 'override a gate threshold or parameter, e.g. command_success_rate=0.97; repeatable', pair)
    .option('--window <duration>', 'evaluation window, e.g. 7d, 24h or seconds (default 7d)', duration)
    .option('--json', 'print the plan as JSON')
    .action(
      run(async (opts: CreateOptions) => {
        const fromFile = opts.file === undefined ? {} : readJsonFile(opts.file);
        const group = groupOf(opts);
        const body = {
          ...fromFile,
          ...compact({
            planId: opts.planId,
            name: opts.name,
            partnerId: opts.partner,
            phase: opts.phase,
            tariffOwner: opts.tariffOwner,
            evaluationWindowSeconds: opts.window,
            ...(Object.keys(group).length ? { group } : {}),
            ...(opts.tokenFlow ? { tokenFlows: opts.tokenFlow } : {}),
            ...(opts.sourceOfTruth ? { sourcesOfTruth: opts.sourceOfTruth.map(([object, owner]) => ({ object: object.toUpperCase(), owner })) } : {}),
            ...(opts.threshold ? { thresholds: Object.fromEntries(opts.threshold) } : {}),
          }),
          by: by(),
        };
        const plan = await api<PlanView>('POST', '/api/v1/launch/plans', body);
        print(opts.json ? json(plan) : `launch plan ${plan.planId} created for ${plan.partnerId}, phase ${plan.phase} (${plan.phaseName}), ${scopeText(plan)}`);
      }),
    );

  launch
    .command('list')
    .description('list launch plans')
    .option('--partner <id>', 'only this partner')
    .option('--json', 'print the page as JSON')
    .action(
      run(async (opts: { partner?: string; json?: boolean }) => {
        const page = await api<{ items: PlanView[]; total: number }>('GET', `/api/v1/launch/plans?limit=500${opts.partner ? `&partnerId=${encodeURIComponent(opts.partner)}` : ''}`);
        if (opts.json) return print(json(page));
        const rows = page.items.map((p) => [p.planId, p.partnerId, `${p.phase} ${p.phaseName}`, p.status, String(p.scope.chargerIds.length + p.scope.evseUids.length), p.lastEvaluation ? `${p.lastEvaluation.decision}${p.lastEvaluation.applied ? ' (applied)' : ''}` : '-']);
        print(`${table(rows, ['PLAN', 'PARTNER', 'PHASE', 'STATUS', 'SCOPE', 'LAST DECISION'])}\n${page.items.length} of ${page.total}`);
      }),
    );

  launch
    .command('show <plan>')
    .description('show a plan: declarations, scope, thresholds in force and its latest evaluation')
    .option('--json', 'print the plan (and its evaluations) as JSON')
    .action(
      run(async (planId: string, opts: { json?: boolean }) => {
        const plan = await api<PlanView>('GET', plansPath(planId));
        const evaluations = await api<{ items: EvaluationView[] }>('GET', `${plansPath(planId)}/evaluations`);
        if (opts.json) return print(json({ plan, evaluations: evaluations.items }));
        const lines = [
          `plan            ${plan.planId}${plan.name ? ` (${plan.name})` : ''}`,
          `partner         ${plan.partnerId}`,
          `phase           ${plan.phase} ${plan.phaseName}, ${plan.status}${plan.pause ? ` since ${plan.pause.at}: ${plan.pause.reason}` : ''}`,
          `scope           ${scopeText(plan)}`,
          `groups          ${plan.groups.map((g) => JSON.stringify(g)).join(' + ')}`,
          `waves left      ${plan.expansionWaves.length ? plan.expansionWaves.map((g) => JSON.stringify(g)).join(', ') : '-'}`,
          `tariff owner    ${plan.tariffOwner}`,
          `token flows     ${plan.tokenFlows.map((f) => `${f.tokenType}:${f.whitelist}${f.realTimeAuthorization ? ':rt' : ''}`).join(', ') || '-'}`,
          `sources         ${plan.sourcesOfTruth.map((s) => `${s.object}=${s.owner}`).join(', ') || '-'}`,
          `window          ${plan.evaluationWindowSeconds} s`,
          `overrides       ${Object.entries(plan.thresholdOverrides).map(([k, v]) => `${k}=${v}`).join(', ') || '-'}`,
        ];
        const latest = evaluations.items[0];
        print(`${lines.join('\n')}\n\n${latest ? evaluationText(latest) : 'not evaluated yet: roamgate launch evaluate ' + plan.planId}`);
      }),
    );

  launch
    .command('evaluate <plan>')
    .description('measure the evaluation window ending now and decide EXPAND, PAUSE or KEEP_NARROW (recorded as an event)')
    .option('--json', 'print the evaluation as JSON')
    .action(
      run(async (planId: string, opts: { json?: boolean }) => {
        const evaluation = await api<EvaluationView>('POST', `${plansPath(planId)}/evaluate`, { by: by() });
        print(opts.json ? json(evaluation) : evaluationText(evaluation));
      }),
    );

  launch
    .command('evaluations <plan>')
    .description("a plan's evaluations, newest first")
    .option('--json', 'print them as JSON')
    .action(
      run(async (planId: string, opts: { json?: boolean }) => {
        const { items } = await api<{ items: EvaluationView[] }>('GET', `${plansPath(planId)}/evaluations`);
        if (opts.json) return print(json(items));
        print(table(items.map((e) => [e.at ?? '-', e.evaluationId, `${e.phase}`, e.decision, e.rule, e.applied ? 'applied' : '-', e.trigger]), ['AT', 'EVALUATION', 'PHASE', 'DECISION', 'RULE', 'APPLIED', 'TRIGGER']));
      }),
    );

  launch
    .command('apply <plan> [evaluation]')
    .description('apply the decision of the latest evaluation (or the one named): EXPAND advances the phase or widens the group and publishes the new scope')
    .option('--note <text>', 'why, for the audit trail')
    .option('--widen-chargers <ids...>', 'EXPAND: add these chargers instead of the next planned wave')
    .option('--widen-evses <uids...>', 'EXPAND: add these EVSE uids instead of the next planned wave')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (planId: string, evaluationId: string | undefined, opts: { note?: string; widenChargers?: string[]; widenEvses?: string[]; json?: boolean }) => {
        const id = evaluationId ?? (await api<{ items: EvaluationView[] }>('GET', `${plansPath(planId)}/evaluations`)).items[0]?.evaluationId;
        if (id === undefined) throw new Error(`launch plan ${planId} has no evaluation yet: roamgate launch evaluate ${planId}`);
        const widen = compact({ chargerIds: opts.widenChargers, evseUids: opts.widenEvses });
        const result = await api<{ plan: PlanView; evaluation: EvaluationView; events: string[] }>('POST', `${plansPath(planId)}/decisions/${encodeURIComponent(id)}/apply`, {
          ...compact({ note: opts.note }),
          ...(Object.keys(widen).length ? { widen } : {}),
          by: by(),
        });
        if (opts.json) return print(json(result));
        print(`${result.evaluation.decision} of ${id} applied (${result.events.join(', ')}); plan ${result.plan.planId} is in phase ${result.plan.phase} ${result.plan.phaseName}, ${result.plan.status}, ${scopeText(result.plan)}`);
      }),
    );

  const scope = launch
    .command('scope <plan>')
    .description("set the plan's charger group by hand (it replaces the groups; chargers and EVSEs that leave are unpublished)")
    .requiredOption('--reason <text>', 'why, for the audit trail');
  addGroupOptions(scope)
    .option('--json', 'print the plan as JSON')
    .action(
      run(async (planId: string, opts: GroupOptions & { reason: string; json?: boolean }) => {
        const plan = await api<PlanView>('PUT', `${plansPath(planId)}/scope`, { group: groupOf(opts), reason: opts.reason, by: by() });
        print(opts.json ? json(plan) : `launch plan ${plan.planId}: ${scopeText(plan)}`);
      }),
    );

  launch
    .command('set <plan>')
    .description('change thresholds or the evaluation window of a plan')
    .option('--threshold <gate=value>', 'override a gate threshold or parameter (value "default" drops the override); repeatable', pair)
    .option('--window <duration>', 'evaluation window, e.g. 7d, 24h or seconds', duration)
    .option('--reason <text>', 'why, for the audit trail')
    .option('--json', 'print the plan as JSON')
    .action(
      run(async (planId: string, opts: { threshold?: [string, string][]; window?: number; reason?: string; json?: boolean }) => {
        const thresholds = opts.threshold?.map(([name, value]) => [name, value === 'default' ? null : value]);
        const body = compact({ evaluationWindowSeconds: opts.window, reason: opts.reason, ...(thresholds ? { thresholds: Object.fromEntries(thresholds) } : {}) });
        const plan = await api<PlanView>('PATCH', plansPath(planId), { ...body, by: by() });
        print(opts.json ? json(plan) : `launch plan ${plan.planId} updated; overrides: ${Object.entries(plan.thresholdOverrides).map(([k, v]) => `${k}=${v}`).join(', ') || '-'}`);
      }),
    );

  launch
    .command('report <plan>')
    .description('write the evidence pack for sign-off: <plan>-evidence.html (self-contained, charts inline) and <plan>-evidence.md')
    .option('--out <dir>', 'where to write the files', '.')
    .option('--json', 'print the file paths as JSON')
    .action(
      run(async (planId: string, opts: { out: string; json?: boolean }) => {
        const pack = await api<{ html: string; markdown: string }>('GET', `${plansPath(planId)}/report`);
        const dir = resolve(opts.out);
        mkdirSync(dir, { recursive: true });
        const base = planId.replace(/[^A-Za-z0-9._-]/g, '_');
        const files = { html: join(dir, `${base}-evidence.html`), markdown: join(dir, `${base}-evidence.md`) };
        writeFileSync(files.html, pack.html);
        writeFileSync(files.markdown, pack.markdown);
        print(opts.json ? json(files) : `wrote ${files.html}
wrote ${files.markdown}`);
      }),
    );

  for (const [name, description] of [
    ['pause', 'pause a launch by hand: it stops widening until resumed'],
    ['resume', 'resume a paused launch'],
  ] as const) {
    launch
      .command(`${name} <plan>`)
      .description(description)
      .option('--reason <text>', 'why, for the audit trail')
      .option('--json', 'print the plan as JSON')
      .action(
        run(async (planId: string, opts: { reason?: string; json?: boolean }) => {
          const plan = await api<PlanView>('POST', `${plansPath(planId)}/${name}`, { ...compact({ reason: opts.reason }), by: by() });
          print(opts.json ? json(plan) : `launch plan ${plan.planId} is ${plan.status}`);
        }),
      );
  }
  return launch;
}

interface GroupOptions {
  chargers?: string[];
  evses?: string[];
  locations?: string[];
  vendors?: string[];
  models?: string[];
  firmware?: string[];
  tags?: string[];
}

function addGroupOptions(command: Command): Command {
  return command
    .option('--chargers <ids...>', 'chargers in the group')
    .option('--evses <uids...>', 'OCPI EVSE uids in the group')
    .option('--locations <ids...>', 'select chargers at these locations')
    .option('--vendors <names...>', 'select chargers of these vendors')
    .option('--models <names...>', 'select chargers of these models')
    .option('--firmware <versions...>', 'select chargers with these firmware versions')
    .option('--tags <tags...>', 'select chargers with any of these tags');
}

function groupOf(opts: GroupOptions): Record<string, unknown> {
  const selector = compact({ locationIds: opts.locations, vendors: opts.vendors, models: opts.models, firmwareVersions: opts.firmware, tags: opts.tags });
  return compact({ chargerIds: opts.chargers, evseUids: opts.evses, ...(Object.keys(selector).length ? { selector } : {}) });
}

interface CreateOptions extends GroupOptions {
  file?: string;
  partner?: string;
  planId?: string;
  name?: string;
  phase?: number;
  tariffOwner?: string;
  tokenFlow?: { tokenType: string; whitelist: string; realTimeAuthorization: boolean }[];
  sourceOfTruth?: [string, string][];
  threshold?: [string, string][];
  window?: number;
  json?: boolean;
}

export function evaluationText(e: EvaluationView): string {
  const rows = e.gates.map((g) => [g.passed ? 'ok' : 'FAIL', g.kind === 'PHASE' ? '' : g.kind, g.group ? `${g.gate} [${g.group}]` : g.gate, g.value ?? 'n/a', `${g.comparison === 'MIN' ? '>=' : '<='} ${g.threshold}`, String(g.sampleSize), g.detail]);
  const evidence = Object.entries(e.evidence)
    .filter(([, ids]) => ids.length > 0)
    .map(([kind, ids]) => `  ${kind}: ${ids.join(', ')}`);
  return [
    `${e.decision}  (${e.rule})${e.applied ? '  applied' : ''}`,
    e.summary,
    `evaluation ${e.evaluationId} at ${e.at}, window ${e.window.start} .. ${e.window.end}`,
    '',
    table(rows, ['', 'KIND', 'GATE', 'VALUE', 'THRESHOLD', 'SAMPLE', 'DETAIL']),
    ...(evidence.length ? ['', 'evidence:', ...evidence] : []),
  ].join('\n');
}

const scopeText = (plan: PlanView): string =>
  `scope ${plan.scope.chargerIds.length} chargers${plan.scope.evseUids.length ? ` + ${plan.scope.evseUids.length} EVSEs` : ''}${plan.scope.chargerIds.length ? ` (${plan.scope.chargerIds.slice(0, 8).join(', ')}${plan.scope.chargerIds.length > 8 ? ', ...' : ''})` : ''}`;

function compact<T extends Record<string, unknown>>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))) as Partial<T>;
}

function phaseNumber(value: string): number {
  if (!/^[1-4]$/.test(value)) throw new InvalidArgumentError('must be 1, 2, 3 or 4');
  return Number(value);
}

function tokenFlow(value: string, previous: CreateOptions['tokenFlow'] = []): CreateOptions['tokenFlow'] {
  const [tokenType, whitelist, rt, ...rest] = value.split(':');
  if (!tokenType || !whitelist || !WHITELISTS.includes(whitelist.toUpperCase()) || (rt !== undefined && rt !== 'rt') || rest.length > 0) {
    throw new InvalidArgumentError(`expected TYPE:WHITELIST[:rt] with WHITELIST one of ${WHITELISTS.join(', ')}, e.g. RFID:ALLOWED_OFFLINE:rt`);
  }
  return [...previous, { tokenType: tokenType.toUpperCase(), whitelist: whitelist.toUpperCase(), realTimeAuthorization: rt === 'rt' }];
}

function pair(value: string, previous: [string, string][] = []): [string, string][] {
  const at = value.indexOf('=');
  if (at <= 0 || at === value.length - 1) throw new InvalidArgumentError('expected NAME=VALUE');
  return [...previous, [value.slice(0, at), value.slice(at + 1)]];
}

function duration(value: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected a duration such as 3600, 90m, 24h or 7d');
  return Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'];
}

function readJsonFile(file: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object (the plan)`);
  return parsed as Record<string, unknown>;
}
