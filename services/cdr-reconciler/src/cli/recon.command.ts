import { createReadStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Command, Option } from 'commander';
import { ApiClient } from '@roamgate/runtime';
import { json, nonNegativeInteger, runner, search, stderr, stdout, table } from '@roamgate/runtime/cli';
import type { ExceptionDocument, RunDocument } from '../exceptions/recon-documents';
import { EXCEPTION_TYPES, OWNERS, STATUSES } from '../recon-events';
import type { ImportProgress, ImportResult } from '../imports/import.service';
import type { PartnerSettings } from '../imports/partner-settings';
import { renderTimeline, type Timeline } from '../timeline/timeline.service';

export interface ReconCliOptions {
  /** Base URL of a running Roamgate; ROAMGATE_URL, else http://localhost:PORT. */
  readonly url?: string;
  /** Admin token; ROAMGATE_ADMIN_TOKEN, else the token file in ROAMGATE_DATA_DIR (./data). */
  readonly token?: string;
  /** Where progress goes; stderr by default. */
  readonly progress?: (line: string) => void;
  /** Where results and errors go; stdout and stderr by default. */
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
}

interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

interface Connection {
  readonly client: ApiClient;
  readonly baseUrl: string;
  readonly headers: Record<string, string>;
}

function connect(options: ReconCliOptions): Connection {
  const client = new ApiClient({ ...(options.url ? { url: options.url } : {}), ...(options.token ? { token: options.token } : {}) });
  return { client, baseUrl: client.baseUrl, headers: client.authHeaders() };
}

