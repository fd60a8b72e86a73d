import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { registerSimulateEmspCommand } from './cli';
import { type FakeCpo, startFakeCpo } from './testing/fake-cpo';
import { fixture } from './testing/fixtures';
import { waitFor } from './testing/wait-for';

const main = join(__dirname, 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'roamgate-simulate-emsp-'));
let cpo: FakeCpo;

before(async () => {
  cpo = await startFakeCpo();
});
after(async () => {
  await cpo.close();
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, 'simulate', 'emsp', ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('roamgate simulate emsp (child process)', () => {
  it('refuses invalid input with a message naming the option', async () => {
    const valid = ['--cpo-versions-url', 'http://127.0.0.1:1/ocpi/versions', '--token-a', 'abc'];
    const cases: [string[], RegExp][] = [
      [['--cpo-versions-url', 'ftp://cpo/versions', '--token-a', 'abc'], /--cpo-versions-url: expected an http:\/\/ or https:\/\/ URL/],
      [['--cpo-versions-url', 'http://127.0.0.1:1/ocpi/versions'], /required option '--token-a <token>' not specified/],
      [[...valid, '--port', '70000'], /--port: expected a port from 0 to 65535/],
      [[...valid, '--country-code', 'nld'], /--country-code: expected two capital letters/],
      [[...valid, '--party-id', 'E'], /--party-id: expected three capital letters or digits/],
      [[...valid, '--duration', '0'], /--duration: expected a number of seconds more than 0/],
    ];
    const results = await Promise.all(cases.map(([args]) => run(args)));
    results.forEach((result, index) => {
      assert.notEqual(result.code, 0, `exit code for ${cases[index]![0].join(' ')}`);
      assert.match(result.stderr, cases[index]![1]);
    });
  });

  it('fails with exit code 1 when the CPO cannot be reached', async () => {
    const result = await run(['--cpo-versions-url', 'http://127.0.0.1:1/ocpi/versions', '--token-a', 'abc', '--duration', '1']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /registration with http:\/\/127\.0\.0\.1:1\/ocpi\/versions failed/);
  });

  it('registers, keeps what it receives and writes it to --data when the duration ends', async () => {
    const data = join(dir, 'run');
    const child = run(['--cpo-versions-url', cpo.versionsUrl, '--token-a', cpo.tokenA, '--json', '--duration', '2', '--data', data]);
    await waitFor(() => cpo.tokens.toEmsp !== undefined, 'the simulator to register', 15_000);
    const cdr = await cpo.callEmsp('POST', cpo.emspModule('cdrs'), fixture('cdr_example'));
    assert.equal(cdr.status, 201);
    const result = await child;
    assert.equal(result.code, 0, result.stderr);
    const [registered, stopped] = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(registered?.['event'], 'registered');
    assert.equal(registered?.['cpo'], 'NL*CPO');
    assert.equal(registered?.['tokenFromCpo'], cpo.tokens.fromEmsp);
    assert.match(String(registered?.['versionsUrl']), /^http:\/\/127\.0\.0\.1:\d+\/ocpi\/versions$/);
    assert.equal(stopped?.['event'], 'stopped');
    assert.equal(stopped?.['cdrs'], 1);
    assert.equal(JSON.parse(readFileSync(join(data, 'received.json'), 'utf8')).cdrs[0].cdr.id, '12345');
    assert.match(readFileSync(join(data, 'settlement.csv'), 'utf8'), /^cdr_id,.*\n12345,/);
    assert.ok(existsSync(join(data, 'settlement.json')));
  });
});

describe('roamgate simulate emsp (in process)', () => {
  it('joins the simulate group another simulator created', async () => {
    const program = new Command('roamgate');
    program.command('simulate').command('chargers');
    registerSimulateEmspCommand(program, { out: () => undefined, err: () => undefined });
    const simulate = program.commands.filter((command) => command.name() === 'simulate');
    assert.equal(simulate.length, 1);
    assert.deepEqual(simulate[0]!.commands.map((command) => command.name()), ['chargers', 'emsp']);
  });

  it('prints its versions URL and tokens and stops on the abort signal', async () => {
    const other = await startFakeCpo();
    try {
      const out: string[] = [];
      const stop = new AbortController();
      const program = new Command('roamgate').exitOverride();
      registerSimulateEmspCommand(program, { out: (text) => out.push(text), err: (text) => out.push(text), stop: stop.signal });
      const running = program.parseAsync(['simulate', 'emsp', '--cpo-versions-url', other.versionsUrl, '--token-a', other.tokenA, '--party-id', 'EM1'], { from: 'user' });
      await waitFor(() => out.some((line) => line.startsWith('token C')), 'the registration lines');
      assert.ok(out.some((line) => line.startsWith('eMSP versions URL: http://127.0.0.1:')));
      assert.deepEqual(other.emspCredentials()?.roles.map((role) => role.party_id), ['EM1']);
      stop.abort();
      await running;
      assert.match(out.at(-1)!, /^stopped: 0 sessions, 0 cdrs/);
    } finally {
      await other.close();
    }
  });
});
