import { Command, InvalidArgumentError, Option } from 'commander';
import { ApiClient } from '@roamgate/runtime';
import {
  currentUser,
  json,
  nonNegativeInteger,
  positiveInteger,
  positiveNumber,
  run,
  search,
  stdout as print,
  table,
  text,
} from '@roamgate/runtime/cli';
import { abbreviate, fields, pageFooter } from './format';

// Types of what the operations API answers; the API module owns the full shapes.
interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

interface Connector {
  readonly evseId: number;
  readonly connectorId: number;
  readonly status: string | null;
  readonly errorCode: string;
  readonly since: string | null;
}

interface Charger {
  readonly id: string;
  readonly registered: boolean;
  readonly connected: boolean;
  readonly protocol: string | null;
  readonly vendor: string | null;
  readonly model: string | null;
  readonly firmwareVersion: string | null;
  readonly lastSeenAt: string | null;
  readonly connectors: readonly Connector[];
  readonly [field: string]: unknown;
}

interface Session {
  readonly id: string;
  readonly chargerId: string;
  readonly evseId: number;
  readonly connectorId: number;
  readonly status: string;
  readonly startedAt: string | null;
  readonly stoppedAt: string | null;
  readonly energyWh: string | null;
  readonly idToken: { readonly id: string } | null;
  readonly [field: string]: unknown;
}

interface CommandDoc {
  readonly id: string;
  readonly kind: string;
  readonly chargerId: string;
  readonly status: string;
  readonly result: string | null;
  readonly requestedAt: string | null;
  readonly latencyMs: number | null;
  readonly [field: string]: unknown;
}

interface OcppMessage {
  readonly at: string | null;
  readonly direction: string | null;
  readonly frameType: string | null;
  readonly action: string;
  readonly messageId: string;
  readonly payload: string;
  readonly latencyMs: number | null;
  readonly validationError: string | null;
}

const KINDS = [
  'START_SESSION',
  'STOP_SESSION',
  'UNLOCK_CONNECTOR',
  'RESERVE_NOW',
  'CANCEL_RESERVATION',
  'RESET',
  'CHANGE_AVAILABILITY',
  'TRIGGER_MESSAGE',
  'GET_CONFIGURATION',
  'CHANGE_CONFIGURATION',
] as const;

const PENDING = new Set(['REQUESTED', 'SENT']);

export interface ChargerCommandsOptions {
  /** How commands reach the API; by default from ROAMGATE_URL and ROAMGATE_ADMIN_TOKEN (or the token file). */
  readonly client?: () => ApiClient;
}

