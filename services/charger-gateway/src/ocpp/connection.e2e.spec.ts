import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { FrameType } from '@roamgate/contracts';
import { waitFor } from '@roamgate/runtime/testing';
import { RPCClient } from 'ocpp-rpc';
import WebSocket from 'ws';
import { startTestGateway, type TestGateway } from './testing/harness';

type Opened = { readonly ws: WebSocket } | { readonly status: number } | { readonly error: string };

/** Opens a raw WebSocket and reports how the upgrade ended. */
function open(url: string, protocols: string[], headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { headers });
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0 });
      ws.terminate();
    });
    ws.once('error', (error) => resolve({ error: error.message }));
  });
}

const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });

/** A raw OCPP-J exchange: sends one frame, returns the next frame received. */
async function exchange(ws: WebSocket, frame: string): Promise<unknown[]> {
  const answer = once(ws, 'message');
  ws.send(frame);
  const [data] = (await answer) as [Buffer];
  return JSON.parse(data.toString()) as unknown[];
}

describe('OCPP endpoint: subprotocols, authentication, malformed frames', () => {
  let gateway: TestGateway;

  before(async () => {
    gateway = await startTestGateway();
    await gateway.register('OPEN1');
    await gateway.register('LOCKED1', 's3cret-pass');
  });

  after(async () => {
    await gateway?.close();
  });

  describe('subprotocol negotiation', () => {
    it('completes the handshake without a subprotocol and closes when neither ocpp1.6 nor ocpp2.0.1 is offered', async () => {
      const offered = await open(`${gateway.endpoint}/OPEN1`, ['ocpp1.5']);
      assert.deepEqual(offered, { error: 'Server sent no subprotocol' });

      const none = await open(`${gateway.endpoint}/OPEN1`, []);
      assert.ok('ws' in none);
      const [code] = (await once(none.ws, 'close')) as [number];
      assert.equal(code, 1002);

      const client = new RPCClient({ endpoint: gateway.endpoint, identity: 'OPEN1', protocols: ['ocpp2.1'], reconnect: false } as never);
      await assert.rejects(client.connect());
      assert.equal((await gateway.events('charger-OPEN1', 'ChargerConnected')).length, 0, 'a refused connection is not a connection');
    });

    it("picks the charger's preferred version when it offers both", async () => {
      const opened = await open(`${gateway.endpoint}/OPEN1`, ['ocpp2.0.1', 'ocpp1.6']);
      assert.ok('ws' in opened);
      assert.equal(opened.ws.protocol, 'ocpp2.0.1');
      opened.ws.close();
      await once(opened.ws, 'close');
    });

    it('answers upgrades outside /ocpp/<id> with 404', async () => {
      assert.deepEqual(await open(`ws://127.0.0.1:${gateway.port}/other/OPEN1`, ['ocpp1.6']), { status: 404 });
      assert.deepEqual(await open(`${gateway.endpoint}/nested/OPEN1`, ['ocpp1.6']), { status: 404 });
    });
  });

  describe('HTTP Basic authentication (security profile 1)', () => {
    it('accepts the right password', async () => {
      const opened = await open(`${gateway.endpoint}/LOCKED1`, ['ocpp1.6'], basic('LOCKED1', 's3cret-pass'));
      assert.ok('ws' in opened);
      const [connected] = await gateway.waitForEvents('charger-LOCKED1', 'ChargerConnected');
      assert.equal(connected!.data.securityProfile, 1);
      opened.ws.close();
      await gateway.waitForEvents('charger-LOCKED1', 'ChargerDisconnected');
    });

    it('refuses a wrong password, a missing one and a username that is not the charger id with 401', async () => {
      assert.deepEqual(await open(`${gateway.endpoint}/LOCKED1`, ['ocpp1.6'], basic('LOCKED1', 'wrong')), { status: 401 });
      assert.deepEqual(await open(`${gateway.endpoint}/LOCKED1`, ['ocpp1.6']), { status: 401 });
      assert.deepEqual(await open(`${gateway.endpoint}/LOCKED1`, ['ocpp1.6'], basic('OTHER', 's3cret-pass')), { status: 401 });
      const client = new RPCClient({ endpoint: gateway.endpoint, identity: 'LOCKED1', password: 'nope', protocols: ['ocpp2.0.1'], reconnect: false } as never);
      await assert.rejects(client.connect(), (error: { code?: number }) => error.code === 401);
    });

    it('refuses an unknown charger with 401 when unknown chargers are rejected', async () => {
      assert.deepEqual(await open(`${gateway.endpoint}/NOBODY`, ['ocpp1.6'], basic('NOBODY', 'any')), { status: 401 });
      assert.deepEqual(await open(`${gateway.endpoint}/NOBODY`, ['ocpp2.0.1']), { status: 401 });
      assert.deepEqual(await gateway.events('charger-NOBODY'), []);
    });
  });

  describe('malformed and invalid frames', () => {
    let ws: WebSocket;

    before(async () => {
      const opened = await open(`${gateway.endpoint}/OPEN1`, ['ocpp1.6']);
      assert.ok('ws' in opened);
      ws = opened.ws;
    });

    after(async () => {
      ws.close();
      await once(ws, 'close');
    });

    const errorCode = async (frame: string) => {
      const answer = await exchange(ws, frame);
      assert.equal(answer[0], 4, `CALLERROR for ${frame}: ${JSON.stringify(answer)}`);
      return answer[2];
    };

    it('answers every malformed or invalid frame with the right CALLERROR and keeps the connection up', async () => {
      assert.equal(await errorCode('this is not json'), 'RpcFrameworkError');
      assert.equal(await errorCode('{"not":"an array"}'), 'RpcFrameworkError');
      assert.equal(await errorCode('[9,"m0"]'), 'MessageTypeNotSupported');
      assert.equal(await errorCode('[2,"m1","NoSuchAction",{}]'), 'NotImplemented');
      assert.equal(await errorCode('[2,"m2","Reset",{"type":"Hard"}]'), 'NotSupported', 'an OCPP action the central system does not take');
      assert.equal(await errorCode('[2,"m3","Heartbeat","not an object"]'), 'TypeConstraintViolation');
      assert.equal(await errorCode('[2,"m4","BootNotification",{"chargePointVendor":"V"}]'), 'OccurrenceConstraintViolation');
      assert.equal(await errorCode(`[2,"m5","BootNotification",{"chargePointVendor":"${'V'.repeat(21)}","chargePointModel":"M"}]`), 'FormationViolation');
      assert.equal(await errorCode('[2,"m6","Heartbeat",{"unexpected":true}]'), 'PropertyConstraintViolation');
      assert.equal(await errorCode('[2,"m8",42,{}]'), 'RpcFrameworkError', 'an action that is not a string');

      const heartbeat = await exchange(ws, '[2,"m7","Heartbeat",{}]');
      assert.equal(heartbeat[0], 3);
      assert.equal(heartbeat[1], 'm7');
      assert.equal(ws.readyState, WebSocket.OPEN);
    });

    it('answers an unknown action with NotImplemented and a known one it does not take with NotSupported in OCPP 2.0.1 too', async () => {
      await gateway.register('OPEN201');
      const opened = await open(`${gateway.endpoint}/OPEN201`, ['ocpp2.0.1']);
      assert.ok('ws' in opened);
      const unknown = await exchange(opened.ws, '[2,"n1","NoSuchAction",{}]');
      assert.deepEqual([unknown[0], unknown[2]], [4, 'NotImplemented']);
      const notTaken = await exchange(opened.ws, '[2,"n2","Get15118EVCertificate",{"iso15118SchemaVersion":"1","action":"Install","exiRequest":"x"}]');
      assert.deepEqual([notTaken[0], notTaken[2]], [4, 'NotSupported']);
      const invalid = await exchange(opened.ws, '[2,"n3","Heartbeat",{"unexpected":true}]');
      assert.deepEqual([invalid[0], invalid[2]], [4, 'PropertyConstraintViolation']);
      opened.ws.close();
      await once(opened.ws, 'close');
    });

    it('logs the bad frames with their validation errors', async () => {
      const frames = await waitFor(async () => {
        const logged = await gateway.frames('OPEN1');
        return logged.some((f) => f.messageId === 'm7' && f.frameType === FrameType.CALL_RESULT) ? logged : undefined;
      }, 'the frame log', 5_000, 20);
      const notJson = frames.find((f) => f.frame === 'this is not json');
      assert.equal(notJson?.frameType, FrameType.UNSPECIFIED);
      assert.notEqual(notJson?.validationError, '');
      const tooLong = frames.find((f) => f.messageId === 'm5' && f.frameType === FrameType.CALL);
      assert.match(tooLong!.validationError, /chargePointVendor|20 characters/);
      const answer = frames.find((f) => f.messageId === 'm5' && f.frameType === FrameType.CALL_ERROR);
      assert.equal(answer?.action, 'BootNotification');
      const unknownAction = frames.find((f) => f.messageId === 'm1' && f.frameType === FrameType.CALL);
      assert.match(unknownAction!.validationError, /NoSuchAction/);
      const ok = frames.find((f) => f.messageId === 'm7' && f.frameType === FrameType.CALL);
      assert.equal(ok?.validationError, '');
      const okAnswer = frames.find((f) => f.messageId === 'm7' && f.frameType === FrameType.CALL_RESULT);
      assert.equal(okAnswer?.action, 'Heartbeat');
      // Refused by ocpp-rpc before it named the frame: the log still reads the type and id, and pairs the answer.
      const badAction = frames.find((f) => f.messageId === 'm8' && f.frameType === FrameType.CALL);
      assert.match(badAction!.validationError, /Method must be a string/);
      assert.ok(frames.some((f) => f.messageId === 'm8' && f.frameType === FrameType.CALL_ERROR));
      const unknownType = frames.find((f) => f.frame === '[9,"m0"]');
      assert.equal(unknownType?.frameType, FrameType.UNSPECIFIED);
      assert.match(unknownType!.validationError, /message type/i);
    });
  });

  it('replaces an older connection of the same charger by the newer one', async () => {
    const first = await open(`${gateway.endpoint}/OPEN1`, ['ocpp1.6']);
    assert.ok('ws' in first);
    const closed = once(first.ws, 'close');
    const second = await open(`${gateway.endpoint}/OPEN1`, ['ocpp1.6']);
    assert.ok('ws' in second);
    const [code] = (await closed) as [number];
    assert.equal(code, 1000);
    assert.equal((await exchange(second.ws, '[2,"r1","Heartbeat",{}]'))[0], 3);
    second.ws.close();
    await once(second.ws, 'close');
  });
});

