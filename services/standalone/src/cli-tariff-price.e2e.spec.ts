import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

const entry = path.join(__dirname, '..', 'bin', 'roamgate.js');
const fixtures = path.join(__dirname, '..', '..', '..', 'libs', 'domain', 'tariffs', 'fixtures');
const fixture = (name: string, file: string) => path.join(fixtures, name, file);

function roamgate(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('roamgate tariff price (child process)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'roamgate-tariff-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the OCPI totals of a CDR file as JSON, ignoring the totals the CDR carries', async () => {
    const cdr = JSON.parse(readFileSync(fixture('tariffs-13-complex-monday', 'cdr.json'), 'utf8'));
    const withWrongTotals = path.join(dir, 'cdr-with-totals.json');
    writeFileSync(withWrongTotals, JSON.stringify({ ...cdr, total_cost: { excl_vat: 1, incl_vat: 1 }, total_energy: 99 }));
    const run = await roamgate('tariff', 'price', '--tariff', fixture('tariffs-13-complex-monday', 'tariff.json'), '--cdr', withWrongTotals, '--time-zone', 'Europe/Berlin', '--json');
    assert.equal(run.code, 0, run.stderr);
    const expected = JSON.parse(readFileSync(fixture('tariffs-13-complex-monday', 'expected.json'), 'utf8'));
    assert.deepEqual(JSON.parse(run.stdout), expected.totals);
  });

  it('uses UTC without --time-zone', async () => {
    // 16:55Z is 18:55 in Berlin: priced in UTC, the 16:55-17:00 charging falls before the 17:00 switch.
    const name = 'tariffs-22-step-size-switch-1';
    const cdr = JSON.parse(readFileSync(fixture(name, 'cdr.json'), 'utf8'));
    const shifted = {
      ...cdr,
      start_date_time: '2019-06-03T16:55:00Z',
      end_date_time: '2019-06-03T17:07:00Z',
      charging_periods: cdr.charging_periods.map((p: { start_date_time: string }) => ({
        ...p,
        start_date_time: p.start_date_time.replace('T14:55', 'T16:55').replace('T15:00', 'T17:00').replace('T15:05', 'T17:05'),
      })),
    };
    const file = path.join(dir, 'utc.json');
    writeFileSync(file, JSON.stringify(shifted));
    const run = await roamgate('tariff', 'price', '--tariff', fixture(name, 'tariff.json'), '--cdr', file, '--json');
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).total_cost, { excl_vat: 0.55, incl_vat: 0.55 });
  });

  it('prints a readable summary without --json', async () => {
    const run = await roamgate('tariff', 'price', '--tariff', fixture('tariffs-02-025kwh-start-fee', 'tariff.json'), '--cdr', fixture('tariffs-02-025kwh-start-fee', 'cdr.json'));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /total_cost\s+5\.5 excl\. VAT\s+6\.1 incl\. VAT\s+EUR/);
  });

  it('names the invalid field of a tariff and exits 1', async () => {
    const tariff = JSON.parse(readFileSync(fixture('tariffs-02-025kwh-start-fee', 'tariff.json'), 'utf8'));
    tariff.elements[0].price_components[1].step_size = 0;
    const file = path.join(dir, 'bad-tariff.json');
    writeFileSync(file, JSON.stringify(tariff));
    const run = await roamgate('tariff', 'price', '--tariff', file, '--cdr', fixture('tariffs-02-025kwh-start-fee', 'cdr.json'), '--json');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /elements\[0\]\.price_components\[1\]\.step_size: expected a positive integer/);
    assert.equal(run.stdout, '');
  });

  it('names the invalid field of a CDR and exits 1', async () => {
    const cdr = JSON.parse(readFileSync(fixture('tariffs-02-025kwh-start-fee', 'cdr.json'), 'utf8'));
    cdr.charging_periods[0].dimensions[0].volume = 'twenty';
    const file = path.join(dir, 'bad-cdr.json');
    writeFileSync(file, JSON.stringify(cdr));
    const run = await roamgate('tariff', 'price', '--tariff', fixture('tariffs-02-025kwh-start-fee', 'tariff.json'), '--cdr', file);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /charging_periods\[0\]\.dimensions\[0\]\.volume: expected a number/);
  });

  it('says which file is not JSON', async () => {
    const file = path.join(dir, 'not-json.json');
    writeFileSync(file, '{ "id": ');
    const run = await roamgate('tariff', 'price', '--tariff', file, '--cdr', fixture('tariffs-02-025kwh-start-fee', 'cdr.json'));
    assert.equal(run.code, 1);
    assert.match(run.stderr, /tariff file .*not-json\.json is not JSON/);
  });

  it('rejects an unknown time zone clearly', async () => {
    const run = await roamgate('tariff', 'price', '--tariff', fixture('tariffs-02-025kwh-start-fee', 'tariff.json'), '--cdr', fixture('tariffs-02-025kwh-start-fee', 'cdr.json'), '--time-zone', 'Mars/Olympus');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /unknown time zone "Mars\/Olympus"/);
  });

  it('reports a tariff that is not valid at the session start', async () => {
    const name = 'tariffs-08-after-tariff-end-date';
    const run = await roamgate('tariff', 'price', '--tariff', fixture(name, 'tariff.json'), '--cdr', fixture(name, 'cdr.json'), '--json');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /tariff 16 is valid from any time until 2019-06-30T23:59:59Z, not at the session start 2019-07-01T10:00:00Z/);
  });
});
