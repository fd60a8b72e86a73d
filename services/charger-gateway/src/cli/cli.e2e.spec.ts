import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BootStatus, ConnectorStatus, FrameDirection, FrameType, OcppVersion } from '@roamgate/contracts';
import { chargerStreamName, sessionStreamName } from '@roamgate/domain-charging';
import { runNodeScript, waitFor, type ScriptRun } from '@roamgate/runtime/testing';
import { ADMIN_TOKEN, startGateway, tempDataDir, type GatewayUnderTest } from '../api/testing/gateway-app';
import { at, event } from '../projections/testing';

const cli = join(__dirname, 'main.js');

describe('roamgate chargers / sessions / commands, as child processes against a running gateway', () => {
  const data = tempDataDir();
  let gw: GatewayUnderTest;

  const run = (args: readonly string[], env: Record<string, string> = {}): Promise<ScriptRun> =>
    runNodeScript(cli, args, { ROAMGATE_URL: gw.baseUrl, ROAMGATE_ADMIN_TOKEN: ADMIN_TOKEN, ...env });
  const json = async <T = any>(args: readonly string[]): Promise<T> => {
    const result = await run([...args, '--json']);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };

  before(async () => {
    gw = await startGateway(data.dir);
    await gw.append(
      chargerStreamName('CLI-2'),
      event('ChargerConnected', { chargerId: 'CLI-2', occurredAt: at('2025-04-01T08:00:00Z'), protocol: OcppVersion.OCPP_VERSION_2_0_1, connectionId: 'c1' }),
      event('ChargerBooted', {
        chargerId: 'CLI-2',
        occurredAt: at('2025-04-01T08:00:01Z'),
        protocol: OcppVersion.OCPP_VERSION_2_0_1,
        vendor: 'Volt',
        model: 'V2',
        firmwareVersion: '3.1',
        bootStatus: BootStatus.ACCEPTED,
      }),
      event('ConnectorStatusChanged', { chargerId: 'CLI-2', occurredAt: at('2025-04-01T08:00:02Z'), evseId: 1, connectorId: 1, status: ConnectorStatus.OCCUPIED }),
      ...['a', 'b', 'c'].map((id, i) =>
        event('OcppFrameLogged', {
          chargerId: 'CLI-2',
          occurredAt: at(`2025-04-01T08:0${i + 1}:00Z`),
          protocol: OcppVersion.OCPP_VERSION_2_0_1,
          direction: i % 2 === 0 ? FrameDirection.FROM_CHARGER : FrameDirection.TO_CHARGER,
          frameType: FrameType.CALL,
          messageId: `m-${id}`,
          action: 'Heartbeat',
          frame: `[2,"m-${id}","Heartbeat",{}]`,
          sessionId: 'CLI-S',
        }),
      ),
    );
    await gw.append(
      sessionStreamName('CLI-S'),
      event('SessionStarted', { sessionId: 'CLI-S', occurredAt: at('2025-04-01T08:05:00Z'), chargerId: 'CLI-2', evseId: 1, connectorId: 1, transactionId: 'tx-1', idToken: { id: 'TOKEN-1', type: 'ISO14443' }, meterStartWh: '0' }),
    );
    await waitFor(async () => ((await gw.call('GET', '/api/v1/sessions/CLI-S')).status === 200 ? true : undefined), 'session projected', 15_000);
    await waitFor(async () => ((await gw.call('GET', '/api/v1/chargers/CLI-2/messages')).body?.total === 3 ? true : undefined), 'frames projected', 15_000);
  });

  after(async () => {
    await gw?.stop();
    data.remove();
  });

  it('has --help on every command', async () => {
    for (const args of [['chargers'], ['chargers', 'add'], ['chargers', 'list'], ['chargers', 'show'], ['chargers', 'log'], ['chargers', 'command'], ['sessions', 'list'], ['sessions', 'show'], ['sessions', 'log'], ['commands', 'show']]) {
      const result = await run([...args, '--help']);
      assert.equal(result.code, 0, args.join(' '));
      assert.match(result.stdout, /^Usage: /, args.join(' '));
    }
  });

  it('adds a charger, and fails with the HTTP status and message on a second add', async () => {
    const added = await json(['chargers', 'add', 'CLI-1', '--password', 'cli-password-123456', '--location', 'LOC-9', '--tag', 'pilot', 'wave-1']);
    assert.deepEqual(added, { id: 'CLI-1', registered: true, securityProfile: 1, locationId: 'LOC-9', tags: ['pilot', 'wave-1'] });
    const human = await run(['chargers', 'add', 'CLI-3']);
    assert.equal(human.code, 0, human.stderr);
    assert.equal(human.stdout, 'registered charger CLI-3 (security profile 0)\n');
    const again = await run(['chargers', 'add', 'CLI-1']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^error: POST \/api\/v1\/chargers failed with HTTP 409: charger CLI-1 is already registered/);
    const bad = await run(['chargers', 'add', 'CLI:bad']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /HTTP 400: id: must not contain ':'/);
  });

  it('lists and shows chargers', async () => {
    await waitFor(async () => ((await gw.call('GET', '/api/v1/chargers/CLI-1')).status === 200 ? true : undefined), 'CLI-1 projected', 15_000);
    const volt = await json<{ total: number; items: { id: string; connected: boolean }[] }>(['chargers', 'list', '--vendor', 'Volt']);
    assert.deepEqual(volt.items.map((c) => [c.id, c.connected]), [['CLI-2', true]]);
    const disconnected = await json<{ items: { id: string }[] }>(['chargers', 'list', '--no-connected']);
    assert.ok(disconnected.items.some((c) => c.id === 'CLI-1'));
    assert.ok(!disconnected.items.some((c) => c.id === 'CLI-2'));
    const table = await run(['chargers', 'list', '--connected']);
    assert.equal(table.code, 0);
    assert.match(table.stdout, /^ID\s+CONNECTED\s+STATUS\s+PROTOCOL\s+VENDOR/);
    assert.match(table.stdout, /^CLI-2\s+yes\s+OCCUPIED\s+ocpp2\.0\.1\s+Volt\s+V2\s+3\.1/m);

    const shown = await json(['chargers', 'show', 'CLI-2']);
    assert.deepEqual([shown.vendor, shown.connectors[0].status], ['Volt', 'OCCUPIED']);
    const missing = await run(['chargers', 'show', 'NOPE']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /HTTP 404: charger NOPE not found/);
  });

  it('prints the latest frames of a charger oldest first, as JSON or one line each', async () => {
    const frames = await json<{ messageId: string }[]>(['chargers', 'log', 'CLI-2', '--limit', '2']);
    assert.deepEqual(frames.map((f) => f.messageId), ['m-b', 'm-c']);
    const human = await run(['chargers', 'log', 'CLI-2']);
    assert.equal(human.code, 0);
    assert.deepEqual(
      human.stdout.trimEnd().split('\n').map((line) => line.split(/\s+/).slice(0, 5).join(' ')),
      ['2025-04-01T08:01:00.000Z ← CALL Heartbeat m-a', '2025-04-01T08:02:00.000Z → CALL Heartbeat m-b', '2025-04-01T08:03:00.000Z ← CALL Heartbeat m-c'],
    );
    assert.match(human.stdout, /\[2,"m-a","Heartbeat",\{\}\]/);
    const bad = await run(['chargers', 'log', 'CLI-2', '--limit', 'zero']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--limit.*must be a positive integer/);
  });

  it('sends a command and reports its id; an unknown kind fails before any request', async () => {
    const { commandId } = await json<{ commandId: string }>(['chargers', 'command', 'CLI-1', 'start-session', '--connector', '1', '--id-tag', 'TAG-7', '--timeout', '5']);
    const command = await waitFor(async () => {
      const { status, body } = await gw.call('GET', `/api/v1/commands/${commandId}`);
      return status === 200 ? body : undefined;
    }, 'command projected', 15_000);
    assert.deepEqual([command.kind, command.chargerId, command.payload], ['START_SESSION', 'CLI-1', { idToken: { id: 'TAG-7' }, connectorId: 1 }]);
    assert.match(command.requestedBy, /^cli:/);
    const shown = await json(['commands', 'show', commandId]);
    assert.equal(shown.id, commandId);

    const stop = await json<{ commandId: string }>(['chargers', 'command', 'CLI-2', 'stop-session', '--transaction-id', 'tx-1']);
    const stopCommand = await waitFor(async () => {
      const { status, body } = await gw.call('GET', `/api/v1/commands/${stop.commandId}`);
      return status === 200 ? body : undefined;
    }, 'stop projected', 15_000);
    assert.deepEqual(stopCommand.payload, { transactionId: 'tx-1', sessionId: 'CLI-S' });

    const unknown = await run(['chargers', 'command', 'CLI-1', 'explode']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command kind "explode"/);
    const refused = await run(['chargers', 'command', 'CLI-1', 'reset', '--id-tag', 'X']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /HTTP 400: .*idToken/);
  });

  it('lists, shows and logs sessions', async () => {
    const sessions = await json<{ total: number; items: { id: string }[] }>(['sessions', 'list', '--charger', 'CLI-2', '--status', 'active']);
    assert.deepEqual(sessions.items.map((s) => s.id), ['CLI-S']);
    assert.equal((await json<{ total: number }>(['sessions', 'list', '--charger', 'CLI-2', '--status', 'completed'])).total, 0);
    const session = await json(['sessions', 'show', 'CLI-S']);
    assert.deepEqual([session.transactionId, session.vendor, session.idToken.id], ['tx-1', 'Volt', 'TOKEN-1']);
    const frames = await json<{ messageId: string }[]>(['sessions', 'log', 'CLI-S']);
    assert.deepEqual(frames.map((f) => f.messageId), ['m-a', 'm-b', 'm-c']);
    const table = await run(['sessions', 'list']);
    assert.match(table.stdout, /^CLI-S\s+CLI-2\s+1\/1\s+ACTIVE\s+TOKEN-1/m);
  });

  it('says where it tried to connect when nothing answers, and that the token is wrong when it is', async () => {
    const down = await run(['chargers', 'list'], { ROAMGATE_URL: 'http://127.0.0.1:9' });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /cannot reach Roamgate at http:\/\/127\.0\.0\.1:9/);
    const wrong = await run(['chargers', 'list'], { ROAMGATE_ADMIN_TOKEN: 'not-the-token-at-all' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /HTTP 401/);
  });
});
