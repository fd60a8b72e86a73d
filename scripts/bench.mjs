#!/usr/bin/env node
// `npm run bench`: builds, then runs every compiled `dist/bench/*.bench.js` one after the other in
// this run, so the ratios they print compare numbers measured on the same machine at the same time.
import { spawnSync } from 'node:child_process';
import { globSync, mkdirSync, writeFileSync } from 'node:fs';

if (!process.argv.includes('--no-build')) {
  const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '--outputStyle=static'], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = globSync('{libs,services}/**/dist/bench/*.bench.js', { exclude: (p) => p.includes('node_modules') })
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const results = [];
for (const file of files) {
  console.log(`\n### ${file}`);
  const run = spawnSync(process.execPath, [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  process.stdout.write(run.stdout);
  const last = run.stdout.trim().split('\n').pop() ?? '';
  try {
    results.push(JSON.parse(last));
  } catch {
    console.error(`${file} did not end with a JSON result line (exit ${run.status})`);
    process.exitCode = 1;
  }
}
mkdirSync('bench-results', { recursive: true });
const out = `bench-results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(out, JSON.stringify({ node: process.version, at: new Date().toISOString(), results }, null, 2));
console.log(`\nresults written to ${out}`);
