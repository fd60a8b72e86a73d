import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ApiClient } from '@roamgate/runtime';
import { json, nonNegativeInteger, positiveInteger, run, search, stdout as print, table as cliTable } from '@roamgate/runtime/cli';
import type { AssignmentView as ApiAssignmentView, TariffView as ApiTariffView, VersionView } from '../tariffs/api/views';

// Shapes of what the operations API answers; src/tariffs/api owns them.
interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

type TariffView = ApiTariffView & { readonly outcome?: string };

type AssignmentView = ApiAssignmentView & { readonly created?: boolean };

export interface TariffManagementOptions {
  /** How commands reach the API; by default from ROAMGATE_URL and ROAMGATE_ADMIN_TOKEN (or the token file). */
  readonly client?: () => ApiClient;
}

/** `tariffs ...`: the CPO's OCPI tariffs, their versions and where they apply, over the operations API. */
export function registerTariffManagementCommands(program: Command, options: TariffManagementOptions = {}): Command {
  const client = options.client ?? (() => new ApiClient());
  const api = <T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> => client().request<T>(method, path, body);
  const tariffPath = (id: string) => `/api/v1/tariffs/${encodeURIComponent(id)}`;

  const tariffs = program.command('tariffs').description('manage OCPI tariffs: versions by last_updated, assignments to chargers, EVSEs and connectors');

  tariffs
    .command('put <file>')
    .description('publish an OCPI 2.2.1 Tariff JSON file; an update needs a later last_updated')
    .option('--json', 'print the stored tariff as JSON')
    .action(
      run(async (file: string, opts: { json?: boolean }) => {
        const tariff = readTariffFile(file);
        const stored = await api<TariffView>('PUT', tariffPath(tariff.id), tariff);
        print(opts.json ? json(stored) : `tariff ${stored.id}: ${stored.outcome}, version ${stored.lastUpdated} (${plural(stored.versions, 'version')} stored)`);
      }),
    );

  tariffs
    .command('list')
    .description('list tariffs in their current version')
    .option('--party <country*party>', 'only this CPO, e.g. NL*RGT')
    .option('--deleted', 'list deleted tariffs instead')
    .option('--limit <n>', 'at most n tariffs (1-500)', positiveInteger, 50)
    .option('--offset <n>', 'skip the first n', nonNegativeInteger, 0)
    .option('--json', 'print the page as JSON')
    .action(
      run(async (opts: { party?: string; deleted?: boolean; limit: number; offset: number; json?: boolean }) => {
        const [countryCode, partyId] = opts.party === undefined ? [] : partyOf(opts.party);
        const page = await api<Page<TariffView>>('GET', `/api/v1/tariffs${search({ countryCode, partyId, deleted: opts.deleted ? 'true' : undefined, limit: opts.limit, offset: opts.offset })}`);
        if (opts.json) return print(json(page));
        const rows = page.items.map((t) => [t.id, `${t.countryCode}*${t.partyId}`, t.currency, t.type ?? '-', t.lastUpdated, String(t.versions), elementsSummary(t.tariff)]);
        print(`${table(rows, ['ID', 'PARTY', 'CURRENCY', 'TYPE', 'LAST UPDATED', 'VERSIONS', 'ELEMENTS'])}\n${footer(page)}`);
      }),
    );

  tariffs
    .command('show <id>')
    .description('show the current version of a tariff, or with --versions every stored version')
    .option('--versions', 'list every stored version, newest first')
    .option('--json', 'print as JSON')
    .action(
      run(async (id: string, opts: { versions?: boolean; json?: boolean }) => {
        if (opts.versions) {
          const page = await api<Page<VersionView>>('GET', `${tariffPath(id)}/versions?limit=500`);
          if (opts.json) return print(json(page));
          const rows = page.items.map((v) => [v.lastUpdated, v.publishedAt, elementsSummary(v.tariff)]);
          return print(`${table(rows, ['LAST UPDATED', 'PUBLISHED AT', 'ELEMENTS'])}\n${footer(page)}`);
        }
        const tariff = await api<TariffView>('GET', tariffPath(id));
        if (opts.json) return print(json(tariff));
        const { tariff: ocpi, ...meta } = tariff;
        print(`${fields(Object.entries(meta))}\n\n${JSON.stringify(ocpi, null, 2)}`);
      }),
    );

  tariffs
    .command('delete <id>')
    .description('delete a tariff: its assignments end now, its versions stay readable for CDR replay')
    .option('--json', 'print the deleted tariff as JSON')
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const tariff = await api<TariffView>('DELETE', tariffPath(id));
        print(opts.json ? json(tariff) : `deleted tariff ${tariff.id} (${plural(tariff.versions, 'version')} kept for CDR replay)`);
      }),
    );

  tariffs
    .command('assign <tariffId>')
    .description('apply a tariff to a charger, or one EVSE or connector of it, for every partner or one')
    .requiredOption('--charger <id>', 'OCPP charge point identity')
    .option('--evse <n>', 'only this EVSE (OCPP 2.0.1; 0 for OCPP 1.6)', nonNegativeInteger)
    .option('--connector <n>', 'only this connector', nonNegativeInteger)
    .option('--partner <id>', "only this partner's sessions, where the launch plan gives it its own tariff")
    .requiredOption('--time-zone <zone>', 'IANA time zone of the location, e.g. Europe/Amsterdam')
    .option('--valid-from <time>', 'RFC 3339; default now')
    .option('--json', 'print the assignment as JSON')
    .action(
      run(async (tariffId: string, opts: { charger: string; evse?: number; connector?: number; partner?: string; timeZone: string; validFrom?: string; json?: boolean }) => {
        const body = {
          chargerId: opts.charger,
          ...(opts.evse === undefined ? {} : { evseId: opts.evse }),
          ...(opts.connector === undefined ? {} : { connectorId: opts.connector }),
          ...(opts.partner === undefined ? {} : { partnerId: opts.partner }),
          timeZone: opts.timeZone,
          ...(opts.validFrom === undefined ? {} : { validFrom: opts.validFrom }),
        };
        const assignment = await api<AssignmentView>('POST', `${tariffPath(tariffId)}/assignments`, body);
        if (opts.json) return print(json(assignment));
        const verb = assignment.created ? 'assigned' : 'already assigned';
        print(`${verb}: tariff ${assignment.tariffId} on ${targetText(assignment)} (${assignment.timeZone}) from ${assignment.validFrom}, assignment ${assignment.id}`);
      }),
    );

  tariffs
    .command('unassign <tariffId> <assignmentId>')
    .description('end an assignment now; sessions that started before keep the tariff')
    .option('--json', 'print the ended assignment as JSON')
    .action(
      run(async (tariffId: string, assignmentId: string, opts: { json?: boolean }) => {
        const assignment = await api<AssignmentView>('DELETE', `${tariffPath(tariffId)}/assignments/${encodeURIComponent(assignmentId)}`);
        print(opts.json ? json(assignment) : `ended: tariff ${assignment.tariffId} on ${targetText(assignment)} until ${assignment.validUntil}`);
      }),
    );

  tariffs
    .command('assignments')
    .description('list tariff assignments, latest first')
    .option('--charger <id>', 'only this charger')
    .option('--tariff <id>', 'only this tariff')
    .option('--partner <id>', 'only assignments for this partner')
    .addOption(new Option('--status <status>', 'active (default), ended, or all').choices(['active', 'ended', 'all']).default('active'))
    .option('--limit <n>', 'at most n assignments (1-500)', positiveInteger, 50)
    .option('--offset <n>', 'skip the first n', nonNegativeInteger, 0)
    .option('--json', 'print the page as JSON')
    .action(
      run(async (opts: { charger?: string; tariff?: string; partner?: string; status: string; limit: number; offset: number; json?: boolean }) => {
        const query = search({ chargerId: opts.charger, tariffId: opts.tariff, partnerId: opts.partner, status: opts.status, limit: opts.limit, offset: opts.offset });
        const page = await api<Page<AssignmentView>>('GET', `/api/v1/tariff-assignments${query}`);
        if (opts.json) return print(json(page));
        const rows = page.items.map((a) => [a.id, a.tariffId, a.chargerId, text(a.evseId), text(a.connectorId), text(a.partnerId), a.timeZone, a.validFrom, text(a.validUntil)]);
        print(`${table(rows, ['ID', 'TARIFF', 'CHARGER', 'EVSE', 'CONNECTOR', 'PARTNER', 'TIME ZONE', 'VALID FROM', 'VALID UNTIL'])}\n${footer(page)}`);
      }),
    );

  return tariffs;
}

