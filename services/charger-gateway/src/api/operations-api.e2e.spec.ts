import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  BootStatus,
  CommandKind,
  CommandOrigin,
  CommandResult,
  ConnectorStatus,
  encodeEventBinary,
  FrameDirection,
  FrameType,
  OcppVersion,
} from '@roamgate/contracts';
import { chargerStreamName, commandStreamName, sessionStreamName } from '@roamgate/domain-charging';
import type { RecordedEvent } from '@roamgate/event-store';
import { categoryOf, eventHeaders, topicOf } from '@roamgate/relay';
import { waitFor } from '@roamgate/runtime/testing';
import { at, event } from '../projections/testing';
import { ADMIN_TOKEN, startGateway, tempDataDir, type GatewayUnderTest } from './testing/gateway-app';

const booted = (chargerId: string, vendor: string, model: string, firmwareVersion: string, protocol = OcppVersion.OCPP_VERSION_1_6) =>
  event('ChargerBooted', {
    chargerId,
    occurredAt: at('2025-03-01T08:00:00Z'),
    receivedAt: at('2025-03-01T08:00:00Z'),
    protocol,
    vendor,
    model,
    firmwareVersion,
    serialNumber: `SN-${chargerId}`,
    bootStatus: BootStatus.ACCEPTED,
    heartbeatIntervalSeconds: 300,
  });
const connected = (chargerId: string, connectionId: string) =>
  event('ChargerConnected', { chargerId, occurredAt: at('2025-03-01T07:59:59Z'), protocol: OcppVersion.OCPP_VERSION_1_6, connectionId, remoteAddress: '127.0.0.1' });
const status = (chargerId: string, connectorId: number, value: ConnectorStatus, when: string) =>
  event('ConnectorStatusChanged', { chargerId, occurredAt: at(when), receivedAt: at(when), evseId: 0, connectorId, status: value, errorCode: 'NoError' });
const frame = (chargerId: string, when: string, direction: FrameDirection, frameType: FrameType, action: string, messageId: string, text: string, links: { sessionId?: string; commandId?: string } = {}) =>
  event('OcppFrameLogged', {
    chargerId,
    occurredAt: at(when),
    protocol: OcppVersion.OCPP_VERSION_1_6,
    direction,
    frameType,
    messageId,
    action,
    frame: text,
    latencyMs: frameType === FrameType.CALL ? 0 : 15,
    connectionId: 'conn-1',
    ...links,
  });
