import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerSimulateCommand } from './cli';
import { type FakeCsms, startFakeCsms } from './testing/fake-csms';
import { waitFor } from './testing/wait-for';

let csms: FakeCsms;
const dir = mkdtempSync(join(tmpdir(), 'roamgate-simulate-'));

before(async () => {
  csms = await startFakeCsms();
});
after(async () => {
  await csms.close();
  rmSync(dir, { recursive: true, force: true });
});

function cli(stop?: AbortSignal) {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command('roamgate')
    .exitOverride()
    .configureOutput({ writeErr: (text) => err.push(text), writeOut: (text) => out.push(text) });
  registerSimulateCommand(program, { out: (text) => out.push(text), err: (text) => err.push(text), ...(stop ? { stop } : {}) });
  const run = (...args: string[]) => program.parseAsync(['simulate', 'chargers', ...args], { from: 'user' });
  return { out, err, run };
}

async function refused(args: string[], message: RegExp): Promise<void> {
  const { err, run } = cli();
  await assert.rejects(run(...args), (error: unknown) => error instanceof CommanderError && error.exitCode !== 0);
  assert.match(err.join(''), message);
}

describe('roamgate simulate chargers', () => {
  it('refuses invalid input with a message naming it', async () => {
    await refused(['--url', csms.url, '--ocpp', '1.7'], /--ocpp: expected 1\.6 or 2\.0\.1/);
    await refused(['--url', 'http://example.org'], /--url: expected a ws:\/\/ or wss:\/\/ URL/);
    await refused(['--url', csms.url, '--count', 'many'], /--count: expected a whole number/);
    await refused(['--url', csms.url, '--duration', '-3'], /--duration: expected a number/);
    await refused(['--count', '2'], /required option '--url <ws url>' not specified/);
    await refused(['--url', csms.url, '--mix', join(dir, 'absent.json')], /absent\.json: file not found/);

    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "models": ');
    await refused(['--url', csms.url, '--mix', broken], /broken\.json: not valid JSON/);
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ models: [{ vendor: 'A', model: 'B', firmwareVersion: '1', share: 'half' }] }));
    await refused(['--url', csms.url, '--mix', invalid], /invalid\.json: models\[0\]\.share: expected a number/);
  });

  it('runs the fleet until stopped and prints the final stats as JSON', async () => {
    const mixFile = join(dir, 'mix.json');
    writeFileSync(
      mixFile,
      JSON.stringify({
        models: [
          { vendor: 'Alfen', model: 'Eve', firmwareVersion: '6.4.0', share: 2 },
          { vendor: 'ABB', model: 'Terra', firmwareVersion: '1.8', share: 1, protocol: '1.6' },
        ],
      }),
    );
    const stop = new AbortController();
    const { out, err, run } = cli(stop.signal);
    const running = run('--url', csms.url, '--count', '3', '--ocpp', '2.0.1', '--mix', mixFile, '--id-prefix', 'CLI-', '--json');
    const reported = () => new Set(csms.calls.filter((c) => c.chargerId.startsWith('CLI-') && c.action === 'StatusNotification').map((c) => c.chargerId));
    await waitFor(() => reported().size === 3, 'three chargers booted and reporting status');
    stop.abort();
    await running;

    const report = JSON.parse(out.at(-1)!);
    assert.equal(report.chargers, 3);
    assert.equal(report.booted, 3);
    assert.equal(report.protocol, 'ocpp2.0.1');
    assert.deepEqual(report.byModel, { 'Alfen Eve': 2, 'ABB Terra': 1 });
    assert.match(err.join('\n'), /connecting 3 ocpp2\.0\.1 chargers/);
    const protocols = csms.connections.filter((c) => c.chargerId.startsWith('CLI-')).map((c) => c.protocol).sort();
    assert.deepEqual(protocols, ['ocpp1.6', 'ocpp2.0.1', 'ocpp2.0.1']);
  });

  it('stops by itself after --duration and prints readable stats', async () => {
    const { out, run } = cli();
    await run('--url', csms.url, '--count', '1', '--duration', '0.3', '--id-prefix', 'TIMED-');
    assert.match(out.join('\n'), /stopped after/);
    assert.match(out.join('\n'), /1 {2}Roamgate SimCharger/);
  });

  it('keeps an existing simulate command', () => {
    const program = new Command('roamgate');
    const simulate = program.command('simulate');
    registerSimulateCommand(program);
    assert.deepEqual(program.commands.map((c) => c.name()), ['simulate']);
    assert.deepEqual(simulate.commands.map((c) => c.name()), ['chargers']);
  });
});
