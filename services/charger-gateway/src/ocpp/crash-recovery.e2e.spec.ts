import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReadModelStore } from '@roamgate/read-models';
import { ocpp201Examples } from '@roamgate/domain-charging/testing';
import { READ_MODELS } from '@roamgate/runtime';
import { freePort, startNodeProcess, waitFor, type RunningProcess } from '@roamgate/runtime/testing';
import { RPCClient } from 'ocpp-rpc';
import { ORPHANED_COMMAND_GRACE_MS } from '../commands/command-executor';
import { CHARGERS, COMMANDS, SESSIONS, type ChargerDocument, type CommandDocument, type SessionDocument } from '../projections/documents';
import { ConnectionSweep } from './connection-sweep';
import { GatewayInstance } from './gateway-instance';
import { startTestGateway, type TestGateway } from './testing/harness';

const TOKEN = 'crash-recovery-e2e-admin-token-x';
const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();

interface Command {
  readonly id: string;
  readonly status: string;
  readonly sessionId: string | null;
}

/**
 * A gateway process SIGKILLed with chargers connected and remote starts and a stop under way, then started again
 * on the same data directory: first under another GATEWAY_NAME (a different replica, which must leave the
 * connections alone), then under its own name (which closes them and still links the sessions to their commands).
 */
