import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BootStatus, ChargingState, ConnectorStatus, FrameType, OcppVersion, timestampMs } from '@roamgate/contracts';
import { ocpp201Examples } from '@roamgate/domain-charging/testing';
import { waitFor } from '@roamgate/runtime/testing';
import type { RPCClient } from 'ocpp-rpc';
import { startTestGateway, type TestGateway } from './testing/harness';

const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();

describe('OCPP 2.0.1 central system', () => {
  let gateway: TestGateway;
  let station: RPCClient;

  before(async () => {
    gateway = await startTestGateway({ OCPP_LOST_TRANSACTION_GRACE_S: '1' });
    // Registered without a password: security profile 0.
    await gateway.register('CS201');
    station = await gateway.connect('CS201', 'ocpp2.0.1');
  });

  after(async () => {
    await gateway?.close();
  });

  const sessionOf = async (transactionId: string): Promise<string> =>
    waitFor(async () => {
      const frames = await gateway.frames('CS201');
      return frames.find((f) => f.frameType === FrameType.CALL && JSON.parse(f.frame)[3]?.transactionInfo?.transactionId === transactionId)
        ?.sessionId;
    }, `the session of ${transactionId}`, 5_000, 20);

  it('connects with ocpp2.0.1 at security profile 0', async () => {
    const [connected] = await gateway.waitForEvents('charger-CS201', 'ChargerConnected');
    assert.equal(connected!.data.protocol, OcppVersion.OCPP_VERSION_2_0_1);
    assert.equal(connected!.data.securityProfile, 0);
  });

  it('answers BootNotification, Heartbeat, StatusNotification and Authorize', async () => {
    const boot = (await station.call('BootNotification', ocpp201Examples.bootNotification())) as { status: string; interval: number };
    assert.equal(boot.status, 'Accepted');
    assert.equal(boot.interval, 300);
    const [booted] = await gateway.events('charger-CS201', 'ChargerBooted');
    assert.equal(booted!.data.vendor, 'VendorX');
    assert.equal(booted!.data.reason, 'PowerUp');
    assert.equal(booted!.data.bootStatus, BootStatus.ACCEPTED);

    const heartbeat = (await station.call('Heartbeat', {})) as { currentTime: string };
    assert.ok(Math.abs(Date.parse(heartbeat.currentTime) - Date.now()) < 5_000);

    assert.deepEqual(await station.call('StatusNotification', ocpp201Examples.statusNotification({ timestamp: iso(), connectorStatus: 'Occupied' })), {});
    const [status] = await gateway.events('charger-CS201', 'ConnectorStatusChanged');
    assert.equal(status!.data.evseId, 1);
    assert.equal(status!.data.status, ConnectorStatus.OCCUPIED);

    assert.deepEqual(await station.call('Authorize', ocpp201Examples.authorize()), { idTokenInfo: { status: 'Accepted' } });
  });

  it('runs a transaction through TransactionEvent Started, MeterValues, Updated and Ended', async () => {
    const transactionId = 'tx-online-1';
    const info = { transactionId };
    const started = await station.call('TransactionEvent', ocpp201Examples.transactionStarted({ timestamp: iso(60_000), transactionInfo: { ...info, chargingState: 'Charging' } }));
    assert.deepEqual(started, { idTokenInfo: { status: 'Accepted' } });
    const sessionId = await sessionOf(transactionId);
    const [session] = await gateway.events(`session-${sessionId}`, 'SessionStarted');
    assert.equal(session!.data.transactionId, transactionId);
    assert.equal(session!.data.evseId, 1);
    assert.equal(session!.data.meterStartWh, '1000');
    assert.equal(session!.data.seqNo, 0);
    assert.equal(session!.data.idToken?.type, 'ISO14443');
    assert.equal((await gateway.events(`session-${sessionId}`, 'SessionAuthorized')).length, 1);

    assert.deepEqual(await station.call('MeterValues', ocpp201Examples.meterValues({ meterValue: [
      { timestamp: iso(45_000), sampledValue: [{ value: 3.5, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } }] },
    ] })), {});
    assert.deepEqual(await station.call('TransactionEvent', ocpp201Examples.transactionUpdated({ timestamp: iso(30_000), transactionInfo: { ...info, chargingState: 'SuspendedEV' }, meterValue: [
      { timestamp: iso(30_000), sampledValue: [{ value: 4.25, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } }] },
    ] })), {});
    const meter = await gateway.events(`session-${sessionId}`, 'SessionMeterValuesRecorded');
    // The Transaction.Begin reading of Started, the MeterValues attributed by EVSE, then Updated's reading.
    assert.deepEqual(meter.map((m) => m.data.samples[0]!.values[0]!.value), ['1000', '3.5', '4.25']);
    assert.equal(meter[2]!.data.seqNo, 1);
    const states = await gateway.events(`session-${sessionId}`, 'SessionChargingStateChanged');
    assert.deepEqual(states.map((s) => s.data.chargingState), [ChargingState.CHARGING, ChargingState.SUSPENDED_EV]);

    assert.deepEqual(await station.call('TransactionEvent', ocpp201Examples.transactionEnded({ timestamp: iso(10_000), transactionInfo: { ...info, stoppedReason: 'EVDisconnected' }, meterValue: [
      { timestamp: iso(10_000), sampledValue: [{ value: 12000, context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] },
    ] })), {});
    const [stopped] = await gateway.events(`session-${sessionId}`, 'SessionStopped');
    assert.equal(stopped!.data.meterStopWh, '12000');
    assert.equal(stopped!.data.reason, 'EVDisconnected');
    assert.equal(stopped!.data.seqNo, 2);
  });

  it('acknowledges NotifyEvent and SecurityEventNotification and logs them', async () => {
    assert.deepEqual(await station.call('NotifyEvent', {
      generatedAt: iso(),
      seqNo: 0,
      eventData: [{ eventId: 1, timestamp: iso(), trigger: 'Alerting', actualValue: 'Faulted', eventNotificationType: 'HardWiredNotification', component: { name: 'Connector' }, variable: { name: 'Problem' } }],
    }), {});
    assert.deepEqual(await station.call('SecurityEventNotification', { type: 'SettingSystemTime', timestamp: iso() }), {});
    await waitFor(async () => {
      const actions = (await gateway.frames('CS201')).map((f) => f.action);
      return actions.filter((a) => a === 'NotifyEvent').length === 2 && actions.filter((a) => a === 'SecurityEventNotification').length === 2 ? true : undefined;
    }, 'NotifyEvent and SecurityEventNotification frames', 5_000, 20);
  });

  it('accepts TransactionEvents queued offline, out of order, and orders them by the station timestamps', async () => {
    const transactionId = 'tx-offline-1';
    const at = (minutesAgo: number) => iso(minutesAgo * 60_000);
    const energy = (wh: number, context: string, timestamp: string) => [
      { timestamp, sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] },
    ];
    const startedAt = at(50);
    const updatedAt = at(40);
    const endedAt = at(30);
    await station.call('TransactionEvent', ocpp201Examples.transactionStarted({
      offline: true, seqNo: 10, timestamp: startedAt, transactionInfo: { transactionId }, meterValue: energy(100, 'Transaction.Begin', startedAt),
    }));
    // The Ended event overtakes the Updated one.
    await station.call('TransactionEvent', ocpp201Examples.transactionEnded({
      offline: true, seqNo: 12, timestamp: endedAt, transactionInfo: { transactionId, stoppedReason: 'Local' }, meterValue: energy(900, 'Transaction.End', endedAt),
    }));
    await station.call('TransactionEvent', ocpp201Examples.transactionUpdated({
      offline: true, seqNo: 11, timestamp: updatedAt, transactionInfo: { transactionId }, meterValue: energy(500, 'Sample.Periodic', updatedAt),
    }));
    // And a redelivery of the Updated changes nothing.
    await station.call('TransactionEvent', ocpp201Examples.transactionUpdated({
      offline: true, seqNo: 11, timestamp: updatedAt, transactionInfo: { transactionId }, meterValue: energy(500, 'Sample.Periodic', updatedAt),
    }));

    const sessionId = await sessionOf(transactionId);
    const events = await gateway.events(`session-${sessionId}`);
    assert.deepEqual(events.map((e) => e.type), ['SessionStarted', 'SessionMeterValuesRecorded', 'SessionAuthorized', 'SessionStopped', 'SessionMeterValuesRecorded']);
    const [started, , , stopped, meter] = events as [typeof events[0], unknown, unknown, typeof events[0], typeof events[0]];
    assert.equal(started.type === 'SessionStarted' && started.data.offline, true);
    assert.equal(stopped.type === 'SessionStopped' && stopped.data.offline, true);
    assert.equal(stopped.type === 'SessionStopped' && stopped.data.meterStopWh, '900');
    assert.equal(meter.type === 'SessionMeterValuesRecorded' && meter.data.offline, true);
    assert.equal(timestampMs(started.data.occurredAt!), Date.parse(startedAt));
    assert.equal(timestampMs(meter.data.occurredAt!), Date.parse(updatedAt), 'the late reading keeps its own time, before the stop');
    assert.equal(timestampMs(stopped.data.occurredAt!), Date.parse(endedAt));
  });

  it('closes a transaction the station lost when it starts another on the same EVSE (after the grace period), and leaves other EVSEs alone', async () => {
    const energy = (wh: number, timestamp: string) => [{ timestamp, sampledValue: [{ value: wh, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] }];
    const evse = { id: 2, connectorId: 1 };
    const lostAt = iso(300_000);
    await station.call('TransactionEvent', ocpp201Examples.transactionStarted({ seqNo: 20, timestamp: lostAt, evse, transactionInfo: { transactionId: 'tx-lost' }, meterValue: energy(5000, lostAt) }));
    const updatedAt = iso(240_000);
    await station.call('TransactionEvent', ocpp201Examples.transactionUpdated({ seqNo: 21, timestamp: updatedAt, transactionInfo: { transactionId: 'tx-lost' }, meterValue: energy(7250, updatedAt) }));
    await station.call('TransactionEvent', ocpp201Examples.transactionStarted({ seqNo: 30, timestamp: iso(200_000), evse: { id: 3, connectorId: 1 }, transactionInfo: { transactionId: 'tx-evse3' } }));
    await station.call('TransactionEvent', ocpp201Examples.transactionStarted({ seqNo: 0, timestamp: iso(60_000), evse, transactionInfo: { transactionId: 'tx-next' } }));

    const lost = await sessionOf('tx-lost');
    const [closed] = await gateway.waitForEvents(`session-${lost}`, 'SessionStopped');
    assert.equal(closed!.data.meterStopWh, '7250');
    assert.equal(timestampMs(closed!.data.occurredAt!), Date.parse(updatedAt));
    assert.deepEqual(closed!.data.anomalies, ['STOP_MISSING']);
    for (const transactionId of ['tx-next', 'tx-evse3']) {
      assert.equal((await gateway.events(`session-${await sessionOf(transactionId)}`, 'SessionStopped')).length, 0, `${transactionId} stays open`);
    }
  });
});
