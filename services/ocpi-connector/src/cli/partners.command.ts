import { Command, InvalidArgumentError, Option } from 'commander';
import { cliContext, json, nonNegativeInteger, pageSize, run, table, type CliOptions } from '@roamgate/runtime/cli';
import { addScopeCommand } from './scope.command';
import { addProbeCommand } from '../ocpi/probe/probe.command';

export type PartnerCommandsOptions = CliOptions;

interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

interface PartnerView {
  readonly id: string;
  readonly status: string;
  readonly party: { countryCode: string; partyId: string; role: string; name?: string } | null;
  readonly version: string | null;
  readonly versionsUrl: string | null;
  readonly initiatedBy: string | null;
  readonly updatedAt: string | null;
  readonly endpoints: readonly { identifier: string; role: string; url: string }[];
  readonly [field: string]: unknown;
}

interface Call {
  readonly at: string;
  readonly direction: string;
  readonly method: string;
  readonly url: string;
  readonly module: string;
  readonly httpStatus: number;
  readonly ocpiStatusCode: number;
  readonly latencyMs: number;
  readonly error: string | null;
}

const ROLES = ['CPO', 'EMSP', 'HUB', 'NAP', 'NSP', 'SCSP', 'OTHER'];

/** `partners`: invite partners, register with them, rotate tokens and read the OCPI call log, over the operations API. */
export function registerPartnerCommands(program: Command, options: PartnerCommandsOptions = {}): Command {
  const { api, print } = cliContext(options);
  const partners = program.command('partners').description('OCPI partners: invitations, registrations, launch scopes, token rotation and the call log');

  partners
    .command('invite')
    .description('issue a token A for a party to register with us; prints it (once) with our versions URL')
    .requiredOption('--country-code <cc>', 'ISO 3166 alpha-2 country code of the party', countryCode)
    .requiredOption('--party-id <id>', 'the party id (3 letters or digits)', partyId)
    .addOption(new Option('--role <role>', 'the party role').choices(ROLES).default('EMSP'))
    .option('--name <name>', 'business name, for display')
    .option('--accept-unencoded-tokens', 'accept (and send) credentials tokens without Base64, for OCPI 2.1.1-era peers')
    .option('--json', 'print the invitation as JSON')
    .action(
      run(async (opts: { countryCode: string; partyId: string; role: string; name?: string; acceptUnencodedTokens?: boolean; json?: boolean }) => {
        const invitation = await api<{ partnerId: string; token: string; versionsUrl: string }>('POST', '/api/v1/partners/invitations', {
          countryCode: opts.countryCode,
          partyId: opts.partyId,
          role: opts.role,
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.acceptUnencodedTokens ? { acceptsUnencodedTokens: true } : {}),
        });
        if (opts.json) return print(json(invitation));
        print(`partner ${invitation.partnerId} invited\ntoken A:      ${invitation.token}\nversions URL: ${invitation.versionsUrl}\nThe token is shown only now; hand both over through a secure channel.`);
      }),
    );

  partners
    .command('register')
    .description("register with a partner from the token A and versions URL it gave us")
    .requiredOption('--versions-url <url>', "the partner's OCPI versions URL")
    .requiredOption('--token <token>', 'the token A the partner issued')
    .requiredOption('--country-code <cc>', "the partner's country code", countryCode)
    .requiredOption('--party-id <id>', "the partner's party id", partyId)
    .addOption(new Option('--role <role>', "the partner's role").choices(ROLES).default('EMSP'))
    .option('--name <name>', 'business name, for display')
    .option('--accept-unencoded-tokens', 'the partner neither sends nor expects Base64 encoded tokens')
    .option('--json', 'print the partner as JSON')
    .action(
      run(async (opts: { versionsUrl: string; token: string; countryCode: string; partyId: string; role: string; name?: string; acceptUnencodedTokens?: boolean; json?: boolean }) => {
        const partner = await api<PartnerView>('POST', '/api/v1/partners/registrations', {
          versionsUrl: opts.versionsUrl,
          token: opts.token,
          countryCode: opts.countryCode,
          partyId: opts.partyId,
          role: opts.role,
          ...(opts.name ? { name: opts.name } : {}),
          ...(opts.acceptUnencodedTokens ? { acceptsUnencodedTokens: true } : {}),
        });
        print(opts.json ? json(partner) : `registered with partner ${partner.id} (OCPI ${partner.version}, ${partner.endpoints.length} endpoints)`);
      }),
    );

  partners
    .command('list')
    .description('list partners and their registration status')
    .option('--limit <n>', 'at most n partners (1-500)', pageSize, 50)
    .option('--offset <n>', 'skip the first n', nonNegativeInteger, 0)
    .option('--json', 'print the page as JSON')
    .action(
      run(async (opts: { limit: number; offset: number; json?: boolean }) => {
        const page = await api<Page<PartnerView>>('GET', `/api/v1/partners?limit=${opts.limit}&offset=${opts.offset}`);
        if (opts.json) return print(json(page));
        const rows = page.items.map((p) => [p.id, p.status, p.party?.role ?? '-', p.version ?? '-', p.initiatedBy ?? '-', p.updatedAt ?? '-']);
        print(`${table(rows, ['ID', 'STATUS', 'ROLE', 'VERSION', 'INITIATED BY', 'UPDATED'])}\n${page.items.length} of ${page.total}`);
      }),
    );

  partners
    .command('show <id>')
    .description('show one partner: party, version and endpoints (never its tokens)')
    .option('--json', 'print the partner as JSON')
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const partner = await api<PartnerView>('GET', `/api/v1/partners/${encodeURIComponent(id)}`);
        if (opts.json) return print(json(partner));
        const { endpoints, ...rest } = partner;
        const lines = Object.entries(rest).map(([k, v]) => `${k.padEnd(24)} ${typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)}`);
        print(`${lines.join('\n')}\n\n${endpoints.length ? table(endpoints.map((e) => [e.identifier, e.role, e.url]), ['MODULE', 'ROLE', 'URL']) : 'no endpoints'}`);
      }),
    );

  partners
    .command('calls <id>')
    .description('the OCPI calls exchanged with a partner, newest first (← inbound, → outbound)')
    .option('--limit <n>', 'how many (1-500)', pageSize, 50)
    .option('--offset <n>', 'skip the newest n', nonNegativeInteger, 0)
    .option('--session <id>', 'only calls about this charging session')
    .option('--json', 'print the page as JSON')
    .action(
      run(async (id: string, opts: { limit: number; offset: number; session?: string; json?: boolean }) => {
        const session = opts.session ? `&sessionId=${encodeURIComponent(opts.session)}` : '';
        const page = await api<Page<Call>>('GET', `/api/v1/partners/${encodeURIComponent(id)}/calls?limit=${opts.limit}&offset=${opts.offset}${session}`);
        if (opts.json) return print(json(page));
        const rows = page.items.map((c) => [c.at, c.direction === 'INBOUND' ? '←' : '→', c.method, c.module, String(c.httpStatus), String(c.ocpiStatusCode || '-'), `${c.latencyMs} ms`, c.error ?? c.url]);
        print(`${table(rows, ['AT', '', 'METHOD', 'MODULE', 'HTTP', 'OCPI', 'LATENCY', 'URL / ERROR'])}\n${page.items.length} of ${page.total}`);
      }),
    );

  partners
    .command('rotate <id>')
    .description('rotate the credentials tokens with a registered partner (PUT on its credentials endpoint)')
    .option('--json', 'print the partner as JSON')
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const partner = await api<PartnerView>('POST', `/api/v1/partners/${encodeURIComponent(id)}/rotate`);
        print(opts.json ? json(partner) : `rotated the credentials tokens with ${partner.id}`);
      }),
    );

  partners
    .command('delete <id>')
    .description('unregister a partner (telling it with DELETE on its credentials endpoint) or withdraw an invitation')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const result = await api<{ partner: PartnerView; partnerNotified: boolean; notifyError?: string }>('DELETE', `/api/v1/partners/${encodeURIComponent(id)}`);
        if (opts.json) return print(json(result));
        print(`partner ${result.partner.id} unregistered${result.notifyError ? ` (the partner could not be told: ${result.notifyError})` : ''}`);
      }),
    );

  addScopeCommand(partners, api, print);
  addProbeCommand(partners, api, print);

  return partners;
}

function countryCode(value: string): string {
  if (!/^[A-Za-z]{2}$/.test(value)) throw new InvalidArgumentError('must be 2 letters (ISO 3166 alpha-2)');
  return value.toUpperCase();
}

function partyId(value: string): string {
  if (!/^[A-Za-z0-9]{3}$/.test(value)) throw new InvalidArgumentError('must be 3 letters or digits');
  return value.toUpperCase();
}