describe('gateway restarted after SIGKILL', () => {
  let dataDir: string;
  let child: RunningProcess | undefined;
  let gateway: TestGateway | undefined;
  const killed: RPCClient[] = [];
  const commands: Record<'start16' | 'linked16' | 'stop16' | 'start201' | 'unanswered', string> = { start16: '', linked16: '', stop16: '', start201: '', unanswered: '' };
  let linkedSession = '';
  let linkedTransactionId = 0;
  let remoteStartId = 0;
  const connectionIds: Record<string, string> = {};

  const chargerDoc = async (chargerId: string) => (await gateway!.app.get<ReadModelStore>(READ_MODELS).get<ChargerDocument>(CHARGERS, chargerId))?.data;
  const disconnects = async (chargerId: string) => gateway!.events(`charger-${chargerId}`, 'ChargerDisconnected');

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'roamgate-gateway-crash-'));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    child = startNodeProcess(join(__dirname, '..', 'main.js'), [], {
      PORT: String(port),
      HOST: '127.0.0.1',
      ROAMGATE_DATA_DIR: dataDir,
      ROAMGATE_ADMIN_TOKEN: TOKEN,
      LOG_LEVEL: 'warn',
      GATEWAY_NAME: 'gw-a',
    });
    const api = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: response.status, body: (await response.json().catch(() => undefined)) as T };
    };
    await waitFor(() => fetch(`${base}/health`).then((r) => (r.ok ? true : undefined), () => undefined), `gateway child on ${port}\n${child.output()}`, 30_000, 100);
    for (const id of ['CR-16', 'CR-201']) assert.equal((await api('POST', '/api/v1/chargers', { id })).status, 201);

    const connect = async (identity: string, protocol: string, answers: Record<string, (params: Record<string, unknown>) => object>) => {
      const client = new RPCClient({ endpoint: `ws://127.0.0.1:${port}/ocpp`, identity, protocols: [protocol], strictMode: true, reconnect: false } as never);
      for (const [action, answer] of Object.entries(answers)) client.handle(action, async ({ params }) => answer(params as Record<string, unknown>) as Record<string, unknown>);
      await client.connect();
      killed.push(client);
      return client;
    };
    const cp16 = await connect('CR-16', 'ocpp1.6', { RemoteStartTransaction: () => ({ status: 'Accepted' }), RemoteStopTransaction: () => ({ status: 'Accepted' }) });
    await cp16.call('BootNotification', { chargePointVendor: 'VendorX', chargePointModel: 'M1' });
    const cs201 = await connect('CR-201', 'ocpp2.0.1', {
      RequestStartTransaction: (params) => {
        remoteStartId = params['remoteStartId'] as number;
        return { status: 'Accepted' };
      },
    });
    await cs201.call('BootNotification', ocpp201Examples.bootNotification());

    const command = async (chargerId: string, body: Record<string, unknown>) => {
      const { status, body: accepted } = await api<{ commandId: string }>('POST', `/api/v1/chargers/${chargerId}/commands`, body);
      assert.equal(status, 202);
      return accepted.commandId;
    };
    const commandDoc = (id: string, ready: (doc: Command) => boolean) =>
      waitFor(async () => {
        const { status, body } = await api<Command>('GET', `/api/v1/commands/${id}`);
        return status === 200 && ready(body) ? body : undefined;
      }, `command ${id}`, 10_000);

    // Linked before the crash: its session took it, so a later start with the same token must not.
    commands.linked16 = await command('CR-16', { kind: 'START_SESSION', idToken: { id: 'TAG-L' }, connectorId: 2 });
    await commandDoc(commands.linked16, (doc) => doc.status === 'ACCEPTED');
    linkedTransactionId = ((await cp16.call('StartTransaction', { connectorId: 2, idTag: 'TAG-L', meterStart: 0, timestamp: iso(60_000) })) as { transactionId: number }).transactionId;
    linkedSession = (await commandDoc(commands.linked16, (doc) => doc.sessionId !== null)).sessionId!;
    commands.stop16 = await command('CR-16', { kind: 'STOP_SESSION', sessionId: linkedSession });
    commands.start16 = await command('CR-16', { kind: 'START_SESSION', idToken: { id: 'TAG-A' }, connectorId: 1 });
    commands.start201 = await command('CR-201', { kind: 'START_SESSION', idToken: { id: 'TAG-B', type: 'ISO14443' }, evseId: 1 });
    for (const id of [commands.stop16, commands.start16, commands.start201]) await commandDoc(id, (doc) => doc.status === 'ACCEPTED');
    assert.ok(remoteStartId > 0);
    // A CALL the charger never answers: the killed process takes its timeout with it.
    cp16.handle('Reset', () => new Promise(() => undefined));
    commands.unanswered = await command('CR-16', { kind: 'RESET', resetType: 'Soft', timeoutSeconds: 2 });
    await commandDoc(commands.unanswered, (doc) => doc.status === 'SENT');

    for (const id of ['CR-16', 'CR-201']) {
      const charger = await waitFor(async () => {
        const { body } = await api<{ connected: boolean; connectionId: string; gatewayInstance: string | null }>('GET', `/api/v1/chargers/${id}`);
        return body?.connected ? body : undefined;
      }, `${id} connected`, 10_000);
      assert.match(charger.gatewayInstance ?? '', /^gw-a@/);
      connectionIds[id] = charger.connectionId;
    }

    const closed = killed.map((client) => once(client, 'close'));
    await child.stop('SIGKILL');
    await Promise.all(closed);
  });

  after(async () => {
    await child?.stop('SIGKILL');
    await gateway?.close({ keepData: true });
    await rm(dataDir, { recursive: true, force: true });
  });

  // In this process, on the killed process's read models (they are per process name). GATEWAY_NAME is read from
  // the process environment, as the gateway's other own settings are.
  const restart = async (name: string) => {
    await gateway?.close({ keepData: true });
    const previous = process.env['GATEWAY_NAME'];
    process.env['GATEWAY_NAME'] = name;
    try {
      gateway = await startTestGateway({}, dataDir, 'charger-gateway');
    } finally {
      if (previous === undefined) delete process.env['GATEWAY_NAME'];
      else process.env['GATEWAY_NAME'] = previous;
    }
    assert.equal(gateway.app.get(GatewayInstance).name, name);
  };

  it('another replica (another GATEWAY_NAME) leaves the connections of gw-a alone', async () => {
    await restart('gw-b');
    assert.deepEqual(await gateway!.app.get(ConnectionSweep).sweep(), []);
    for (const id of ['CR-16', 'CR-201']) {
      assert.deepEqual(await disconnects(id), []);
      assert.equal((await chargerDoc(id))?.connected, true);
    }
  });

  it('gw-a started again records the connections its killed instance left open as closed, before chargers connect', async () => {
    await restart('gw-a');
    for (const id of ['CR-16', 'CR-201']) {
      const [disconnected, ...more] = await disconnects(id);
      assert.equal(more.length, 0);
      assert.equal(disconnected?.data.connectionId, connectionIds[id]);
      assert.equal(disconnected?.data.closeCode, 1006);
      assert.equal(disconnected?.data.reason, 'gateway restarted');
      const doc = await waitFor(async () => {
        const found = await chargerDoc(id);
        return found?.connected === false ? found : undefined;
      }, `${id} shown disconnected`, 10_000);
      assert.equal(doc.disconnectReason, 'gateway restarted');
    }
  });

  it('a charger reconnecting to the new instance is connected again, and a later sweep does not undo it', async () => {
    const instance = gateway!.app.get(GatewayInstance);
    const cp16 = await gateway!.connect('CR-16', 'ocpp1.6');
    const doc = await waitFor(async () => {
      const found = await chargerDoc('CR-16');
      return found?.connected && found.gatewayInstance === instance.id ? found : undefined;
    }, 'CR-16 connected through the new instance', 10_000);
    assert.notEqual(doc.connectionId, connectionIds['CR-16']);

    assert.deepEqual(await gateway!.app.get(ConnectionSweep).sweep(), []);
    assert.equal((await disconnects('CR-16')).length, 1);
    const [connectedNow] = (await gateway!.events('charger-CR-16', 'ChargerConnected')).slice(-1);
    assert.equal(connectedNow?.data.gatewayInstance, instance.id);
    assert.equal((await chargerDoc('CR-16'))?.connected, true);
    await cp16.call('Heartbeat', {});
  });

  it('links sessions started or stopped after the restart to the remote start and stop sent before it', async () => {
    const g = gateway!;
    const sessionOf = (chargerId: string, transactionId: string) =>
      waitFor(async () => {
        const { items } = await g.app.get<ReadModelStore>(READ_MODELS).find<SessionDocument>(SESSIONS, { where: { chargerId, transactionId } });
        return items[0]?.data;
      }, `the session of ${chargerId} transaction ${transactionId}`, 10_000);

    const cp16 = await g.connect('CR-16', 'ocpp1.6');
    const started = (await cp16.call('StartTransaction', { connectorId: 1, idTag: 'TAG-A', meterStart: 10, timestamp: iso() })) as { transactionId: number };
    assert.equal((await sessionOf('CR-16', String(started.transactionId))).commandId, commands.start16);

    await cp16.call('StopTransaction', { transactionId: linkedTransactionId, meterStop: 500, timestamp: iso() });
    const [stopped] = await g.waitForEvents(`session-${linkedSession}`, 'SessionStopped');
    assert.equal(stopped!.data.commandId, commands.stop16);

    // On the connector the stopped session had: a start there before its stop would have closed it as lost.
    const again = (await cp16.call('StartTransaction', { connectorId: 2, idTag: 'TAG-L', meterStart: 20, timestamp: iso() })) as { transactionId: number };
    assert.equal((await sessionOf('CR-16', String(again.transactionId))).commandId, null, 'a remote start its session already took is not taken again');

    const cs201 = await g.connect('CR-201', 'ocpp2.0.1');
    await cs201.call(
      'TransactionEvent',
      ocpp201Examples.transactionStarted({
        timestamp: iso(),
        triggerReason: 'RemoteStart',
        transactionInfo: { transactionId: 'tx-after-crash', chargingState: 'EVConnected', remoteStartId },
        idToken: { idToken: 'TAG-B', type: 'ISO14443' },
        meterValue: undefined,
      } as never),
    );
    assert.equal((await sessionOf('CR-201', 'tx-after-crash')).commandId, commands.start201);
  });

  it('times out the command the killed instance was waiting on, once its deadline is past', async () => {
    const doc = await waitFor(async () => {
      const found = (await gateway!.app.get<ReadModelStore>(READ_MODELS).get<CommandDocument>(COMMANDS, commands.unanswered))?.data;
      return found?.status === 'TIMED_OUT' ? found : undefined;
    }, `command ${commands.unanswered} timed out`, 2_000 + ORPHANED_COMMAND_GRACE_MS + 15_000);
    assert.ok(Date.parse(doc.completedAt!) - Date.parse(doc.requestedAt!) >= 2_000 + ORPHANED_COMMAND_GRACE_MS, 'not before its deadline and the margin left to a live sender');
    const types = (await gateway!.events(`command-${commands.unanswered}`)).map((event) => event.type);
    assert.deepEqual(types, ['CommandRequested', 'CommandSentToCharger', 'CommandTimedOut']);
  });
});