/** `chargers`, `sessions` and `commands`: the operator's view of the charger gateway, over the operations API. */
export function registerChargerCommands(program: Command, options: ChargerCommandsOptions = {}): Command {
  const client = options.client ?? (() => new ApiClient());
  const api = <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => client().request<T>(method, path, body);

  const chargers = program.command('chargers').description('register chargers and look at their state, message log and commands');

  chargers
    .command('add <id>')
    .description('register a charger so it may connect (OCPP identity: 1-48 characters, no ":" or "/")')
    .option('--password <password>', 'HTTP Basic password for security profiles 1 and 2 (stored hashed); omit for profile 0')
    .option('--location <id>', 'OCPI location the charger belongs to')
    .option('--tag <tag...>', 'labels that launch-plan charger groups select on')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (id: string, opts: { password?: string; location?: string; tag?: string[]; json?: boolean }) => {
        const body = { id, ...(opts.password ? { password: opts.password } : {}), ...(opts.location ? { locationId: opts.location } : {}), ...(opts.tag ? { tags: opts.tag } : {}) };
        const charger = await api<{ id: string; securityProfile: number }>('POST', '/api/v1/chargers', body);
        print(opts.json ? json(charger) : `registered charger ${charger.id} (security profile ${charger.securityProfile})`);
      }),
    );

  chargers
    .command('list')
    .description('list chargers with connectivity, status and charger mix')
    .option('--vendor <vendor>', 'only this vendor')
    .option('--model <model>', 'only this model')
    .option('--firmware <version>', 'only this firmware version')
    .option('--connected', 'only connected chargers')
    .option('--no-connected', 'only disconnected chargers')
    .option('--limit <n>', 'at most n chargers (1-500)', positiveInteger, 50)
    .option('--offset <n>', 'skip the first n', nonNegativeInteger, 0)
    .option('--json', 'print the page as JSON')
    .action(
      run(async (opts: { vendor?: string; model?: string; firmware?: string; connected?: boolean; limit: number; offset: number; json?: boolean }) => {
        const query = search({ vendor: opts.vendor, model: opts.model, firmwareVersion: opts.firmware, connected: opts.connected, limit: opts.limit, offset: opts.offset });
        const page = await api<Page<Charger>>('GET', `/api/v1/chargers${query}`);
        if (opts.json) return print(json(page));
        const rows = page.items.map((c) => [c.id, c.connected ? 'yes' : 'no', chargerStatus(c), text(c.protocol), text(c.vendor), text(c.model), text(c.firmwareVersion), text(c.lastSeenAt)]);
        print(`${table(rows, ['ID', 'CONNECTED', 'STATUS', 'PROTOCOL', 'VENDOR', 'MODEL', 'FIRMWARE', 'LAST SEEN'])}\n${pageFooter(page)}`);
      }),
    );

  chargers
    .command('show <id>')
    .description('show one charger: boot data, connectivity and status per EVSE/connector')
    .option('--json', 'print the charger as JSON')
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const charger = await api<Charger>('GET', `/api/v1/chargers/${encodeURIComponent(id)}`);
        if (opts.json) return print(json(charger));
        const { connectors, ...rest } = charger;
        const rows = connectors.map((c) => [String(c.evseId), String(c.connectorId), text(c.status), text(c.errorCode), text(c.since)]);
        print(`${fields(Object.entries(rest))}\n\n${connectors.length === 0 ? 'no connector status reported' : table(rows, ['EVSE', 'CONNECTOR', 'STATUS', 'ERROR', 'SINCE'])}`);
      }),
    );

  chargers
    .command('log <id>')
    .description('the latest OCPP frames of a charger, oldest first (← from the charger, → to the charger)')
    .option('--limit <n>', 'how many of the latest frames (1-500)', positiveInteger, 50)
    .option('--json', 'print the frames as JSON')
    .action(
      run(async (id: string, opts: { limit: number; json?: boolean }) => {
        const page = await api<Page<OcppMessage>>('GET', `/api/v1/chargers/${encodeURIComponent(id)}/messages${search({ order: 'desc', limit: opts.limit })}`);
        const frames = [...page.items].reverse();
        print(opts.json ? json(frames) : messageLog(frames, page.total));
      }),
    );

  chargers
    .command('command <id> <kind>')
    .description(`send a command to a charger; kind: ${KINDS.map((k) => k.toLowerCase().replaceAll('_', '-')).join(', ')}`)
    .option('--connector <n>', 'connector id', nonNegativeInteger)
    .option('--evse <n>', 'EVSE id (OCPP 2.0.1)', nonNegativeInteger)
    .option('--id-tag <tag>', 'id tag / id token to start or reserve with')
    .option('--id-token-type <type>', 'OCPP 2.0.1 IdTokenEnumType of --id-tag, e.g. ISO14443')
    .option('--transaction-id <id>', 'transaction to stop')
    .option('--session <id>', 'session to stop')
    .option('--reservation-id <id>', 'reservation to make, use or cancel')
    .option('--expires-at <time>', 'reservation expiry (RFC 3339)')
    .addOption(new Option('--reset-type <type>', 'reset type').choices(['Soft', 'Hard', 'Immediate', 'OnIdle']))
    .addOption(new Option('--availability <availability>', 'availability to change to').choices(['Operative', 'Inoperative']))
    .option('--message <name>', 'message to trigger, e.g. StatusNotification')
    .option('--key <key...>', 'configuration key(s) to read, or the one key to change')
    .option('--value <value>', 'configuration value to write')
    .option('--timeout <seconds>', 'answer timeout in seconds', positiveNumber)
    .option('--wait', 'wait for the outcome; exit code 1 unless the charger accepted')
    .option('--json', 'print the result as JSON')
    .action(
      run(async (id: string, kindText: string, opts: CommandOptions) => {
        const kind = kindOf(kindText);
        const body = { kind, ...commandPayload(kind, opts), requestedBy: `cli:${currentUser()}`, ...(opts.timeout === undefined ? {} : { timeoutSeconds: opts.timeout }) };
        const { commandId } = await api<{ commandId: string }>('POST', `/api/v1/chargers/${encodeURIComponent(id)}/commands`, body);
        if (!opts.wait) return print(opts.json ? json({ commandId }) : `command ${commandId} requested (${kind} for ${id})`);
        const outcome = await waitForOutcome(api, commandId, (opts.timeout ?? 30) + 15);
        const detail = outcome.result && outcome.result !== outcome.status ? ` (${outcome.result})` : '';
        print(opts.json ? json(outcome) : `command ${commandId}: ${outcome.status}${detail}${outcome.latencyMs === null ? '' : ` in ${outcome.latencyMs} ms`}`);
        if (outcome.status !== 'ACCEPTED') process.exitCode = 1;
      }),
    );

  const sessions = program.command('sessions').description('charging sessions and their OCPP message logs');

  sessions
    .command('list')
    .description('list sessions, latest start first')
    .option('--charger <id>', 'only this charger')
    .addOption(new Option('--status <status>', 'only active or completed sessions').choices(['active', 'completed']))
    .option('--vendor <vendor>', 'only chargers of this vendor (at session start)')
    .option('--model <model>', 'only this charger model (at session start)')
    .option('--limit <n>', 'at most n sessions (1-500)', positiveInteger, 50)
    .option('--offset <n>', 'skip the first n', nonNegativeInteger, 0)
    .option('--json', 'print the page as JSON')
    .action(
      run(async (opts: { charger?: string; status?: string; vendor?: string; model?: string; limit: number; offset: number; json?: boolean }) => {
        const query = search({ chargerId: opts.charger, status: opts.status?.toUpperCase(), vendor: opts.vendor, model: opts.model, limit: opts.limit, offset: opts.offset });
        const page = await api<Page<Session>>('GET', `/api/v1/sessions${query}`);
        if (opts.json) return print(json(page));
        const rows = page.items.map((s) => [s.id, s.chargerId, `${s.evseId}/${s.connectorId}`, s.status, text(s.idToken?.id), text(s.startedAt), text(s.stoppedAt), text(s.energyWh)]);
        print(`${table(rows, ['ID', 'CHARGER', 'EVSE/CONN', 'STATUS', 'ID TOKEN', 'STARTED', 'STOPPED', 'ENERGY WH'])}\n${pageFooter(page)}`);
      }),
    );

  sessions
    .command('show <id>')
    .description('show one session: meter readings, energy, stop reason, anomalies, charger mix at start')
    .option('--json', 'print the session as JSON')
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const session = await api<Session>('GET', `/api/v1/sessions/${encodeURIComponent(id)}`);
        print(opts.json ? json(session) : fields(Object.entries(session)));
      }),
    );

  sessions
    .command('log <id>')
    .description('the OCPP frames of a session, oldest first (← from the charger, → to the charger)')
    .option('--limit <n>', 'how many of the latest frames (1-500)', positiveInteger, 100)
    .option('--json', 'print the frames as JSON')
    .action(
      run(async (id: string, opts: { limit: number; json?: boolean }) => {
        const page = await api<Page<OcppMessage>>('GET', `/api/v1/sessions/${encodeURIComponent(id)}/messages${search({ order: 'desc', limit: opts.limit })}`);
        const frames = [...page.items].reverse();
        print(opts.json ? json(frames) : messageLog(frames, page.total));
      }),
    );

  const commands = program.command('commands').description('commands sent to chargers and their outcomes');

  commands
    .command('list')
    .description('list commands, latest first')
    .option('--charger <id>', 'only this charger')
    .addOption(new Option('--status <status>', 'only this status').choices(['requested', 'sent', 'accepted', 'rejected', 'timed_out', 'failed']))
    .option('--limit <n>', 'at most n commands (1-500)', positiveInteger, 50)
    .option('--offset <n>', 'skip the first n', nonNegativeInteger, 0)
    .option('--json', 'print the page as JSON')
    .action(
      run(async (opts: { charger?: string; status?: string; limit: number; offset: number; json?: boolean }) => {
        const page = await api<Page<CommandDoc>>('GET', `/api/v1/commands${search({ chargerId: opts.charger, status: opts.status?.toUpperCase(), limit: opts.limit, offset: opts.offset })}`);
        if (opts.json) return print(json(page));
        const rows = page.items.map((c) => [c.id, c.chargerId, c.kind, c.status, text(c.result), text(c.requestedAt), c.latencyMs === null ? '-' : `${c.latencyMs} ms`]);
        print(`${table(rows, ['ID', 'CHARGER', 'KIND', 'STATUS', 'RESULT', 'REQUESTED', 'LATENCY'])}\n${pageFooter(page)}`);
      }),
    );

  commands
    .command('show <id>')
    .description('show one command: status, result, timing and answer')
    .option('--json', 'print the command as JSON')
    .action(
      run(async (id: string, opts: { json?: boolean }) => {
        const command = await api<CommandDoc>('GET', `/api/v1/commands/${encodeURIComponent(id)}`);
        print(opts.json ? json(command) : fields(Object.entries(command)));
      }),
    );

  return program;
}

