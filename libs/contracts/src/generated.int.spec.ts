import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { globSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const repoRoot = join(__dirname, '..', '..', '..');
const checkedIn = join(repoRoot, 'libs', 'contracts', 'src', 'gen');

describe('generated contracts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-proto-gen-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('are what `npm run proto:generate` produces from proto/ today', () => {
    const template = readFileSync(join(repoRoot, 'buf.gen.yaml'), 'utf8');
    const retargeted = template.replace(/out: libs\/contracts\/src\/gen\b/, `out: ${join(dir, 'gen')}`);
    assert.notEqual(retargeted, template, 'buf.gen.yaml no longer writes to libs/contracts/src/gen');
    writeFileSync(join(dir, 'buf.gen.yaml'), retargeted);

    const bin = join(repoRoot, 'node_modules', '.bin');
    const result = spawnSync(join(bin, 'buf'), ['generate', 'proto', '--template', join(dir, 'buf.gen.yaml')], {
      cwd: repoRoot,
      env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);

    const files = (root: string) => globSync('**/*.ts', { cwd: root }).sort();
    assert.deepEqual(files(join(dir, 'gen')), files(checkedIn), 'generated file list differs: run npm run proto:generate');
    for (const file of files(checkedIn)) {
      assert.equal(
        readFileSync(join(dir, 'gen', file), 'utf8'),
        readFileSync(join(checkedIn, file), 'utf8'),
        `${file} is stale: run npm run proto:generate`,
      );
    }
  });
});
