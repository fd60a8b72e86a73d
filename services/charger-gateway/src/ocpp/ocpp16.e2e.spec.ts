import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AuthorizationStatus,
  BootStatus,
  ConnectorStatus,
  FrameDirection,
  FrameType,
  OcppVersion,
  timestampMs,
} from '@roamgate/contracts';
import type { FrameRecord } from '../projections/ocpp-message.projection';
import { ocpp16Examples } from '@roamgate/domain-charging/testing';
import type { RPCClient } from 'ocpp-rpc';
import { waitFor } from '@roamgate/runtime/testing';
import type { ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import { FrameLog } from '../message-log/frame-log';
import { SESSIONS, type SessionDocument } from '../projections/documents';
import { startTestGateway, type TestGateway } from './testing/harness';

const PASSWORD = 'correct horse battery staple';
const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();

describe('OCPP 1.6J central system', () => {
  let gateway: TestGateway;
  let charger: RPCClient;

  before(async () => {
    gateway = await startTestGateway();
    await gateway.register('CP16', PASSWORD);
    charger = await gateway.connect('CP16', 'ocpp1.6', { password: PASSWORD });
  });

  after(async () => {
    await gateway?.close();
  });

  /** The logged frames of an action, once there are at least `count` (an answer is logged after it left). */
  const frames = (action: string, count = 1, where: (frame: FrameRecord) => boolean = () => true): Promise<FrameRecord[]> =>
    waitFor(async () => {
      const found = (await gateway.frames('CP16')).filter((f) => f.action === action && where(f));
      return found.length >= count ? found : undefined;
    }, `${count} ${action} frames`, 5_000, 20);

  it('records the connection with its protocol and security profile 1 (Basic over plain HTTP)', async () => {
    const [connected] = await gateway.waitForEvents('charger-CP16', 'ChargerConnected');
    assert.equal(connected!.data.protocol, OcppVersion.OCPP_VERSION_1_6);
    assert.equal(connected!.data.securityProfile, 1);
    assert.equal(connected!.data.remoteAddress.includes('127.0.0.1'), true);
  });

  it('answers BootNotification Accepted with the heartbeat interval and keeps vendor, model and firmware', async () => {
    const answer = (await charger.call('BootNotification', ocpp16Examples.bootNotification())) as { status: string; interval: number; currentTime: string };
    assert.equal(answer.status, 'Accepted');
    assert.equal(answer.interval, 300);
    assert.ok(Math.abs(Date.parse(answer.currentTime) - Date.now()) < 5_000);
    const [booted] = await gateway.events('charger-CP16', 'ChargerBooted');
    assert.equal(booted!.data.vendor, 'VendorX');
    assert.equal(booted!.data.model, 'SingleSocketCharger');
    assert.equal(booted!.data.firmwareVersion, '1.4.2');
    assert.equal(booted!.data.bootStatus, BootStatus.ACCEPTED);
  });

  it('answers Heartbeat with the current time', async () => {
    const answer = (await charger.call('Heartbeat', {})) as { currentTime: string };
    assert.ok(Math.abs(Date.parse(answer.currentTime) - Date.now()) < 5_000);
  });

  it('has a CALL durably in the message log before its answer leaves', async () => {
    // Frame-log writes made slow, so that an answer sent without waiting for its CALL's write would overtake it.
    const log = gateway.app.get(FrameLog);
    const record = log.record.bind(log);
    const durable = new Set<string>();
    log.record = async (frame) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      await record(frame);
      if (frame.frameType === FrameType.CALL) durable.add(frame.messageId);
    };
    const answeredBeforeLogged: string[] = [];
    const onMessage = ({ message, outbound }: { message: string; outbound: boolean }) => {
      const [type, messageId] = JSON.parse(message) as [number, string];
      if (!outbound && type === FrameType.CALL_RESULT && !durable.has(messageId)) answeredBeforeLogged.push(messageId);
    };
    charger.on('message', onMessage);
    try {
      for (let i = 0; i < 3; i++) await charger.call('Heartbeat', {});
    } finally {
      charger.off('message', onMessage);
      log.record = record;
    }
    assert.deepEqual(answeredBeforeLogged, []);
  });

  it('records StatusNotification as a connector status change', async () => {
    assert.deepEqual(await charger.call('StatusNotification', ocpp16Examples.statusNotification({ timestamp: iso(), status: 'Preparing' })), {});
    const [changed] = await gateway.events('charger-CP16', 'ConnectorStatusChanged');
    assert.equal(changed!.data.connectorId, 1);
    assert.equal(changed!.data.status, ConnectorStatus.PREPARING);
    assert.equal(changed!.data.errorCode, 'NoError');
  });

  it('accepts Authorize through the token authorizer', async () => {
    assert.deepEqual(await charger.call('Authorize', { idTag: 'B4A63CDF' }), { idTagInfo: { status: 'Accepted' } });
  });

  it('runs a transaction: StartTransaction, MeterValues, StopTransaction with transactionData', async () => {
    const started = (await charger.call('StartTransaction', ocpp16Examples.startTransaction({ timestamp: iso(20_000), meterStart: 1000 }))) as {
      transactionId: number;
      idTagInfo: { status: string };
    };
    assert.ok(Number.isInteger(started.transactionId) && started.transactionId > 0);
    assert.equal(started.idTagInfo.status, 'Accepted');
    const startFrame = (await frames('StartTransaction', 2)).find((f) => f.direction === FrameDirection.FROM_CHARGER);
    const sessionId = startFrame!.sessionId;
    assert.notEqual(sessionId, '', 'the CALL frame carries the session it opened');
    const [sessionStarted] = await gateway.events(`session-${sessionId}`, 'SessionStarted');
    assert.equal(sessionStarted!.data.transactionId, String(started.transactionId));
    assert.equal(sessionStarted!.data.meterStartWh, '1000');
    assert.equal(sessionStarted!.data.idToken?.id, 'B4A63CDF');
    const [authorized] = await gateway.events(`session-${sessionId}`, 'SessionAuthorized');
    assert.equal(authorized!.data.status, AuthorizationStatus.ACCEPTED);

    await charger.call('StatusNotification', ocpp16Examples.statusNotification({ timestamp: iso(15_000), status: 'Charging' }));
    assert.deepEqual(
      await charger.call('MeterValues', ocpp16Examples.meterValues({ transactionId: started.transactionId, meterValue: [
        { timestamp: iso(10_000), sampledValue: [{ value: '4.25', measurand: 'Energy.Active.Import.Register', unit: 'kWh' }] },
      ] })),
      {},
    );
    const [meter] = await gateway.events(`session-${sessionId}`, 'SessionMeterValuesRecorded');
    assert.equal(meter!.data.samples[0]!.values[0]!.value, '4.25');
    assert.equal(meter!.data.samples[0]!.values[0]!.unit, 'kWh');
    assert.equal((await gateway.events(`session-${sessionId}`, 'SessionChargingStateChanged')).length, 1, 'Charging status during the transaction');

    const stopAt = iso(1_000);
    const stopped = await charger.call('StopTransaction', {
      transactionId: started.transactionId,
      idTag: 'B4A63CDF',
      meterStop: 12_000,
      timestamp: stopAt,
      reason: 'EVDisconnected',
      transactionData: [{ timestamp: stopAt, sampledValue: [{ value: '12000', context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
    });
    assert.deepEqual(stopped, { idTagInfo: { status: 'Accepted' } });
    const [sessionStopped] = await gateway.events(`session-${sessionId}`, 'SessionStopped');
    assert.equal(sessionStopped!.data.meterStopWh, '12000');
    assert.equal(sessionStopped!.data.reason, 'EVDisconnected');
    assert.equal(sessionStopped!.data.transactionData.length, 1);
    assert.equal(sessionStopped!.data.offline, false);

    const stopFrames = await frames('StopTransaction', 2);
    assert.deepEqual(stopFrames.map((f) => [f.direction, f.frameType, f.sessionId]), [
      [FrameDirection.FROM_CHARGER, FrameType.CALL, sessionId],
      [FrameDirection.TO_CHARGER, FrameType.CALL_RESULT, sessionId],
    ]);
    assert.equal(stopFrames[0]!.messageId, stopFrames[1]!.messageId);
    assert.ok(stopFrames[1]!.latencyMs >= 0);
    assert.equal(JSON.parse(stopFrames[0]!.frame)[2], 'StopTransaction', 'the raw frame is kept');
  });

  it('answers DataTransfer UnknownVendorId and acknowledges diagnostics and firmware notifications', async () => {
    assert.deepEqual(await charger.call('DataTransfer', { vendorId: 'com.example', messageId: 'x', data: 'y' }), { status: 'UnknownVendorId' });
    assert.deepEqual(await charger.call('DiagnosticsStatusNotification', { status: 'Uploaded' }), {});
    assert.deepEqual(await charger.call('FirmwareStatusNotification', { status: 'Installed' }), {});
    for (const action of ['DataTransfer', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification']) {
      assert.equal((await frames(action, 2)).length, 2, `${action} CALL and CALLRESULT logged`);
    }
  });

  it('gives a StartTransaction repeated after a reconnect the same transactionId and no second session', async () => {
    const start = ocpp16Examples.startTransaction({ connectorId: 2, idTag: 'REPEAT', meterStart: 500, timestamp: iso(120_000) });
    const first = (await charger.call('StartTransaction', start)) as { transactionId: number };
    await charger.close({ force: true });
    charger = await gateway.connect('CP16', 'ocpp1.6', { password: PASSWORD });
    const again = (await charger.call('StartTransaction', start)) as { transactionId: number };
    assert.equal(again.transactionId, first.transactionId);

    const repeatedCalls = await frames('StartTransaction', 2, (f) => f.frameType === FrameType.CALL && JSON.parse(f.frame)[3]?.idTag === 'REPEAT');
    const sessionIds = new Set(repeatedCalls.map((f) => f.sessionId));
    assert.equal(sessionIds.size, 1);
    const [sessionId] = [...sessionIds];
    assert.equal((await gateway.events(`session-${sessionId}`, 'SessionStarted')).length, 1);
    const other = (await charger.call('StartTransaction', { ...start, connectorId: 3, timestamp: iso(100_000) })) as { transactionId: number };
    assert.notEqual(other.transactionId, first.transactionId);

    // A StopTransaction queued while offline arrives after the reconnect: accepted and flagged offline.
    await charger.call('StopTransaction', { transactionId: first.transactionId, meterStop: 900, timestamp: iso(90_000) });
    const [stopped] = await gateway.events(`session-${sessionId}`, 'SessionStopped');
    assert.equal(stopped!.data.offline, true);
    assert.equal(timestampMs(stopped!.data.occurredAt!) < Date.now() - 60_000, true, 'ordered by the charger timestamp');

    const disconnects = await gateway.waitForEvents('charger-CP16', 'ChargerDisconnected');
    assert.equal(disconnects.length, 1);
    assert.equal(disconnects[0]!.data.closeCode, 1006, 'the socket dropped');
  });

  it('never hands out a transactionId twice, across a restart of the gateway', async () => {
    const start = ocpp16Examples.startTransaction({ connectorId: 4, idTag: 'RESTART', meterStart: 10, timestamp: iso(200_000) });
    const before = (await charger.call('StartTransaction', start)) as { transactionId: number };
    await gateway.close({ keepData: true });
    gateway = await startTestGateway({}, gateway.dataDir);
    charger = await gateway.connect('CP16', 'ocpp1.6', { password: PASSWORD });
    const fresh = (await charger.call('StartTransaction', { ...start, connectorId: 5 })) as { transactionId: number };
    assert.ok(fresh.transactionId > before.transactionId, `${fresh.transactionId} after ${before.transactionId}`);
    const repeated = (await charger.call('StartTransaction', start)) as { transactionId: number };
    assert.equal(repeated.transactionId, before.transactionId);
  });

  it('closes a session the charger lost once a newer start on its connector is past the grace period, even across a restart', async () => {
    const chargerId = 'CP16-LOST';
    await gateway.register(chargerId, PASSWORD);
    let lost = await gateway.connect(chargerId, 'ocpp1.6', { password: PASSWORD });
    const sessionOf = (idTag: string) =>
      waitFor(async () => (await gateway.frames(chargerId)).find((f) => f.frameType === FrameType.CALL && JSON.parse(f.frame)[3]?.idTag === idTag)?.sessionId, `the session of ${idTag}`, 5_000, 20);
    const sessionDoc = async (sessionId: string) => (await gateway.app.get<ReadModelStore>(READ_MODELS).get<SessionDocument>(SESSIONS, sessionId))?.data;
    const start = async (idTag: string, msAgo: number, meterStart = 1000) =>
      (await lost.call('StartTransaction', ocpp16Examples.startTransaction({ connectorId: 1, idTag, meterStart, timestamp: iso(msAgo) }))) as { transactionId: number; idTagInfo: { status: string } };
    const reading = (transactionId: number, kwh: string, at: string) =>
      lost.call('MeterValues', ocpp16Examples.meterValues({ connectorId: 1, transactionId, meterValue: [{ timestamp: at, sampledValue: [{ value: kwh, measurand: 'Energy.Active.Import.Register', unit: 'kWh' }] }] }));

    // Within the grace period (600 s by default) a stop the charger delivers late still ends the session as sent.
    const early = await start('LATE-A', 900_000);
    await reading(early.transactionId, '1.5', iso(850_000));
    await start('LATE-B', 800_000);
    await lost.call('StopTransaction', { transactionId: early.transactionId, meterStop: 1800, timestamp: iso(820_000), reason: 'EVDisconnected' });
    const [stoppedLate] = await gateway.waitForEvents(`session-${await sessionOf('LATE-A')}`, 'SessionStopped');
    assert.deepEqual([stoppedLate!.data.reason, stoppedLate!.data.meterStopWh, stoppedLate!.data.anomalies], ['EVDisconnected', '1800', []]);

    // LATE-B is never stopped: C supersedes it. The gateway restarts before the grace period is over, with 1 s.
    const readingAt = iso(500_000);
    await lost.call('StartTransaction', ocpp16Examples.startTransaction({ connectorId: 2, idTag: 'OTHER-CONNECTOR', meterStart: 10, timestamp: iso(700_000) }));
    const sessionB = await sessionOf('LATE-B');
    const txB = (await gateway.events(`session-${sessionB}`, 'SessionStarted'))[0]!.data.transactionId;
    await reading(Number(txB), '2.5', readingAt);
    const c = await start('LOST-C', 60_000, 2600);
    assert.equal(c.idTagInfo.status, 'Accepted');
    const sessionC = await sessionOf('LOST-C');
    await waitFor(async () => ((await sessionDoc(sessionC))?.status === 'ACTIVE' && (await sessionDoc(sessionB))?.lastMeterAt ? true : undefined), 'B and C open in the read model', 5_000, 20);
    assert.equal((await gateway.events(`session-${sessionB}`, 'SessionStopped')).length, 0, 'not closed within the grace period');

    // The restarted gateway has only the read model to tell it that B is still open where C started.
    await gateway.close({ keepData: true });
    gateway = await startTestGateway({ OCPP_LOST_TRANSACTION_GRACE_S: '1' }, gateway.dataDir);
    lost = await gateway.connect(chargerId, 'ocpp1.6', { password: PASSWORD });
    const [closed] = await gateway.waitForEvents(`session-${sessionB}`, 'SessionStopped');
    assert.equal(closed!.data.reason, 'Other');
    assert.equal(closed!.data.meterStopWh, '2500', 'the last reading is the meter stop');
    assert.equal(timestampMs(closed!.data.occurredAt!), Date.parse(readingAt), 'closed at its last reading, by the charger clock');
    assert.deepEqual(closed!.data.anomalies, ['STOP_MISSING']);
    const docB = await waitFor(async () => {
      const doc = await sessionDoc(sessionB);
      return doc?.status === 'COMPLETED' ? doc : undefined;
    }, 'session B completed in the read model', 5_000, 20);
    assert.deepEqual(docB.anomalies, ['STOP_MISSING']);
    assert.equal((await gateway.events(`session-${sessionC}`, 'SessionStopped')).length, 0, 'the newer session stays open');
    assert.equal((await gateway.events(`session-${await sessionOf('OTHER-CONNECTOR')}`, 'SessionStopped')).length, 0, 'another connector is left alone');

    // A stop the charger finds for B after the close changes nothing.
    assert.deepEqual(await lost.call('StopTransaction', { transactionId: Number(txB), meterStop: 4000, timestamp: iso(400_000) }), {});
    assert.equal((await gateway.events(`session-${sessionB}`, 'SessionStopped')).length, 1);
  });
});