const energy = (when: string, wh: string) => ({ timestamp: at(when), values: [{ value: wh, measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] });

type Page<T = Record<string, any>> = { items: T[]; total: number; offset: number; limit: number };

describe('charger-gateway operations API over HTTP', () => {
  const data = tempDataDir();
  let gw: GatewayUnderTest;

  before(async () => {
    gw = await startGateway(data.dir);
  });

  after(async () => {
    await gw?.stop();
    data.remove();
  });

  const eventually = <T>(path: string, ready: (body: T) => boolean, what = path) =>
    waitFor(async () => {
      const { status, body } = await gw.call<T>('GET', path);
      return status === 200 && ready(body) ? body : undefined;
    }, what, 15_000);

  it('answers 401 without the admin token', async () => {
    assert.equal((await gw.call('GET', '/api/v1/chargers', undefined, null)).status, 401);
    assert.equal((await gw.call('POST', '/api/v1/chargers', { id: 'CP-X' }, null)).status, 401);
    assert.equal((await gw.call('GET', '/api/v1/sessions', undefined, 'wrong-token')).status, 401);
    assert.equal((await gw.call('GET', '/api/v1/commands', undefined, 'x'.repeat(ADMIN_TOKEN.length))).status, 401);
  });

  it('registers a charger (201), refuses a second registration (409) and bad identities (400)', async () => {
    const created = await gw.call('POST', '/api/v1/chargers', { id: 'CP-REG', password: 'a-long-charger-password', locationId: 'LOC-1', tags: ['pilot'] });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, { id: 'CP-REG', registered: true, securityProfile: 1, locationId: 'LOC-1', tags: ['pilot'] });
    assert.equal(created.headers.get('location'), '/api/v1/chargers/CP-REG');

    const again = await gw.call('POST', '/api/v1/chargers', { id: 'CP-REG' });
    assert.equal(again.status, 409);
    assert.match(again.body.message, /CP-REG is already registered/);

    for (const [body, message] of [
      [{ id: 'CP:1' }, /^id: must not contain ':' or '\/'/],
      [{ id: 'CP/1' }, /^id: must not contain/],
      [{ id: 'x'.repeat(49) }, /^id: must be at most 48 characters/],
      [{ id: '' }, /^id: is required/],
      [{}, /^id: is required/],
      [{ id: 'CP-OK', password: 42 }, /^password: must be a string/],
      [{ id: 'CP-OK', password: 'p'.repeat(41) }, /^password: must be at most 40 characters/],
      [{ id: 'CP-OK', tags: 'pilot' }, /^tags: must be an array of strings/],
    ] as const) {
      const refused = await gw.call('POST', '/api/v1/chargers', body);
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.match(refused.body.message, message);
    }

    const [registered] = await gw.events.readStream(chargerStreamName('CP-REG'));
    const passwordHash = (registered!.data as { passwordHash: string }).passwordHash;
    assert.match(passwordHash, /^scrypt\$/);
    assert.ok(!passwordHash.includes('a-long-charger-password'));

    const charger = await eventually<Record<string, any>>('/api/v1/chargers/CP-REG', (c) => c.registered === true);
    assert.deepEqual([charger.locationId, charger.securityProfile, charger.connected], ['LOC-1', 1, false]);
    assert.equal(charger.mixHistory, undefined, 'internal fields stay internal');
    assert.equal((await gw.call('GET', '/api/v1/chargers/NOPE')).status, 404);
  });

  describe('read models from events appended to the store', () => {
    let startFrame: RecordedEvent[];

    before(async () => {
      await gw.append(
        chargerStreamName('CP-2'),
        connected('CP-2', 'conn-1'),
        booted('CP-2', 'Acme', 'Fast-50', '1.2.0'),
        status('CP-2', 0, ConnectorStatus.AVAILABLE, '2025-03-01T08:00:01Z'),
        status('CP-2', 1, ConnectorStatus.AVAILABLE, '2025-03-01T08:00:01Z'),
      );
      await gw.append(
        commandStreamName('C-1'),
        event('CommandRequested', {
          commandId: 'C-1',
          occurredAt: at('2025-03-01T09:00:00Z'),
          kind: CommandKind.START_SESSION,
          chargerId: 'CP-2',
          origin: CommandOrigin.API,
          timeoutSeconds: 30,
          timeoutMs: 30_000,
          payload: { case: 'startSession', value: { idToken: { id: 'TAG-1', type: '' }, connectorId: 1 } },
        }),
        event('CommandSentToCharger', { commandId: 'C-1', occurredAt: at('2025-03-01T09:00:00.010Z'), chargerId: 'CP-2', protocol: OcppVersion.OCPP_VERSION_1_6, action: 'RemoteStartTransaction', messageId: 'rs-1' }),
        event('CommandAnswered', { commandId: 'C-1', occurredAt: at('2025-03-01T09:00:00.050Z'), chargerId: 'CP-2', messageId: 'rs-1', status: 'Accepted', result: CommandResult.ACCEPTED, latencyMs: 40 }),
      );
      startFrame = await gw.append(
        chargerStreamName('CP-2'),
        frame('CP-2', '2025-03-01T09:00:00.010Z', FrameDirection.TO_CHARGER, FrameType.CALL, 'RemoteStartTransaction', 'rs-1', '[2,"rs-1","RemoteStartTransaction",{"idTag":"TAG-1","connectorId":1}]', { commandId: 'C-1' }),
        frame('CP-2', '2025-03-01T09:00:00.050Z', FrameDirection.FROM_CHARGER, FrameType.CALL_RESULT, 'RemoteStartTransaction', 'rs-1', '[3,"rs-1",{"status":"Accepted"}]', { commandId: 'C-1' }),
        frame('CP-2', '2025-03-01T09:00:02Z', FrameDirection.FROM_CHARGER, FrameType.CALL, 'StartTransaction', 'st-1', '[2,"st-1","StartTransaction",{"connectorId":1,"idTag":"TAG-1","meterStart":1000,"timestamp":"2025-03-01T09:00:02Z"}]', { sessionId: 'S-1' }),
        frame('CP-2', '2025-03-01T09:00:02Z', FrameDirection.TO_CHARGER, FrameType.CALL_RESULT, 'StartTransaction', 'st-1', '[3,"st-1",{"transactionId":7,"idTagInfo":{"status":"Accepted"}}]', { sessionId: 'S-1' }),
        status('CP-2', 1, ConnectorStatus.CHARGING, '2025-03-01T09:00:03Z'),
      );
      await gw.append(
        sessionStreamName('S-1'),
        event('SessionStarted', {
          sessionId: 'S-1',
          occurredAt: at('2025-03-01T09:00:02Z'),
          receivedAt: at('2025-03-01T09:00:02Z'),
          chargerId: 'CP-2',
          protocol: OcppVersion.OCPP_VERSION_1_6,
          connectorId: 1,
          transactionId: '7',
          idToken: { id: 'TAG-1', type: '' },
          meterStartWh: '1000',
          commandId: 'C-1',
        }),
        event('SessionMeterValuesRecorded', { sessionId: 'S-1', occurredAt: at('2025-03-01T09:15:00Z'), chargerId: 'CP-2', transactionId: '7', connectorId: 1, samples: [energy('2025-03-01T09:15:00Z', '3500.25')] }),
        event('SessionStopped', { sessionId: 'S-1', occurredAt: at('2025-03-01T09:30:00Z'), chargerId: 'CP-2', transactionId: '7', meterStopWh: '6000.5', reason: 'EVDisconnected' }),
      );
    });

    it('shows the charger: boot data, connectivity and the status of each connector', async () => {
      const charger = await eventually<Record<string, any>>('/api/v1/chargers/CP-2', (c) => c.connectors?.find((x: any) => x.connectorId === 1)?.status === 'CHARGING');
      assert.deepEqual(
        { vendor: charger.vendor, model: charger.model, firmwareVersion: charger.firmwareVersion, serialNumber: charger.serialNumber, protocol: charger.protocol, bootStatus: charger.bootStatus },
        { vendor: 'Acme', model: 'Fast-50', firmwareVersion: '1.2.0', serialNumber: 'SN-CP-2', protocol: 'ocpp1.6', bootStatus: 'ACCEPTED' },
      );
      assert.equal(charger.connected, true);
      assert.equal(charger.connectionId, 'conn-1');
      assert.equal(charger.registered, false, 'booted without registration: held in Pending');
      assert.deepEqual(
        charger.connectors.map((c: any) => [c.evseId, c.connectorId, c.status, c.since]),
        [
          [0, 0, 'AVAILABLE', '2025-03-01T08:00:01.000Z'],
          [0, 1, 'CHARGING', '2025-03-01T09:00:03.000Z'],
        ],
      );
      assert.ok(charger.lastSeenAt >= '2025-03-01T09:00:02.000Z');
    });

    it('shows the completed session with exact energy and the charger mix at its start', async () => {
      const session = await eventually<Record<string, any>>('/api/v1/sessions/S-1', (s) => s.status === 'COMPLETED');
      assert.deepEqual(
        {
          chargerId: session.chargerId,
          connectorId: session.connectorId,
          transactionId: session.transactionId,
          idToken: session.idToken,
          startedAt: session.startedAt,
          stoppedAt: session.stoppedAt,
          meterStartWh: session.meterStartWh,
          meterStopWh: session.meterStopWh,
          energyWh: session.energyWh,
          stopReason: session.stopReason,
          commandId: session.commandId,
          mix: [session.vendor, session.model, session.firmwareVersion],
        },
        {
          chargerId: 'CP-2',
          connectorId: 1,
          transactionId: '7',
          idToken: { id: 'TAG-1', type: '' },
          startedAt: '2025-03-01T09:00:02.000Z',
          stoppedAt: '2025-03-01T09:30:00.000Z',
          meterStartWh: '1000',
          meterStopWh: '6000.5',
          energyWh: '5000.5',
          stopReason: 'EVDisconnected',
          commandId: 'C-1',
          mix: ['Acme', 'Fast-50', '1.2.0'],
        },
      );
    });

    it('shows the command with its outcome, latency, charger mix and the session it led to', async () => {
      const command = await eventually<Record<string, any>>('/api/v1/commands/C-1', (c) => c.status === 'ACCEPTED' && c.sessionId !== null);
      assert.deepEqual(
        { kind: command.kind, chargerId: command.chargerId, origin: command.origin, result: command.result, latencyMs: command.latencyMs, sessionId: command.sessionId, vendor: command.vendor },
        { kind: 'START_SESSION', chargerId: 'CP-2', origin: 'API', result: 'ACCEPTED', latencyMs: 40, sessionId: 'S-1', vendor: 'Acme' },
      );
      assert.deepEqual([command.requestedAt, command.sentAt, command.answeredAt], ['2025-03-01T09:00:00.000Z', '2025-03-01T09:00:00.010Z', '2025-03-01T09:00:00.050Z']);
      assert.deepEqual(command.payload, { idToken: { id: 'TAG-1' }, connectorId: 1 });
      assert.equal(command.sources, undefined);
    });

    it('lists the message log of a charger, a session and a command in time order', async () => {
      const log = await eventually<Page>('/api/v1/chargers/CP-2/messages', (p) => p.total === 4);
      assert.deepEqual(
        log.items.map((m) => [m.direction, m.frameType, m.action, m.messageId]),
        [
          ['TO_CHARGER', 'CALL', 'RemoteStartTransaction', 'rs-1'],
          ['FROM_CHARGER', 'CALL_RESULT', 'RemoteStartTransaction', 'rs-1'],
          ['FROM_CHARGER', 'CALL', 'StartTransaction', 'st-1'],
          ['TO_CHARGER', 'CALL_RESULT', 'StartTransaction', 'st-1'],
        ],
      );
      assert.equal(log.items[0]!.payload, '[2,"rs-1","RemoteStartTransaction",{"idTag":"TAG-1","connectorId":1}]');
      assert.equal(log.items[0]!.id, startFrame[0]!.id);
      assert.deepEqual([log.items[0]!.latencyMs, log.items[1]!.latencyMs], [null, 15]);

      const latest = (await gw.call<Page>('GET', '/api/v1/chargers/CP-2/messages?order=desc&limit=1')).body;
      assert.deepEqual([latest.items.length, latest.total, latest.items[0]!.messageId, latest.items[0]!.frameType], [1, 4, 'st-1', 'CALL_RESULT']);

      const session = await eventually<Page>('/api/v1/sessions/S-1/messages', (p) => p.total === 2);
      assert.deepEqual(session.items.map((m) => m.messageId), ['st-1', 'st-1']);
      const command = await eventually<Page>('/api/v1/commands/C-1/messages', (p) => p.total === 2);
      assert.deepEqual(command.items.map((m) => m.frameType), ['CALL', 'CALL_RESULT']);
      assert.equal((await gw.call('GET', '/api/v1/chargers/NOPE/messages')).status, 404);
      assert.equal((await gw.call('GET', '/api/v1/sessions/NOPE/messages')).status, 404);
    });

    it('does not count a redelivered event twice', async () => {
      const stream = sessionStreamName('S-DUP');
      const first = await gw.append(
        stream,
        event('SessionStarted', { sessionId: 'S-DUP', occurredAt: at('2025-03-02T10:00:00Z'), chargerId: 'CP-2', connectorId: 1, transactionId: '8', meterStartWh: '0' }),
        event('SessionMeterValuesRecorded', { sessionId: 'S-DUP', chargerId: 'CP-2', samples: [energy('2025-03-02T10:05:00Z', '100')] }),
      );
      await eventually<Record<string, any>>('/api/v1/sessions/S-DUP', (s) => s.meterValuesCount === 1);
      const frames = await gw.append(chargerStreamName('CP-2'), frame('CP-2', '2025-03-02T10:05:00Z', FrameDirection.FROM_CHARGER, FrameType.CALL, 'MeterValues', 'mv-1', '[2,"mv-1","MeterValues",{}]'));
      await eventually<Page>('/api/v1/chargers/CP-2/messages', (p) => p.total === 5);

      // What a consumer sees after a crash between handling a message and committing its offset.
      await gw.bus.publish([...first.slice(1), ...frames].map((e) => ({ topic: topicOf(categoryOf(e.streamId)), key: e.streamId, value: encodeEventBinary(e.type, e.data as never), headers: eventHeaders(e) })));
      await gw.append(stream, event('SessionMeterValuesRecorded', { sessionId: 'S-DUP', chargerId: 'CP-2', samples: [energy('2025-03-02T10:10:00Z', '250')] }));
      await gw.append(chargerStreamName('CP-2'), frame('CP-2', '2025-03-02T10:10:00Z', FrameDirection.FROM_CHARGER, FrameType.CALL, 'MeterValues', 'mv-2', '[2,"mv-2","MeterValues",{}]'));

      const session = await eventually<Record<string, any>>('/api/v1/sessions/S-DUP', (s) => s.lastMeterWh === '250');
      assert.equal(session.meterValuesCount, 2);
      assert.equal(session.energyWh, '250');
      const log = await eventually<Page>('/api/v1/chargers/CP-2/messages?order=desc&limit=2', (p) => p.items[0]?.messageId === 'mv-2');
      assert.equal(log.total, 6);
    });
  });

  describe('paging and filters', () => {
    before(async () => {
      const fleet: [string, string, string, string][] = [
        ['F-1', 'Alpha', 'A1', '1.0'],
        ['F-2', 'Alpha', 'A1', '2.0'],
        ['F-3', 'Alpha', 'A2', '1.0'],
        ['F-4', 'Beta', 'B1', '1.0'],
        ['F-5', 'Beta', 'B1', '1.0'],
      ];
      for (const [id, vendor, model, firmware] of fleet) {
        await gw.append(chargerStreamName(id), booted(id, vendor, model, firmware), ...(id === 'F-4' ? [connected(id, 'conn-f4')] : []));
        await gw.append(
          sessionStreamName(`FS-${id}`),
          event('SessionStarted', { sessionId: `FS-${id}`, occurredAt: at(`2025-03-03T10:0${id.slice(2)}:00Z`), chargerId: id, connectorId: 1, transactionId: '1', meterStartWh: '0' }),
          ...(id === 'F-1' ? [event('SessionStopped', { sessionId: `FS-${id}`, occurredAt: at('2025-03-03T11:00:00Z'), chargerId: id, meterStopWh: '10' })] : []),
        );
      }
      await waitFor(async () => ((await gw.call<Page>('GET', '/api/v1/sessions?vendor=Beta')).body.total === 2 ? true : undefined), 'fleet projected', 15_000);
      await waitFor(async () => ((await gw.call<Page>('GET', '/api/v1/sessions?status=COMPLETED&chargerId=F-1')).body.total === 1 ? true : undefined), 'F-1 stopped', 15_000);
    });

    it('filters chargers by vendor, model, firmware and connectivity, and pages them', async () => {
      const alpha = (await gw.call<Page>('GET', '/api/v1/chargers?vendor=Alpha&limit=2')).body;
      assert.deepEqual([alpha.total, alpha.offset, alpha.limit, alpha.items.map((c) => c.id)], [3, 0, 2, ['F-1', 'F-2']]);
      const rest = (await gw.call<Page>('GET', '/api/v1/chargers?vendor=Alpha&limit=2&offset=2')).body;
      assert.deepEqual([rest.total, rest.items.map((c) => c.id)], [3, ['F-3']]);
      assert.deepEqual((await gw.call<Page>('GET', '/api/v1/chargers?vendor=Alpha&model=A1&firmwareVersion=1.0')).body.items.map((c) => c.id), ['F-1']);
      assert.deepEqual((await gw.call<Page>('GET', '/api/v1/chargers?vendor=Beta&connected=true')).body.items.map((c) => c.id), ['F-4']);
      assert.deepEqual((await gw.call<Page>('GET', '/api/v1/chargers?vendor=Beta&connected=false')).body.items.map((c) => c.id), ['F-5']);
    });

    it('filters sessions by charger, status and charger mix, latest start first', async () => {
      const alpha = (await gw.call<Page>('GET', '/api/v1/sessions?vendor=Alpha')).body;
      assert.deepEqual(alpha.items.map((s) => s.id), ['FS-F-3', 'FS-F-2', 'FS-F-1']);
      assert.deepEqual((await gw.call<Page>('GET', '/api/v1/sessions?vendor=Alpha&status=ACTIVE')).body.items.map((s) => s.id), ['FS-F-3', 'FS-F-2']);
      assert.deepEqual((await gw.call<Page>('GET', '/api/v1/sessions?chargerId=F-4')).body.items.map((s) => s.id), ['FS-F-4']);
      assert.deepEqual((await gw.call<Page>('GET', '/api/v1/sessions?model=B1&limit=1&offset=1')).body.items.map((s) => s.id), ['FS-F-4']);
    });

    it('answers 400 naming the parameter for a bad page or filter', async () => {
      for (const [path, message] of [
        ['/api/v1/chargers?limit=0', /^limit: /],
        ['/api/v1/chargers?limit=abc', /^limit: /],
        ['/api/v1/chargers?offset=-5', /^offset: /],
        ['/api/v1/chargers?connected=maybe', /^connected: must be true or false/],
        ['/api/v1/sessions?status=RUNNING', /^status: must be one of ACTIVE, COMPLETED/],
        ['/api/v1/commands?status=DONE', /^status: must be one of/],
        ['/api/v1/chargers/F-1/messages?order=sideways', /^order: /],
      ] as const) {
        const { status, body } = await gw.call('GET', path);
        assert.equal(status, 400, path);
        assert.match(body.message, message, path);
      }
    });
  });

  describe('commands through the API', () => {
    it('records a command (202) and shows it once projected', async () => {
      const accepted = await gw.call('POST', '/api/v1/chargers/CP-REG/commands', { kind: 'START_SESSION', idToken: { id: 'TAG-9' }, connectorId: 1, timeoutSeconds: 5 });
      assert.equal(accepted.status, 202);
      assert.match(accepted.body.commandId, /^[0-9a-f-]{36}$/);
      assert.equal(accepted.headers.get('location'), `/api/v1/commands/${accepted.body.commandId}`);
      const command = await eventually<Record<string, any>>(`/api/v1/commands/${accepted.body.commandId}`, () => true);
      assert.deepEqual(
        { kind: command.kind, chargerId: command.chargerId, origin: command.origin, timeoutMs: command.timeoutMs, payload: command.payload },
        { kind: 'START_SESSION', chargerId: 'CP-REG', origin: 'API', timeoutMs: 5000, payload: { idToken: { id: 'TAG-9' }, connectorId: 1 } },
      );
      // The charger never connected, so the gateway cannot send it: it fails rather than waiting for ever.
      assert.ok(['REQUESTED', 'SENT', 'FAILED', 'TIMED_OUT'].includes(command.status), command.status);
      const listed = (await gw.call<Page>('GET', '/api/v1/commands?chargerId=CP-REG')).body;
      assert.ok(listed.items.some((c) => c.id === accepted.body.commandId));
    });

    it('looks up the transaction of the session a STOP_SESSION names', async () => {
      await eventually('/api/v1/sessions/S-1', () => true);
      const accepted = await gw.call('POST', '/api/v1/chargers/CP-2/commands', { kind: 'stop_session', sessionId: 'S-1' });
      assert.equal(accepted.status, 202);
      const command = await eventually<Record<string, any>>(`/api/v1/commands/${accepted.body.commandId}`, () => true);
      assert.deepEqual(command.payload, { sessionId: 'S-1', transactionId: '7' });
      assert.equal(command.sessionId, 'S-1');
    });

    it('answers 400 naming the field for a bad command, 404 for an unknown charger', async () => {
      for (const [body, message] of [
        [{}, /^kind: is required/],
        [{ kind: 42 }, /^kind: is required/],
        [{ kind: 'SELF_DESTRUCT' }, /^kind: must be one of START_SESSION/],
        [{ kind: 'START_SESSION', connectorId: 'one' }, /connectorId/],
        [{ kind: 'RESET', idToken: { id: 'x' } }, /idToken/],
        [{ kind: 'RESET', timeoutSeconds: 0 }, /^timeoutSeconds: /],
        [{ kind: 'STOP_SESSION' }, /^sessionId: STOP_SESSION needs sessionId or transactionId/],
        [{ kind: 'STOP_SESSION', sessionId: 'S-1' }, /^sessionId: session S-1 is on charger CP-2/],
      ] as const) {
        const refused = await gw.call('POST', '/api/v1/chargers/CP-REG/commands', body);
        assert.equal(refused.status, 400, JSON.stringify(body));
        assert.match(refused.body.message, message, JSON.stringify(body));
      }
      const unknown = await gw.call('POST', '/api/v1/chargers/NO-SUCH/commands', { kind: 'RESET', resetType: 'Soft' });
      assert.equal(unknown.status, 404);
      assert.equal((await gw.call('GET', '/api/v1/commands/no-such-command')).status, 404);
    });
  });

  it('documents every route in the OpenAPI document', async () => {
    const { body } = await gw.call<{ paths: Record<string, Record<string, unknown>> }>('GET', '/api/docs/openapi.json', undefined, null);
    for (const [path, methods] of Object.entries({
      '/api/v1/chargers': ['get', 'post'],
      '/api/v1/chargers/{id}': ['get'],
      '/api/v1/chargers/{id}/messages': ['get'],
      '/api/v1/chargers/{id}/commands': ['post'],
      '/api/v1/commands': ['get'],
      '/api/v1/commands/{id}': ['get'],
      '/api/v1/sessions': ['get'],
      '/api/v1/sessions/{id}': ['get'],
      '/api/v1/sessions/{id}/messages': ['get'],
    })) {
      for (const method of methods) assert.ok(body.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
    }
  });

  it('keeps the read models across a restart on the same data directory, without duplicates, and resumes projecting', async () => {
    const snapshot = async () => ({
      chargers: (await gw.call<Page>('GET', '/api/v1/chargers?limit=500')).body.total,
      sessions: (await gw.call<Page>('GET', '/api/v1/sessions?limit=500')).body.total,
      commands: (await gw.call<Page>('GET', '/api/v1/commands?limit=500')).body.total,
      messages: (await gw.call<Page>('GET', '/api/v1/chargers/CP-2/messages')).body.total,
      session: (await gw.call('GET', '/api/v1/sessions/S-DUP')).body,
    });
    const before = await snapshot();
    await gw.stop();
    gw = await startGateway(data.dir);
    assert.deepEqual(await snapshot(), before);

    await gw.append(chargerStreamName('CP-2'), frame('CP-2', '2025-03-04T10:00:00Z', FrameDirection.FROM_CHARGER, FrameType.CALL, 'Heartbeat', 'hb-1', '[2,"hb-1","Heartbeat",{}]'));
    await eventually<Page>('/api/v1/chargers/CP-2/messages', (p) => p.total === before.messages + 1, 'the frame appended after the restart');
  });
});
