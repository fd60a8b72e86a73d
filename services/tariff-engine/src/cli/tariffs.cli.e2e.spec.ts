import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runNodeScript, waitFor, type ScriptRun } from '@roamgate/runtime/testing';
import { ADMIN_TOKEN, startTariffEngine, tempDataDir, type TariffEngineUnderTest } from '../tariffs/testing/tariff-engine-app';
import { tariffJson } from '../tariffs/testing/tariff-spec';

const cli = join(__dirname, 'tariffs-main.js');

describe('roamgate tariffs, as a child process against a running tariff engine', () => {
  const data = tempDataDir();
  let engine: TariffEngineUnderTest;
  const file = (name: string, content: unknown) => {
    const path = join(data.dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
    return path;
  };

  const run = (args: readonly string[]): Promise<ScriptRun> => runNodeScript(cli, args, { ROAMGATE_URL: engine.baseUrl, ROAMGATE_ADMIN_TOKEN: ADMIN_TOKEN });
  const json = async <T = any>(args: readonly string[]): Promise<T> => {
    const result = await run([...args, '--json']);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };
  const failed = async (args: readonly string[], message: RegExp) => {
    const result = await run(args);
    assert.equal(result.code, 1, `${args.join(' ')} should fail: ${result.stdout}`);
    assert.match(result.stderr, message);
    return result;
  };

  before(async () => {
    engine = await startTariffEngine(data.dir);
  });

  after(async () => {
    await engine?.stop();
    data.remove();
  });

  it('lists every subcommand in --help, and each subcommand has its own', async () => {
    const help = await run(['tariffs', '--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const command of ['put [options] <file>', 'list [options]', 'show [options] <id>', 'delete [options] <id>', 'assign [options] <tariffId>', 'unassign [options] <tariffId> <assignmentId>', 'assignments [options]']) {
      assert.ok(help.stdout.includes(`\n  ${command} `), command);
    }
    const assign = await run(['tariffs', 'assign', '--help']);
    assert.equal(assign.code, 0, assign.stderr);
    assert.match(assign.stdout, /^Usage: roamgate-tariffs tariffs assign \[options\] <tariffId>/);
    for (const option of ['--charger <id>', '--evse <n>', '--connector <n>', '--partner <id>', '--time-zone <zone>', '--valid-from <time>', '--json']) assert.ok(assign.stdout.includes(option), option);
  });

  it('puts a tariff file, again unchanged, then a later version; a stale one fails with the HTTP status', async () => {
    const v1 = file('v1.json', tariffJson({ id: 'CLI-T', last_updated: '2025-01-01T00:00:00Z' }));
    assert.deepEqual(
      (({ id, outcome, versions, lastUpdated }) => ({ id, outcome, versions, lastUpdated }))(await json(['tariffs', 'put', v1])),
      { id: 'CLI-T', outcome: 'created', versions: 1, lastUpdated: '2025-01-01T00:00:00Z' },
    );
    const again = await run(['tariffs', 'put', v1]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, 'tariff CLI-T: unchanged, version 2025-01-01T00:00:00Z (1 version stored)\n');
    const v2 = file('v2.json', tariffJson({ id: 'CLI-T', last_updated: '2025-02-01T00:00:00Z', currency: 'USD' }));
    assert.equal((await json(['tariffs', 'put', v2])).outcome, 'updated');
    const stale = file('stale.json', tariffJson({ id: 'CLI-T', last_updated: '2025-01-15T00:00:00Z' }));
    await failed(['tariffs', 'put', stale, '--json'], /^error: PUT \/api\/v1\/tariffs\/CLI-T failed with HTTP 409: last_updated: 2025-01-15T00:00:00Z is not later than 2025-02-01T00:00:00Z/);
  });

  it('fails clearly on files that are missing, not JSON, or not a valid tariff', async () => {
    await failed(['tariffs', 'put', join(data.dir, 'missing.json')], /^error: cannot read the tariff file .*missing\.json: ENOENT/);
    await failed(['tariffs', 'put', file('broken.json', '{"id": ')], /^error: tariff file .*broken\.json is not JSON/);
    await failed(['tariffs', 'put', file('noid.json', { currency: 'EUR' })], /id: expected the tariff id/);
    await failed(['tariffs', 'put', file('invalid.json', tariffJson({ id: 'CLI-BAD', currency: 'euro' }))], /HTTP 400: invalid tariff: currency: expected an ISO 4217 currency code/);
  });

  it('lists and shows tariffs and their versions', async () => {
    const list = await waitFor(async () => {
      const page = await json<{ total: number; items: { id: string; versions: number }[] }>(['tariffs', 'list']);
      return page.items[0]?.versions === 2 ? page : undefined;
    }, 'CLI-T projected with two versions', 15_000);
    assert.deepEqual(list.items.map((t) => [t.id, t.versions]), [['CLI-T', 2]]);
    const table = await run(['tariffs', 'list', '--party', 'NL*RGT']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+PARTY\s+CURRENCY\s+TYPE\s+LAST UPDATED\s+VERSIONS\s+ELEMENTS\n/);
    assert.match(table.stdout, /^CLI-T\s+NL\*RGT\s+USD\s+-\s+2025-02-01T00:00:00Z\s+2\s+ENERGY 0.25\n1-1 of 1\n$/m);
    assert.equal((await json(['tariffs', 'list', '--party', 'DE*XYZ'])).total, 0);

    const shown = await json(['tariffs', 'show', 'CLI-T']);
    assert.deepEqual([shown.id, shown.currency, shown.tariff.last_updated], ['CLI-T', 'USD', '2025-02-01T00:00:00Z']);
    const versions = await json<{ items: { lastUpdated: string }[] }>(['tariffs', 'show', 'CLI-T', '--versions']);
    assert.deepEqual(versions.items.map((v) => v.lastUpdated), ['2025-02-01T00:00:00Z', '2025-01-01T00:00:00Z']);
    await failed(['tariffs', 'show', 'NOPE'], /^error: GET \/api\/v1\/tariffs\/NOPE failed with HTTP 404: tariff NOPE not found/);
  });

  it('assigns, lists assignments by charger, and unassigns', async () => {
    const assignment = await json(['tariffs', 'assign', 'CLI-T', '--charger', 'CP-CLI', '--evse', '1', '--connector', '2', '--partner', 'NL-EMS', '--time-zone', 'Europe/Amsterdam']);
    assert.deepEqual([assignment.chargerId, assignment.evseId, assignment.connectorId, assignment.partnerId, assignment.created], ['CP-CLI', 1, 2, 'NL-EMS', true]);
    const human = await run(['tariffs', 'assign', 'CLI-T', '--charger', 'CP-CLI', '--evse', '1', '--connector', '2', '--partner', 'NL-EMS', '--time-zone', 'Europe/Amsterdam']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, new RegExp(`^already assigned: tariff CLI-T on charger CP-CLI EVSE 1 connector 2 for partner NL-EMS \\(Europe/Amsterdam\\) from \\S+, assignment ${assignment.id}\\n$`));
    await failed(['tariffs', 'assign', 'CLI-T', '--charger', 'CP-CLI', '--time-zone', 'Moon/Base'], /HTTP 400: invalid assignment: timeZone: unknown IANA time zone "Moon\/Base"/);
    await failed(['tariffs', 'assign', 'CLI-T', '--charger', 'CP-CLI', '--evse', 'one', '--time-zone', 'UTC'], /--evse <n>' argument 'one' is invalid\. must be a non-negative integer/);
    await failed(['tariffs', 'assign', 'CLI-T', '--charger', 'CP-CLI'], /required option '--time-zone <zone>' not specified/);

    const listed = await waitFor(async () => {
      const page = await json<{ total: number; items: { id: string }[] }>(['tariffs', 'assignments', '--charger', 'CP-CLI']);
      return page.total === 1 ? page : undefined;
    }, 'assignment projected', 15_000);
    assert.deepEqual(listed.items.map((a) => a.id), [assignment.id]);

    const ended = await json(['tariffs', 'unassign', 'CLI-T', assignment.id]);
    assert.deepEqual([ended.active, ended.endReason], [false, 'unassigned']);
    await waitFor(async () => ((await json(['tariffs', 'assignments', '--charger', 'CP-CLI', '--status', 'ended'])).total === 1 ? true : undefined), 'ended', 15_000);
  });

  it('deletes a tariff; deleting an unknown one fails with 404', async () => {
    const deleted = await run(['tariffs', 'delete', 'CLI-T']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'deleted tariff CLI-T (2 versions kept for CDR replay)\n');
    await failed(['tariffs', 'delete', 'NOPE', '--json'], /HTTP 404: tariff NOPE not found/);
  });

  it('says where it tried to connect when no engine answers', async () => {
    const result = await runNodeScript(cli, ['tariffs', 'list'], { ROAMGATE_URL: 'http://127.0.0.1:9', ROAMGATE_ADMIN_TOKEN: ADMIN_TOKEN });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: cannot reach Roamgate at http:\/\/127\.0\.0\.1:9/);
  });
});
