#!/usr/bin/env node
'use strict';
// `npx roamgate` may be reached with an older node on PATH; Roamgate runs on the Node 24 the repo installs.
const { join } = require('node:path');
const { existsSync } = require('node:fs');
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const repoNode = join(__dirname, '..', '..', '..', 'node_modules', '.bin', 'node');
  if (!existsSync(repoNode)) {
    console.error(`roamgate needs Node.js 24 or newer (found ${process.version}); run npm ci first`);
    process.exit(1);
  }
  const { status, signal } = require('node:child_process').spawnSync(repoNode, [__filename, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(status ?? (signal ? 1 : 0));
}
const cli = join(__dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  console.error('roamgate is not built yet: run `npm run build` (npm ci does it) from the repository root');
  process.exit(1);
}
require(cli).buildCli().parseAsync(process.argv).catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
