#!/usr/bin/env node
// Lints proto/ and checks it for breaking changes (buf rules FILE) against the previous commit.
//   npm run proto:breaking                  against HEAD~1
//   npm run proto:breaking -- --against main
// Without a previous commit that has proto/ there is nothing to compare: the check says why it skipped
// and exits 0. CI checkouts need history for this (actions/checkout: fetch-depth 2 or more).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buf = join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'buf.cmd' : 'buf');
const againstAt = process.argv.indexOf('--against');
const against = againstAt >= 0 ? process.argv[againstAt + 1] : 'HEAD~1';

if (!against) fail('--against needs a git ref');
if (!existsSync(buf)) fail(`buf not found at ${buf}; run npm ci`);

run(buf, ['lint', 'proto']);
console.log('proto:breaking: buf lint proto passed');

const skipReason = reasonToSkip(against);
if (skipReason) {
  console.log(`proto:breaking: breaking-change check skipped: ${skipReason}`);
  process.exit(0);
}

run(buf, ['breaking', 'proto', '--against', `.git#ref=${against},subdir=proto`]);
console.log(`proto:breaking: no breaking changes in proto/ against ${against}`);

function reasonToSkip(ref) {
  if (git(['rev-parse', '--is-inside-work-tree']).status !== 0) return 'not inside a git work tree';
  if (git(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).status !== 0) return 'the repository has no commits yet';
  if (git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).status !== 0) {
    const shallow = git(['rev-parse', '--is-shallow-repository']).stdout.trim() === 'true';
    return shallow
      ? `${ref} is not in this shallow clone; fetch more history (fetch-depth 2 or more) to run the check`
      : `${ref} does not exist (first commit?)`;
  }
  if (git(['cat-file', '-e', `${ref}:proto`]).status !== 0) return `${ref} has no proto/ directory to compare against`;
  return undefined;
}

function git(args) {
  return spawnSync('git', args, { cwd: root, encoding: 'utf8' });
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) fail(`${command}: ${result.error.message}`);
  if (result.status !== 0) {
    console.error(`proto:breaking: ${[command.split('/').pop(), ...args].join(' ')} failed`);
    process.exit(result.status ?? 1);
  }
}

function fail(message) {
  console.error(`proto:breaking: ${message}`);
  process.exit(2);
}