interface CommandOptions {
  connector?: number;
  evse?: number;
  idTag?: string;
  idTokenType?: string;
  transactionId?: string;
  session?: string;
  reservationId?: string;
  expiresAt?: string;
  resetType?: string;
  availability?: string;
  message?: string;
  key?: string[];
  value?: string;
  timeout?: number;
  wait?: boolean;
  json?: boolean;
}

/** Options map onto the proto JSON fields of the payload; the API refuses a field the kind does not have. */
export function commandPayload(kind: string, opts: CommandOptions): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  const set = (field: string, value: unknown) => {
    if (value !== undefined) payload[field] = value;
  };
  set('connectorId', opts.connector);
  set('evseId', opts.evse);
  if (opts.idTag !== undefined) payload['idToken'] = { id: opts.idTag, ...(opts.idTokenType ? { type: opts.idTokenType } : {}) };
  set('transactionId', opts.transactionId);
  set('sessionId', opts.session);
  set('reservationId', opts.reservationId);
  set('expiresAt', opts.expiresAt);
  set('resetType', opts.resetType);
  set('availability', opts.availability);
  set('requestedMessage', opts.message);
  if (opts.key !== undefined) {
    if (kind === 'GET_CONFIGURATION') payload['keys'] = opts.key;
    else if (opts.key.length > 1) throw new InvalidArgumentError(`${kind} takes one --key`);
    else payload['key'] = opts.key[0];
  }
  set('value', opts.value);
  return payload;
}

