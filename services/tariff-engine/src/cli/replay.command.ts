import { Command, Option } from 'commander';
import { ApiClient, ApiError } from '@roamgate/runtime';
import { nonNegativeInteger, positiveInteger, runner, search, table as cliTable, text } from '@roamgate/runtime/cli';

// What the operations API answers (src/cdrs owns the full shapes).
interface Price {
  readonly excl_vat: number;
  readonly incl_vat?: number;
}

interface Diff {
  readonly field: string;
  readonly issued: string;
  readonly replayed: string;
}

interface Replay {
  readonly cdrId: string;
  readonly sessionId: string;
  readonly matches: boolean;
  readonly diffs: readonly Diff[];
  readonly tariffs: readonly { readonly tariffId: string; readonly lastUpdated: string }[];
  readonly replayedAt: string;
}

interface OcpiCdr {
  readonly currency: string;
  readonly start_date_time: string;
  readonly end_date_time: string;
  readonly charging_periods: readonly { readonly start_date_time: string; readonly dimensions: readonly { readonly type: string; readonly volume: number }[]; readonly tariff_id?: string }[];
  readonly [total: string]: unknown;
}

interface CdrDoc {
  readonly id: string;
  readonly status: string;
  readonly sessionId: string;
  readonly chargerId: string;
  readonly partnerId: string | null;
  readonly issuedAt: string | null;
  readonly currency: string | null;
  readonly startDateTime: string | null;
  readonly endDateTime: string | null;
  readonly totalCost: { readonly exclVat: string; readonly inclVat: string | null } | null;
  readonly totalEnergyKwh: string | null;
  readonly anomalies: readonly string[];
  readonly failure: { readonly reason: string; readonly detail: string } | null;
  readonly cdr: OcpiCdr | null;
  readonly replay: { readonly status: string; readonly replays: number; readonly lastReplayedAt: string | null; readonly diffs: readonly Diff[] };
  readonly delivery: { readonly status: string };
}

interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

export interface ReplayCommandsOptions {
  /** How commands reach the API; by default from ROAMGATE_URL and ROAMGATE_ADMIN_TOKEN (or the token file). */
  readonly client?: () => ApiClient;
  readonly write?: (text: string) => void;
  readonly writeError?: (text: string) => void;
}

/** Exit code of `tariff replay` when the replay could not run (unknown CDR, API unreachable); 1 means it differs. */
export const REPLAY_FAILED_EXIT_CODE = 2;

const TOTALS = [
  'total_cost',
  'total_fixed_cost',
  'total_energy_cost',
  'total_time_cost',
  'total_parking_cost',
  'total_reservation_cost',
  'total_energy',
  'total_time',
  'total_parking_time',
] as const;

/**
 * `tariff replay --cdr <id>` on the `tariff` group (`tariff price` is there already; the group is created when
 * it is not), and `cdrs list|show`. Call after registerTariffCommands.
 */
export function registerReplayCommands(program: Command, options: ReplayCommandsOptions = {}): Command {
  const tariff = program.commands.find((command) => command.name() === 'tariff') ?? program.command('tariff').description('OCPI 2.2.1 tariffs');
  addTariffReplayCommand(tariff, options);
  addCdrCommands(program, options);
  return program;
}

export function addTariffReplayCommand(tariff: Command, options: ReplayCommandsOptions = {}): Command {
  const { api, print, printError } = io(options);
  return tariff
    .command('replay')
    .description('recompute an issued CDR from its session events and the tariff versions in force at start, and diff it field by field; exit 0 when it matches, 1 when it differs')
    .requiredOption('--cdr <id>', 'the CDR to replay')
    .option('--json', 'print the replay outcome as JSON')
    .action(async (opts: { cdr: string; json?: boolean }) => {
      let replay: Replay;
      try {
        replay = await api<Replay>('POST', `/api/v1/cdrs/${encodeURIComponent(opts.cdr)}/replay`);
      } catch (error) {
        printError(`error: ${message(error)}`);
        process.exitCode = REPLAY_FAILED_EXIT_CODE;
        return;
      }
      print(opts.json ? JSON.stringify(replay, null, 2) : describeReplay(replay));
      process.exitCode = replay.matches ? 0 : 1;
    });
}

