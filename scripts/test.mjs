#!/usr/bin/env node
// Builds the workspace, then runs the test tiers (unit, int, e2e) with node's test runner on the
// compiled output and prints one closing line summing every tier: `N passed, N failed, N skipped`.
//   npm test                      all tiers
//   npm test -- unit int          chosen tiers
//   npm test -- --filter bus      only spec files whose path contains "bus"
import { spawnSync } from 'node:child_process';
import { globSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIERS = ['unit', 'int', 'e2e'];
const args = process.argv.slice(2);
const filterAt = args.indexOf('--filter');
const filter = filterAt >= 0 ? args[filterAt + 1] : undefined;
const chosen = args.filter((a, i) => TIERS.includes(a) && (filterAt < 0 || i !== filterAt + 1));
const tiers = chosen.length ? chosen : TIERS;
const skipBuild = args.includes('--no-build');

if (!skipBuild) {
  const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static'], { stdio: 'inherit' });
  if (build.status !== 0) {
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

const totals = { pass: 0, fail: 0, skipped: 0, todo: 0, cancelled: 0 };
const reportDir = mkdtempSync(join(tmpdir(), 'roamgate-test-'));
for (const tier of tiers) {
  const files = globSync(`{libs,services}/**/dist/**/*.${tier}.spec.js`, { exclude: (p) => p.includes('node_modules') })
    .filter((f) => !filter || f.includes(filter))
    .sort();
  if (files.length === 0) continue;
  console.log(`\n=== ${tier} tier: ${files.length} file(s) ===`);
  const tap = join(reportDir, `${tier}.tap`);
  const run = spawnSync(
    process.execPath,
    [
      '--enable-source-maps',
      '--test',
      // e2e and int files start servers on fixed-free ports; one file at a time keeps them apart on 2 cores
      `--test-concurrency=${tier === 'unit' ? 2 : 1}`,
      '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`,
      ...files,
    ],
    { stdio: 'inherit', env: { ...process.env, ROAMGATE_TEST_TIER: tier } },
  );
  const text = readFileSync(tap, 'utf8');
  for (const key of Object.keys(totals)) {
    const m = text.match(new RegExp(`^# ${key} (\\d+)$`, 'm'));
    if (m) totals[key] += Number(m[1]);
  }
  if (run.status !== 0 && !/^# fail [1-9]/m.test(text) && !/^# cancelled [1-9]/m.test(text)) totals.fail += 1;
}
const failed = totals.fail + totals.cancelled;
console.log(`\n${totals.pass} passed, ${failed} failed, ${totals.skipped + totals.todo} skipped`);
process.exit(failed > 0 ? 1 : 0);
