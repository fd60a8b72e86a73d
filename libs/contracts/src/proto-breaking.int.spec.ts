import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Runs scripts/proto-breaking.mjs in a scratch git repository holding a copy of proto/.
const repoRoot = join(__dirname, '..', '..', '..');
const charger = join('proto', 'roamgate', 'v1', 'charger.proto');

describe('scripts/proto-breaking.mjs', () => {
  let dir: string;
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GIT_')));

  const git = (...args: string[]) => {
    const result = spawnSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', '-c', 'commit.gpgsign=false', ...args], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, `git ${args.join(' ')}: ${result.stderr}`);
  };
  const commitAll = (message: string) => {
    git('add', '-A');
    git('commit', '-q', '-m', message);
  };
  const check = () => {
    const result = spawnSync(process.execPath, [join('scripts', 'proto-breaking.mjs')], { cwd: dir, env, encoding: 'utf8' });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  };
  const editCharger = (edit: (text: string) => string) => {
    const path = join(dir, charger);
    const before = readFileSync(path, 'utf8');
    const after = edit(before);
    assert.notEqual(after, before, 'the edit must change charger.proto');
    writeFileSync(path, after);
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'roamgate-proto-breaking-'));
    cpSync(join(repoRoot, 'scripts', 'proto-breaking.mjs'), join(dir, 'scripts', 'proto-breaking.mjs'));
    symlinkSync(join(repoRoot, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(join(dir, '.gitignore'), 'node_modules\n');
    git('init', '-q');
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('skips, and says why, when there is no commit yet', () => {
    cpSync(join(repoRoot, 'proto'), join(dir, 'proto'), { recursive: true });
    const { status, output } = check();
    assert.equal(status, 0, output);
    assert.match(output, /skipped: the repository has no commits yet/);
  });

  it('skips when the previous commit has no proto/', () => {
    rmSync(join(dir, 'proto'), { recursive: true });
    commitAll('before contracts');
    cpSync(join(repoRoot, 'proto'), join(dir, 'proto'), { recursive: true });
    commitAll('contracts');
    const { status, output } = check();
    assert.equal(status, 0, output);
    assert.match(output, /skipped: HEAD~1 has no proto\/ directory/);
  });

  it('passes when a commit only adds a field', () => {
    editCharger((text) => text.replace('int32 heartbeat_interval_seconds = 11;', 'int32 heartbeat_interval_seconds = 11;\n  string iccid = 12;'));
    commitAll('add a field');
    const { status, output } = check();
    assert.equal(status, 0, output);
    assert.match(output, /no breaking changes in proto\/ against HEAD~1/);
  });

  it('fails when a commit removes a field', () => {
    editCharger((text) => text.replace(/^\s*string serial_number = 8;\n/m, ''));
    commitAll('remove a field');
    const { status, output } = check();
    assert.notEqual(status, 0, output);
    assert.match(output, /"serial_number" on message "ChargerBooted" was deleted/);
  });

  it('fails when the contracts break lint rules', () => {
    editCharger((text) => text.replace('string iccid = 12;', 'string iccid = 12;\n  string simCardId = 13;'));
    const { status, output } = check();
    assert.notEqual(status, 0, output);
    assert.match(output, /simCardId.*lower_snake_case/);
  });
});