function kindOf(text: string): (typeof KINDS)[number] {
  const kind = text.toUpperCase().replaceAll('-', '_');
  const known = KINDS.find((k) => k === kind);
  if (known === undefined) throw new InvalidArgumentError(`unknown command kind "${text}"; one of ${KINDS.map((k) => k.toLowerCase().replaceAll('_', '-')).join(', ')}`);
  return known;
}

async function waitForOutcome(api: <T>(method: 'GET', path: string) => Promise<T>, commandId: string, seconds: number): Promise<CommandDoc> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      const command = await api<CommandDoc>('GET', `/api/v1/commands/${commandId}`);
      if (!PENDING.has(command.status)) return command;
    } catch (error) {
      // The command read model may not have caught up with the request yet.
      if (!(error instanceof Error && 'status' in error && error.status === 404)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`command ${commandId} has no outcome after ${seconds} s; see roamgate commands show ${commandId}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function chargerStatus(charger: Charger): string {
  const whole = charger.connectors.find((c) => c.evseId === 0 && c.connectorId === 0);
  if (whole) return text(whole.status);
  const statuses = [...new Set(charger.connectors.map((c) => c.status ?? '?'))];
  return statuses.length === 0 ? '-' : statuses.join(',');
}

export function messageLog(frames: readonly OcppMessage[], total: number): string {
  if (frames.length === 0) return '(no frames)';
  const lines = frames.map((m) => {
    const arrow = m.direction === 'FROM_CHARGER' ? '←' : m.direction === 'TO_CHARGER' ? '→' : '?';
    const type = m.frameType === 'CALL' ? 'CALL' : m.frameType === 'CALL_RESULT' ? 'RESULT' : m.frameType === 'CALL_ERROR' ? 'ERROR' : '?';
    const latency = m.latencyMs === null ? '' : ` ${m.latencyMs}ms`;
    const invalid = m.validationError ? `  INVALID: ${m.validationError}` : '';
    return `${text(m.at)} ${arrow} ${type.padEnd(6)} ${m.action.padEnd(26)} ${m.messageId}${latency}  ${abbreviate(m.payload, 100)}${invalid}`;
  });
  return frames.length < total ? `${lines.join('\n')}\n(latest ${frames.length} of ${total}; --limit for more)` : lines.join('\n');
}
