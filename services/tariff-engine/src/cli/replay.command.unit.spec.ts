import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { Command } from 'commander';
import { ApiError, type ApiClient } from '@roamgate/runtime';
import { registerReplayCommands, REPLAY_FAILED_EXIT_CODE } from './replay.command';
import { registerTariffCommands } from './tariff-price.command';

interface Call {
  readonly method: string;
  readonly path: string;
}

function cli(answers: Record<string, unknown>) {
  const calls: Call[] = [];
  let out = '';
  let err = '';
  const client = {
    request: async (method: string, path: string) => {
      calls.push({ method, path });
      const answer = answers[`${method} ${path}`];
      if (answer === undefined) throw new ApiError(404, { message: `not found: ${path}` }, method, path);
      return answer;
    },
  } as unknown as ApiClient;
  const program = new Command('roamgate').exitOverride();
  registerTariffCommands(program);
  registerReplayCommands(program, { client: () => client, write: (text) => void (out += text), writeError: (text) => void (err += text) });
  return { program, calls, output: () => out, errors: () => err, run: (...args: string[]) => program.parseAsync(['node', 'roamgate', ...args]) };
}

const matching = { cdrId: 'C-1', sessionId: 'S-1', matches: true, diffs: [], tariffs: [{ tariffId: 'T1', lastUpdated: '2025-01-01T00:00:00Z' }], replayedAt: '2025-03-04T08:00:00.000Z' };
const differing = {
  ...matching,
  matches: false,
  diffs: [
    { field: 'total_cost.excl_vat', issued: '4.1', replayed: '4.09' },
    { field: 'charging_periods[1]', issued: '{"start_date_time":"2025-03-03T10:40:00Z"}', replayed: '(absent)' },
  ],
};

describe('roamgate tariff replay and cdrs', () => {
  afterEach(() => {
    process.exitCode = 0;
  });

  it('adds replay to the existing tariff group, beside tariff price', () => {
    const { program } = cli({});
    const groups = program.commands.filter((c) => c.name() === 'tariff');
    assert.equal(groups.length, 1);
    assert.deepEqual(groups[0]!.commands.map((c) => c.name()), ['price', 'replay']);
    assert.ok(program.commands.some((c) => c.name() === 'cdrs'));
  });

  it('creates the tariff group when tariff price is not registered', () => {
    const program = new Command('roamgate');
    registerReplayCommands(program);
    assert.deepEqual(program.commands.find((c) => c.name() === 'tariff')?.commands.map((c) => c.name()), ['replay']);
  });

  it('exits 0 and says so when the replay matches', async () => {
    const { run, calls, output } = cli({ 'POST /api/v1/cdrs/C-1/replay': matching });
    await run('tariff', 'replay', '--cdr', 'C-1');
    assert.deepEqual(calls, [{ method: 'POST', path: '/api/v1/cdrs/C-1/replay' }]);
    assert.equal(process.exitCode, 0);
    assert.equal(output(), 'CDR C-1 of session S-1, tariffs T1 (2025-01-01T00:00:00Z)\nreplay matches the issued CDR\n');
  });

  it('exits 1 and prints every differing field when it does not', async () => {
    const { run, output } = cli({ 'POST /api/v1/cdrs/C-1/replay': differing });
    await run('tariff', 'replay', '--cdr', 'C-1');
    assert.equal(process.exitCode, 1);
    assert.match(output(), /replay DIFFERS in 2 fields:/);
    assert.match(output(), /total_cost\.excl_vat\s+issued 4\.1\s+replayed 4\.09/);
    assert.match(output(), /charging_periods\[1\]\s+issued \{"start_date_time":"2025-03-03T10:40:00Z"\}\s+replayed \(absent\)/);
  });

  it('prints the outcome as JSON with --json, with the same exit code', async () => {
    const { run, output } = cli({ 'POST /api/v1/cdrs/C-1/replay': differing });
    await run('tariff', 'replay', '--cdr', 'C-1', '--json');
    assert.deepEqual(JSON.parse(output()), differing);
    assert.equal(process.exitCode, 1);
  });

  it(`exits ${REPLAY_FAILED_EXIT_CODE} when the CDR cannot be replayed`, async () => {
    const { run, output, errors } = cli({});
    await run('tariff', 'replay', '--cdr', 'nope');
    assert.equal(process.exitCode, REPLAY_FAILED_EXIT_CODE);
    assert.equal(output(), '');
    assert.match(errors(), /HTTP 404: not found: \/api\/v1\/cdrs\/nope\/replay \(is the CDR id right\?/);
  });

  it('lists CDRs with the filters as query parameters, and shows one', async () => {
    const doc = {
      id: 'C-1',
      status: 'ISSUED',
      sessionId: 'S-1',
      chargerId: 'CP-1',
      partnerId: null,
      issuedAt: '2025-03-03T11:00:00.000Z',
      currency: 'EUR',
      startDateTime: '2025-03-03T09:30:00.000Z',
      endDateTime: '2025-03-03T10:35:00.000Z',
      totalCost: { exclVat: '5.9667', inclVat: '6.5633' },
      totalEnergyKwh: '8',
      anomalies: [],
      failure: null,
      cdr: {
        currency: 'EUR',
        start_date_time: '2025-03-03T09:30:00Z',
        end_date_time: '2025-03-03T10:35:00Z',
        charging_periods: [{ start_date_time: '2025-03-03T09:30:00Z', dimensions: [{ type: 'ENERGY', volume: 8 }], tariff_id: 'T-DAY' }],
        total_cost: { excl_vat: 5.9667, incl_vat: 6.5633 },
        total_energy: 8,
      },
      replay: { status: 'MATCHES', replays: 1, lastReplayedAt: null, diffs: [] },
      delivery: { status: 'PENDING' },
    };
    const { run, calls, output } = cli({
      'GET /api/v1/cdrs?sessionId=S-1&status=ISSUED&limit=5&offset=0': { items: [doc], total: 1, offset: 0, limit: 5 },
      'GET /api/v1/cdrs/C-1': doc,
    });
    await run('cdrs', 'list', '--session', 'S-1', '--status', 'issued', '--limit', '5');
    assert.equal(calls[0]?.path, '/api/v1/cdrs?sessionId=S-1&status=ISSUED&limit=5&offset=0');
    assert.match(output(), /C-1\s+S-1\s+CP-1\s+ISSUED\s+2025-03-03T09:30:00.000Z\s+8\s+5.9667 \/ 6.5633 EUR\s+MATCHES/);
    await run('cdrs', 'show', 'C-1');
    assert.match(output(), /2025-03-03T09:30:00Z\s+ENERGY 8\s+T-DAY/);
    assert.match(output(), /total_cost\s+5.9667 excl. VAT, 6.5633 incl. VAT EUR/);
    assert.equal(process.exitCode ?? 0, 0);
  });
});