/** A mapping file holds a ColumnMapping ({ fields, ... }) or a whole partner profile ({ mapping, tolerances, format }). */
function readMapping(file: string): { mapping?: unknown; tolerances?: unknown; format?: unknown; windowS?: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not a JSON file (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(`${file}: expected a JSON object`);
  const o = parsed as Record<string, unknown>;
  if ('fields' in o) return { mapping: o };
  return { ...(o['mapping'] === undefined ? {} : { mapping: o['mapping'] }), ...(o['tolerances'] === undefined ? {} : { tolerances: o['tolerances'] }), ...(o['format'] === undefined ? {} : { format: o['format'] }), ...(o['windowS'] === undefined ? {} : { windowS: o['windowS'] }) };
}

function summary(r: ImportResult): string {
  const counts = (m: Readonly<Record<string, number>>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';
  return [
    `run ${r.runId}: ${r.fileName} (${r.format}) for ${r.partnerId}, period ${r.period.from} - ${r.period.to}`,
    `  ${r.records} partner records (${r.parseErrors} unreadable), ${r.ourCdrs} of our CDRs`,
    `  ${r.matched} matched, ${r.matchedClean} without disagreement`,
    `  ${r.exceptions} exceptions (${r.exceptionsOpened} new): ${counts(r.byType)}`,
    `  owners: ${counts(r.byOwner)}`,
    ...r.parseErrorSamples.map((s) => `  unreadable: ${s}`),
    `  in ${r.durationMs} ms`,
  ].join('\n');
}

/** Uploads the file as the raw body and reads the NDJSON answer: progress lines, then the result. */
async function upload(conn: Connection, path: string, file: string, onProgress: (p: ImportProgress) => void): Promise<ImportResult> {
  const size = statSync(file).size;
  let response: Response;
  try {
    response = await fetch(`${conn.baseUrl}${path}`, {
      method: 'POST',
      headers: { ...conn.headers, 'content-type': 'application/octet-stream', 'content-length': String(size), accept: 'application/x-ndjson' },
      body: createReadStream(file) as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit);
  } catch (error) {
    throw new Error(`cannot reach Roamgate at ${conn.baseUrl} (${(error as Error).cause ?? (error as Error).message}); is it running? set ROAMGATE_URL`);
  }
  if (!response.ok || response.body === null) {
    const body = await response.text();
    let message = body;
    try {
      message = String((JSON.parse(body) as { message?: unknown }).message ?? body);
    } catch {
      /* the body is the message */
    }
    throw new Error(`import failed with HTTP ${response.status}: ${message}`);
  }
  const decoder = new TextDecoder();
  let buffer = '';
  let result: ImportResult | undefined;
  const handle = (line: string) => {
    if (line.trim() === '') return;
    const message = JSON.parse(line) as { progress?: ImportProgress; result?: ImportResult; error?: { status: number; message: string } };
    if (message.progress) onProgress(message.progress);
    if (message.result) result = message.result;
    if (message.error) throw new Error(`import failed (${message.error.status}): ${message.error.message}`);
  };
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      handle(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
    }
  }
  handle(buffer + decoder.decode());
  if (result === undefined) throw new Error('import ended without a result (the connection closed early)');
  return result;
}

/** `recon ...`: partner settlement imports, the exception queue, reports. */
export function registerReconCommands(program: Command, options: ReconCliOptions = {}): Command {
  const api = <T>(method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) => connect(options).client.request<T>(method, path, body);
  const progress = options.progress ?? stderr;
  const print = options.out ?? stdout;
  const run = runner({ printError: options.err ?? stderr });
  const recon = program.command('recon').description("reconcile our CDRs with partners' settlement files; exceptions, their owners and reports");

  recon
    .command('import <file>')
    .description("import a partner's settlement file (CSV, JSON array or JSON Lines) and reconcile it; progress on stderr")
    .requiredOption('--partner <id>', 'partner id, e.g. NL-EMS')
    .addOption(new Option('--format <format>', "file format (default: the partner's setting, else the extension)").choices(['csv', 'json', 'jsonl']))
    .option('--mapping <file>', 'column mapping for this import: a JSON ColumnMapping { fields: {...} } or a profile { mapping, tolerances }')
    .option('--from <time>', 'period start (date or RFC 3339); default: the first day in the file')
    .option('--to <time>', 'period end, exclusive; default: the day after the last in the file')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (file: string, opts: { partner: string; format?: string; mapping?: string; from?: string; to?: string; json?: boolean }) => {
        if (!existsSync(file)) throw new Error(`${file}: no such file`);
        const mapping = opts.mapping ? readMapping(opts.mapping).mapping : undefined;
        const path = `/api/v1/recon/imports${search({ partner: opts.partner, format: opts.format, fileName: basename(file), from: opts.from, to: opts.to, mapping: mapping === undefined ? undefined : JSON.stringify(mapping) }, { omitEmpty: true })}`;
        const result = await upload(connect(options), path, file, (p) => progress(`${p.phase}: ${p.records} records, ${p.recordsPerSecond} records/s, ${(p.elapsedMs / 1000).toFixed(1)} s`));
        print(opts.json ? json(result) : summary(result));
      }),
    );

  const settings = recon.command('settings').description("a partner's column mapping, tolerances and file format");
  settings
    .command('show <partner>')
    .description("the partner's mapping, tolerances and format (defaults until set)")
    .option('--json', 'print as JSON')
    .action(
      run(async (partner: string, opts: { json?: boolean }) => {
        const s = await api<PartnerSettings>('GET', `/api/v1/recon/partners/${encodeURIComponent(partner)}/settings`);
        print(opts.json ? json(s) : `${s.partnerId}: format ${s.format ?? '(by file name)'}, tolerances ${s.tolerances.amountMinor} minor units, ${s.tolerances.energyWh} Wh, ${s.tolerances.timeS} s${s.updatedAt ? `, set ${s.updatedAt}` : ' (defaults)'}\nmapping ${JSON.stringify(s.mapping)}`);
      }),
    );
  settings
    .command('set <partner>')
    .description('set mapping (from a JSON file), tolerances and format; what is not given keeps its value')
    .option('--mapping <file>', 'JSON ColumnMapping { fields: {...} } or profile { mapping, tolerances, format }')
    .option('--amount-minor <n>', 'amount tolerance in minor units of the currency', nonNegativeInteger)
    .option('--energy-wh <n>', 'energy tolerance in Wh', nonNegativeInteger)
    .option('--time-s <n>', 'time tolerance in seconds', nonNegativeInteger)
    .option('--window-s <n>', 'how far apart (s) two starts may be compared (default 10800)', nonNegativeInteger)
    .addOption(new Option('--format <format>', 'default file format').choices(['csv', 'json', 'jsonl']))
    .option('--json', 'print as JSON')
    .action(
      run(async (partner: string, opts: { mapping?: string; amountMinor?: number; energyWh?: number; timeS?: number; windowS?: number; format?: string; json?: boolean }) => {
        const fromFile = opts.mapping ? readMapping(opts.mapping) : {};
        const tolerances = { ...((fromFile.tolerances as object | undefined) ?? {}), ...(opts.amountMinor === undefined ? {} : { amountMinor: opts.amountMinor }), ...(opts.energyWh === undefined ? {} : { energyWh: opts.energyWh }), ...(opts.timeS === undefined ? {} : { timeS: opts.timeS }) };
        const body = { ...(fromFile.mapping === undefined ? {} : { mapping: fromFile.mapping }), ...(Object.keys(tolerances).length ? { tolerances } : {}), ...(opts.format ?? fromFile.format ? { format: opts.format ?? fromFile.format } : {}), ...((opts.windowS ?? fromFile.windowS) === undefined ? {} : { windowS: opts.windowS ?? fromFile.windowS }) };
        const s = await api<PartnerSettings>('PUT', `/api/v1/recon/partners/${encodeURIComponent(partner)}/settings`, body);
        print(opts.json ? json(s) : `${s.partnerId}: settings stored (tolerances ${s.tolerances.amountMinor} minor units, ${s.tolerances.energyWh} Wh, ${s.tolerances.timeS} s)`);
      }),
    );

  recon
    .command('runs')
    .description('imports and their reconciliation runs, newest first')
    .option('--partner <id>')
    .option('--limit <n>', 'at most n', nonNegativeInteger, 50)
    .option('--json', 'print as JSON')
    .action(
      run(async (opts: { partner?: string; limit: number; json?: boolean }) => {
        const page = await api<Page<RunDocument>>('GET', `/api/v1/recon/runs${search({ partner: opts.partner, limit: opts.limit }, { omitEmpty: true })}`);
        if (opts.json) return print(json(page));
        print(table(page.items.map((r) => [r.id, r.partnerId, r.fileName, r.importedAt ?? '', String(r.records), String(r.matched), String(r.exceptions)]), ['RUN', 'PARTNER', 'FILE', 'IMPORTED', 'RECORDS', 'MATCHED', 'EXCEPTIONS']));
      }),
    );

  const exceptions = recon.command('exceptions').description('the exception queue and its workflow: OPEN -> INVESTIGATING -> RESOLVED or ACCEPTED');
  exceptions
    .command('list')
    .description('the queue, newest first; filters combine')
    .option('--partner <id>')
    .addOption(new Option('--status <status>').choices(STATUSES))
    .addOption(new Option('--type <type>').choices(EXCEPTION_TYPES))
    .addOption(new Option('--owner <owner>').choices(OWNERS))
    .option('--session <id>', 'only exceptions of this session')
    .option('--limit <n>', 'at most n (1-500)', nonNegativeInteger, 50)
    .option('--offset <n>', 'skip the first n', nonNegativeInteger, 0)
    .option('--json', 'print the page as JSON')
    .action(
      run(async (opts: { partner?: string; status?: string; type?: string; owner?: string; session?: string; limit: number; offset: number; json?: boolean }) => {
        const page = await api<Page<ExceptionDocument>>(
          'GET',
          `/api/v1/recon/exceptions${search({ partner: opts.partner, status: opts.status, type: opts.type, owner: opts.owner, sessionId: opts.session, limit: opts.limit, offset: opts.offset }, { omitEmpty: true })}`,
        );
        if (opts.json) return print(json(page));
        print(table(page.items.map((e) => [e.id, e.partnerId, e.type, e.owner, e.status, e.rule, e.ourCdrId ?? e.partnerRef ?? '', e.amountAtRisk ? `${e.amountAtRisk} ${e.currency}` : '']), ['ID', 'PARTNER', 'TYPE', 'OWNER', 'STATUS', 'RULE', 'CDR / RECORD', 'AT RISK']));
        print(`${page.items.length} of ${page.total}`);
      }),
    );
  exceptions
    .command('show <id>')
    .description('one exception: owner, the rule and evidence that decided it, its history')
    .option('--json', 'print as JSON')
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const e = await api<ExceptionDocument>('GET', `/api/v1/recon/exceptions/${encodeURIComponent(id)}`);
        if (opts.json) return print(json(e));
        print(
          [
            `${e.type} (${e.status}) owned by ${e.owner}, rule ${e.rule}`,
            `partner ${e.partnerId}, CDR ${e.ourCdrId ?? '-'}, partner record ${e.partnerRef ?? '-'}, session ${e.sessionId ?? '-'}`,
            e.detail,
            ...(e.amountAtRisk ? [`at risk: ${e.amountAtRisk} ${e.currency}`] : []),
            'evidence:',
            ...Object.entries(e.facts).map(([k, v]) => `  ${k}: ${v}`),
            ...e.history.map((h) => `${h.at} ${h.from} -> ${h.to} by ${h.by}${h.resolution ? ` (${h.resolution})` : ''}${h.note ? `: ${h.note}` : ''}`),
          ].join('\n'),
        );
      }),
    );
  const transition = (name: string, description: string, build: (opts: { note?: string; resolution?: string }) => unknown, configure: (c: Command) => Command) =>
    configure(exceptions.command(`${name} <id>`).description(description))
      .option('--json', 'print as JSON')
      .action(
        run(async (id: string, opts: { note?: string; resolution?: string; json?: boolean }) => {
          const result = await api<{ id: string; status: string }>('POST', `/api/v1/recon/exceptions/${encodeURIComponent(id)}/${name}`, build(opts));
          print(opts.json ? json(result) : `exception ${result.id}: ${result.status}`);
        }),
      );
  transition('investigate', 'OPEN -> INVESTIGATING', (o) => (o.note ? { note: o.note } : {}), (c) => c.option('--note <text>'));
  transition('resolve', '-> RESOLVED with a resolution and a note', (o) => ({ resolution: o.resolution, note: o.note }), (c) => c.requiredOption('--resolution <code>', 'e.g. PARTNER_CORRECTED, CREDIT_NOTE_ISSUED').requiredOption('--note <text>'));
  transition('accept', '-> ACCEPTED: the difference stays as it is', (o) => ({ note: o.note }), (c) => c.requiredOption('--note <text>'));

  recon
    .command('report')
    .description('match rate, amounts at risk and exceptions by type and owner for a partner and period')
    .requiredOption('--partner <id>')
    .option('--from <time>', 'date or RFC 3339 time')
    .option('--to <time>', 'exclusive')
    .addOption(new Option('--format <format>', 'json, csv or html (a self-contained document with charts)').choices(['json', 'csv', 'html']).default('json'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action(
      run(async (opts: { partner: string; from?: string; to?: string; format: string; out?: string }) => {
        const conn = connect(options);
        const path = `/api/v1/recon/reports${search({ partner: opts.partner, from: opts.from, to: opts.to, format: opts.format }, { omitEmpty: true })}`;
        let response: Response;
        try {
          response = await fetch(`${conn.baseUrl}${path}`, { headers: conn.headers });
        } catch (error) {
          throw new Error(`cannot reach Roamgate at ${conn.baseUrl} (${(error as Error).cause ?? (error as Error).message}); is it running? set ROAMGATE_URL`);
        }
        const body = await response.text();
        if (!response.ok) throw new Error(`GET ${path} failed with HTTP ${response.status}: ${body}`);
        const out = opts.format === 'json' ? json(JSON.parse(body)) : body.trimEnd();
        if (opts.out) {
          writeFileSync(opts.out, `${out}\n`);
          print(`report written to ${opts.out}`);
        } else print(out);
      }),
    );
  return recon;
}

/** `session explain <id>`: the support timeline of one session. */
export function registerSessionExplainCommand(program: Command, options: ReconCliOptions = {}): Command {
  const print = options.out ?? stdout;
  const run = runner({ printError: options.err ?? stderr });
  const session = program.command('session').description('explain one charging session');
  session
    .command('explain <id>')
    .description('one time-ordered view: OCPP frames, commands, OCPI calls, tariff, CDR, replay, delivery, reconciliation and exceptions with owners')
    .option('--json', 'print the timeline as JSON')
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const timeline = await connect(options).client.get<Timeline>(`/api/v1/sessions/${encodeURIComponent(id)}/timeline`);
        print(opts.json ? json(timeline) : renderTimeline(timeline));
      }),
    );
  return session;
}