export function addCdrCommands(program: Command, options: ReplayCommandsOptions = {}): Command {
  const { api, print, printError } = io(options);
  const cdrs = program.command('cdrs').description('CDRs the tariff engine issued, with replay and delivery status');

  cdrs
    .command('list')
    .description('list CDRs, latest issued first')
    .option('--session <id>', 'only the CDR of this session')
    .option('--charger <id>', 'only this charger')
    .option('--partner <id>', 'only CDRs for this partner')
    .addOption(new Option('--status <status>', 'only issued CDRs, or sessions whose CDR could not be issued').choices(['issued', 'issuing_failed']))
    .option('--limit <n>', 'at most n CDRs (1-500)', positiveInteger, 50)
    .option('--offset <n>', 'skip the first n', nonNegativeInteger, 0)
    .option('--json', 'print the page as JSON')
    .action(
      run(printError, async (opts: { session?: string; charger?: string; partner?: string; status?: string; limit: number; offset: number; json?: boolean }) => {
        const query = search({ sessionId: opts.session, chargerId: opts.charger, partnerId: opts.partner, status: opts.status?.toUpperCase(), limit: opts.limit, offset: opts.offset });
        const page = await api<Page<CdrDoc>>('GET', `/api/v1/cdrs${query}`);
        if (opts.json) return print(JSON.stringify(page, null, 2));
        const rows = page.items.map((c) => [
          c.id,
          c.sessionId,
          c.chargerId,
          c.status,
          text(c.startDateTime),
          text(c.totalEnergyKwh),
          c.totalCost === null ? '-' : `${c.totalCost.exclVat} / ${c.totalCost.inclVat ?? '-'} ${c.currency ?? ''}`.trim(),
          c.status === 'ISSUED' ? c.replay.status : text(c.failure?.reason),
        ]);
        print(`${table(rows, ['ID', 'SESSION', 'CHARGER', 'STATUS', 'START', 'KWH', 'TOTAL EXCL/INCL VAT', 'REPLAY'])}\n${footer(page)}`);
      }),
    );

  cdrs
    .command('show <id>')
    .description('show one CDR: periods, totals, anomalies, replay and delivery status')
    .option('--json', 'print the CDR document (the OCPI CDR under "cdr") as JSON')
    .action(
      run(printError, async (id: string, opts: { json?: boolean }) => {
        const doc = await api<CdrDoc>('GET', `/api/v1/cdrs/${encodeURIComponent(id)}`);
        print(opts.json ? JSON.stringify(doc, null, 2) : describeCdr(doc));
      }),
    );
  return cdrs;
}

export function describeReplay(replay: Replay): string {
  const tariffs = replay.tariffs.map((t) => `${t.tariffId} (${t.lastUpdated})`).join(', ') || '-';
  const head = `CDR ${replay.cdrId} of session ${replay.sessionId}, tariffs ${tariffs}`;
  if (replay.matches) return `${head}\nreplay matches the issued CDR`;
  const width = Math.max(5, ...replay.diffs.map((d) => d.field.length));
  const lines = replay.diffs.map((d) => `  ${d.field.padEnd(width)}  issued ${d.issued}  replayed ${d.replayed}`);
  return `${head}\nreplay DIFFERS in ${replay.diffs.length} field${replay.diffs.length === 1 ? '' : 's'}:\n${lines.join('\n')}`;
}

function describeCdr(doc: CdrDoc): string {
  const head = [
    ['id', doc.id],
    ['status', doc.status],
    ['session', doc.sessionId],
    ['charger', doc.chargerId],
    ['partner', doc.partnerId],
    ['issued at', doc.issuedAt],
    ['start', doc.startDateTime],
    ['end', doc.endDateTime],
    ['anomalies', doc.anomalies],
    ['replay', doc.status === 'ISSUED' ? `${doc.replay.status} (${doc.replay.replays} replays)` : null],
    ['delivery', doc.delivery.status],
    ...(doc.failure === null ? [] : [['failure', `${doc.failure.reason}: ${doc.failure.detail}`]]),
  ] as const;
  const width = Math.max(...head.map(([name]) => name.length));
  const lines = head.map(([name, value]) => `${`${name}:`.padEnd(width + 1)} ${text(value)}`);
  const cdr = doc.cdr;
  if (cdr === null) return lines.join('\n');
  const periods = cdr.charging_periods.map((p) => [p.start_date_time, p.dimensions.map((d) => `${d.type} ${d.volume}`).join(', '), text(p.tariff_id)]);
  const totals = TOTALS.map((name) => {
    const value = cdr[name] as Price | number | undefined;
    return [name, typeof value === 'object' && value !== null ? `${value.excl_vat} excl. VAT, ${value.incl_vat ?? '-'} incl. VAT ${cdr.currency}` : text(value)];
  });
  return `${lines.join('\n')}\n\n${table(periods, ['PERIOD START', 'DIMENSIONS', 'TARIFF'])}\n\n${table(totals, ['TOTAL', 'VALUE'])}`;
}

function io(options: ReplayCommandsOptions) {
  const client = options.client ?? (() => new ApiClient());
  const api = <T>(method: 'GET' | 'POST', path: string): Promise<T> => client().request<T>(method, path);
  const print = (output: string): void => (options.write ?? ((t: string) => void process.stdout.write(t)))(`${output}\n`);
  const printError = (output: string): void => (options.writeError ?? ((t: string) => void process.stderr.write(t)))(`${output}\n`);
  return { api, print, printError };
}

function message(error: unknown): string {
  if (error instanceof ApiError && error.status === 404) return `${error.message} (is the CDR id right? roamgate cdrs list --session <id> finds it)`;
  return error instanceof Error ? error.message : String(error);
}

/** Wraps an action: the error line names what to check for an unknown CDR. */
function run<A extends unknown[]>(printError: (text: string) => void, action: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return runner({ printError, message })(action);
}

const table = (rows: readonly (readonly string[])[], header: readonly string[]): string => cliTable(rows, header, '(none)');

function footer(page: Page<unknown>): string {
  if (page.total === 0) return '';
  return `${page.offset + 1}-${page.offset + page.items.length} of ${page.total}`;
}