class CliFailure extends Error {}

function readTariffFile(file: string): { id: string } & Record<string, unknown> {
  let textContent: string;
  try {
    textContent = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliFailure(`cannot read the tariff file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let tariff: unknown;
  try {
    tariff = JSON.parse(textContent);
  } catch (error) {
    throw new CliFailure(`tariff file ${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof tariff !== 'object' || tariff === null || Array.isArray(tariff)) throw new CliFailure(`tariff file ${file}: expected an OCPI Tariff object`);
  const id = (tariff as Record<string, unknown>)['id'];
  if (typeof id !== 'string' || id === '') throw new CliFailure(`tariff file ${file}: id: expected the tariff id (a string of 1 to 36 characters)`);
  return tariff as { id: string } & Record<string, unknown>;
}

function partyOf(value: string): [string, string] {
  const match = /^([A-Za-z]{2})\*?([A-Za-z0-9]{3})$/.exec(value);
  if (match === null) throw new CliFailure(`--party: expected country code and party id such as NL*RGT, got "${value}"`);
  return [match[1]!.toUpperCase(), match[2]!.toUpperCase()];
}

function targetText(a: AssignmentView): string {
  const where = [`charger ${a.chargerId}`, a.evseId === null ? '' : `EVSE ${a.evseId}`, a.connectorId === null ? '' : `connector ${a.connectorId}`].filter(Boolean).join(' ');
  return a.partnerId === null ? where : `${where} for partner ${a.partnerId}`;
}

function elementsSummary(tariff: Record<string, unknown>): string {
  const elements = Array.isArray(tariff['elements']) ? (tariff['elements'] as { price_components?: { type?: string; price?: number }[] }[]) : [];
  const parts = elements.flatMap((e) => (e.price_components ?? []).map((c) => `${c.type} ${c.price}`));
  const summary = parts.join(', ');
  return summary.length > 60 ? `${summary.slice(0, 57)}...` : summary;
}

const table = (rows: readonly (readonly string[])[], header: readonly string[]): string => cliTable(rows, header, '(none)');

function fields(entries: readonly [string, unknown][]): string {
  const width = Math.max(...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${text(v)}`).join('\n');
}

const footer = (page: Page<unknown>): string =>
  page.items.length === 0 ? `${page.total} in total` : `${page.offset + 1}-${page.offset + page.items.length} of ${page.total}`;
const text = (value: unknown): string => (value === null || value === undefined || value === '' ? '-' : String(value));
const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