describe('OCPP endpoint with unknown chargers held in Pending', () => {
  let gateway: TestGateway;

  before(async () => {
    gateway = await startTestGateway({ OCPP_UNKNOWN_CHARGERS: 'pending', OCPP_HEARTBEAT_INTERVAL_S: '120' });
  });

  after(async () => {
    await gateway?.close();
  });

  it('answers BootNotification Pending, refuses other calls with SecurityError, and accepts once registered', async () => {
    const charger = await gateway.connect('NEWCOMER', 'ocpp1.6');
    const boot = (await charger.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'X1' })) as { status: string; interval: number };
    assert.equal(boot.status, 'Pending');
    assert.equal(boot.interval, 120);
    await assert.rejects(charger.call('Heartbeat', {}), (error: { rpcErrorCode?: string }) => error.rpcErrorCode === 'SecurityError');
    await assert.rejects(charger.call('StatusNotification', { connectorId: 0, errorCode: 'NoError', status: 'Available' }), (error: { rpcErrorCode?: string }) => error.rpcErrorCode === 'SecurityError');
    assert.equal((await gateway.events('charger-NEWCOMER', 'ConnectorStatusChanged')).length, 0);

    await gateway.register('NEWCOMER');
    const again = (await charger.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'X1' })) as { status: string };
    assert.equal(again.status, 'Accepted');
    assert.ok(await charger.call('Heartbeat', {}));
    const booted = await gateway.events('charger-NEWCOMER', 'ChargerBooted');
    assert.deepEqual(booted.map((b) => b.data.bootStatus), [2, 1]);
  });
});
