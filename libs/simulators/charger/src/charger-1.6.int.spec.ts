import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { type SimulatedCharger, type SimulatedChargerOptions, startSimulatedCharger } from './charger';
import { type FakeCsms, type RecordedCall, startFakeCsms } from './testing/fake-csms';
import { waitFor } from './testing/wait-for';

let csms: FakeCsms;
const running: SimulatedCharger[] = [];

before(async () => {
  csms = await startFakeCsms({
    heartbeatIntervalS: 1,
    boot: (chargerId, attempt) =>
      chargerId.startsWith('PENDING') && attempt === 1 ? { status: 'Pending', interval: 1 } : { status: 'Accepted' },
  });
});
const failures: string[] = [];
afterEach(async () => {
  for (const charger of running) if (charger.stats().errors > 0) failures.push(`${charger.id}: ${charger.stats().errors} errors`);
  await Promise.all(running.splice(0).map((charger) => charger.stop()));
  assert.deepEqual(failures.splice(0), [], 'the charger sent only valid frames and got no errors');
});
after(() => csms.close());

/** 36 kW sampled every 0.1 s: exactly 1 Wh per MeterValues. */
async function charger(id: string, overrides: Partial<SimulatedChargerOptions> = {}): Promise<SimulatedCharger> {
  const started = await startSimulatedCharger({
    url: csms.url,
    id,
    protocol: 'ocpp1.6',
    profile: { vendor: 'Alfen', model: 'Eve Single', firmwareVersion: '5.8.1', connectors: 2, maxPowerW: 36_000, meterValueIntervalS: 0.1, meterStartWh: 5_000 },
    ...overrides,
  });
  running.push(started);
  started.on('failure', (error) => failures.push(`${id}: ${error.message}`));
  await started.whenBooted();
  await waitFor(() => csms.callsOf(id, 'StatusNotification').length >= 2, 'the status of both connectors');
  return started;
}

const statuses = (calls: RecordedCall[], connectorId: number) =>
  calls.filter((c) => c.action === 'StatusNotification' && c.payload.connectorId === connectorId).map((c) => c.payload.status);
const withoutHeartbeats = (calls: RecordedCall[]) => calls.filter((c) => c.action !== 'Heartbeat');
const label = (call: RecordedCall) =>
  call.action === 'StatusNotification' ? `StatusNotification ${call.payload.connectorId} ${call.payload.status}` : call.action;
const energy = (meterValue: { sampledValue: { measurand: string; value: string }[] }) =>
  Number(meterValue.sampledValue.find((v) => v.measurand === 'Energy.Active.Import.Register')!.value);

describe('OCPP 1.6 charger: boot', () => {
  it('boots with vendor, model and firmware, reports every connector Available, then heartbeats at the CSMS interval', async () => {
    await charger('CP16-BOOT');
    await waitFor(() => csms.callsOf('CP16-BOOT', 'Heartbeat').length >= 2, 'two heartbeats', 5_000);
    const calls = csms.callsOf('CP16-BOOT');

    assert.equal(calls[0]!.action, 'BootNotification');
    assert.deepEqual(calls[0]!.payload, { chargePointVendor: 'Alfen', chargePointModel: 'Eve Single', firmwareVersion: '5.8.1' });
    assert.deepEqual(calls.slice(1, 3).map(label), ['StatusNotification 1 Available', 'StatusNotification 2 Available']);
    assert.equal(calls[1]!.payload.errorCode, 'NoError');
    const [first, second] = csms.callsOf('CP16-BOOT', 'Heartbeat');
    assert.ok(second!.receivedAt.getTime() - first!.receivedAt.getTime() >= 800, 'heartbeats about 1 s apart');
  });

  it('after a Pending answer sends nothing but a new BootNotification once the interval passed', async () => {
    await charger('PENDING-16');
    const calls = csms.callsOf('PENDING-16');
    assert.deepEqual(calls.slice(0, 2).map((c) => c.action), ['BootNotification', 'BootNotification']);
    assert.ok(calls[1]!.receivedAt.getTime() - calls[0]!.receivedAt.getTime() >= 900, 'retried after the 1 s interval');
    await waitFor(() => statuses(csms.callsOf('PENDING-16'), 1).length === 1, 'status after the accepted boot');
  });
});

describe('OCPP 1.6 charger: remote session', () => {
  it('runs a remote start to a remote stop with the frames in order and the transactionId of the CSMS', async () => {
    await charger('CP16-SESSION');
    const bootCalls = csms.callsOf('CP16-SESSION').length;

    assert.deepEqual(await csms.call('CP16-SESSION', 'RemoteStartTransaction', { connectorId: 1, idTag: 'DRIVER1' }), {
      status: 'Accepted',
    });
    await waitFor(() => csms.callsOf('CP16-SESSION', 'MeterValues').length >= 3, 'three meter values');
    const start = csms.callsOf('CP16-SESSION', 'StartTransaction')[0]!;
    const transactionId = start.answer.transactionId as number;
    assert.deepEqual(await csms.call('CP16-SESSION', 'RemoteStopTransaction', { transactionId: transactionId + 100 }), {
      status: 'Rejected',
    });
    assert.deepEqual(await csms.call('CP16-SESSION', 'RemoteStopTransaction', { transactionId }), { status: 'Accepted' });
    await waitFor(() => statuses(csms.callsOf('CP16-SESSION'), 1).at(-1) === 'Available', 'connector available again');

    const session = withoutHeartbeats(csms.callsOf('CP16-SESSION').slice(bootCalls));
    const meterValues = session.filter((c) => c.action === 'MeterValues');
    assert.deepEqual(session.map(label), [
      'StatusNotification 1 Preparing',
      'StartTransaction',
      'StatusNotification 1 Charging',
      ...meterValues.map(() => 'MeterValues'),
      'StopTransaction',
      'StatusNotification 1 Finishing',
      'StatusNotification 1 Available',
    ]);

    assert.equal(start.payload.connectorId, 1);
    assert.equal(start.payload.idTag, 'DRIVER1');
    assert.equal(start.payload.meterStart, 5_000);
    assert.ok(!Number.isNaN(Date.parse(start.payload.timestamp)));

    meterValues.forEach((call, index) => {
      assert.equal(call.payload.transactionId, transactionId);
      assert.equal(call.payload.connectorId, 1);
      const [value] = call.payload.meterValue;
      assert.equal(energy(value), 5_000 + index + 1, 'one Wh more per sample');
      assert.deepEqual(
        value.sampledValue.map((v: Record<string, string>) => [v.measurand, v.unit, v.context]),
        [
          ['Energy.Active.Import.Register', 'Wh', 'Sample.Periodic'],
          ['Power.Active.Import', 'W', 'Sample.Periodic'],
        ],
      );
      assert.equal(value.sampledValue[1].value, '36000');
    });

    const stop = session.find((c) => c.action === 'StopTransaction')!;
    assert.equal(stop.payload.transactionId, transactionId);
    assert.equal(stop.payload.reason, 'Remote');
    assert.equal(stop.payload.meterStop, 5_000 + meterValues.length);
    assert.deepEqual(
      stop.payload.transactionData.map((v: { sampledValue: { context: string }[] }) => [v.sampledValue[0]!.context, energy(v as never)]),
      [
        ['Transaction.Begin', 5_000],
        ['Transaction.End', 5_000 + meterValues.length],
      ],
    );
  });

  it('authorizes a local session first and stops it with reason Local', async () => {
    const cp = await charger('CP16-LOCAL');
    const session = await cp.startLocalSession(2, 'BADGE42');
    assert.equal(typeof session?.transactionId, 'number');
    await waitFor(() => csms.callsOf('CP16-LOCAL', 'MeterValues').length >= 1, 'a meter value');
    cp.stopLocalSession(2);
    await waitFor(() => csms.callsOf('CP16-LOCAL', 'StopTransaction').length === 1, 'the stop');

    const actions = withoutHeartbeats(csms.callsOf('CP16-LOCAL')).map(label);
    assert.ok(actions.indexOf('Authorize') < actions.indexOf('StartTransaction'));
    assert.deepEqual(csms.callsOf('CP16-LOCAL', 'Authorize')[0]!.payload, { idTag: 'BADGE42' });
    const stop = csms.callsOf('CP16-LOCAL', 'StopTransaction')[0]!.payload;
    assert.equal(stop.reason, 'Local');
    assert.equal(stop.transactionId, session!.transactionId);
  });

  it('authorizes remote starts too once AuthorizeRemoteTxRequests is true', async () => {
    await charger('CP16-AUTHREMOTE');
    assert.deepEqual(
      await csms.call('CP16-AUTHREMOTE', 'ChangeConfiguration', { key: 'AuthorizeRemoteTxRequests', value: 'true' }),
      { status: 'Accepted' },
    );
    await csms.call('CP16-AUTHREMOTE', 'RemoteStartTransaction', { idTag: 'DRIVER2' });
    await waitFor(() => csms.callsOf('CP16-AUTHREMOTE', 'StartTransaction').length === 1, 'the start');
    const actions = csms.callsOf('CP16-AUTHREMOTE').map((c) => c.action);
    assert.equal(actions.indexOf('Authorize'), actions.indexOf('StartTransaction') - 1);
  });
});

describe('OCPP 1.6 charger: commands from the CSMS', () => {
  it('unlocks, reserves, cancels reservations and changes availability with the spec statuses', async () => {
    await charger('CP16-CMDS');
    const call = (action: string, payload: object) => csms.call('CP16-CMDS', action, payload);

    assert.deepEqual(await call('UnlockConnector', { connectorId: 9 }), { status: 'NotSupported' });
    assert.deepEqual(await call('UnlockConnector', { connectorId: 1 }), { status: 'Unlocked' });

    const expiryDate = new Date(Date.now() + 60_000).toISOString();
    assert.deepEqual(await call('ReserveNow', { connectorId: 1, expiryDate, idTag: 'OWNER', reservationId: 7 }), { status: 'Accepted' });
    assert.deepEqual(await call('ReserveNow', { connectorId: 1, expiryDate, idTag: 'OTHER', reservationId: 8 }), { status: 'Occupied' });
    assert.deepEqual(await call('RemoteStartTransaction', { connectorId: 1, idTag: 'OTHER' }), { status: 'Rejected' });
    assert.deepEqual(await call('CancelReservation', { reservationId: 99 }), { status: 'Rejected' });
    assert.deepEqual(await call('CancelReservation', { reservationId: 7 }), { status: 'Accepted' });

    assert.deepEqual(await call('ChangeAvailability', { connectorId: 3, type: 'Inoperative' }), { status: 'Rejected' });
    assert.deepEqual(await call('ChangeAvailability', { connectorId: 2, type: 'Inoperative' }), { status: 'Accepted' });
    assert.deepEqual(await call('RemoteStartTransaction', { connectorId: 2, idTag: 'DRIVER' }), { status: 'Rejected' });
    assert.deepEqual(await call('ChangeAvailability', { connectorId: 2, type: 'Operative' }), { status: 'Accepted' });

    await waitFor(() => statuses(csms.callsOf('CP16-CMDS'), 2).length === 3, 'connector 2 back');
    assert.deepEqual(statuses(csms.callsOf('CP16-CMDS'), 1), ['Available', 'Reserved', 'Available']);
    assert.deepEqual(statuses(csms.callsOf('CP16-CMDS'), 2), ['Available', 'Unavailable', 'Available']);
  });

  it('answers ChangeAvailability during a session with Scheduled and applies it when the session ends', async () => {
    const cp = await charger('CP16-SCHEDULED');
    await cp.startLocalSession(1);
    assert.deepEqual(await csms.call('CP16-SCHEDULED', 'ChangeAvailability', { connectorId: 1, type: 'Inoperative' }), {
      status: 'Scheduled',
    });
    cp.stopLocalSession(1);
    await waitFor(() => statuses(csms.callsOf('CP16-SCHEDULED'), 1).at(-1) === 'Unavailable', 'connector 1 unavailable');
  });

  it('sends what TriggerMessage asks for after accepting it', async () => {
    await charger('CP16-TRIGGER');
    const trigger = (requestedMessage: string, connectorId?: number) =>
      csms.call('CP16-TRIGGER', 'TriggerMessage', { requestedMessage, ...(connectorId ? { connectorId } : {}) });
    for (const requested of ['Heartbeat', 'DiagnosticsStatusNotification', 'FirmwareStatusNotification', 'BootNotification']) {
      assert.deepEqual(await trigger(requested), { status: 'Accepted' });
      await waitFor(() => csms.callsOf('CP16-TRIGGER', requested).length >= 1, requested);
    }
    assert.deepEqual(await trigger('MeterValues', 2), { status: 'Accepted' });
    await waitFor(() => csms.callsOf('CP16-TRIGGER', 'MeterValues').length === 1, 'triggered meter values');
    const meterValues = csms.callsOf('CP16-TRIGGER', 'MeterValues')[0]!.payload;
    assert.equal(meterValues.connectorId, 2);
    assert.equal(meterValues.meterValue[0].sampledValue[0].context, 'Trigger');
    assert.deepEqual(await trigger('StatusNotification', 7), { status: 'Rejected' });
  });

  it('reads and changes its configuration', async () => {
    await charger('CP16-CONFIG');
    const call = (action: string, payload: object) => csms.call('CP16-CONFIG', action, payload);
    const answer = await call('GetConfiguration', { key: ['HeartbeatInterval', 'NumberOfConnectors', 'Colour'] });
    assert.deepEqual(answer, {
      configurationKey: [
        { key: 'HeartbeatInterval', readonly: false, value: '1' },
        { key: 'NumberOfConnectors', readonly: true, value: '2' },
      ],
      unknownKey: ['Colour'],
    });
    assert.ok((await call('GetConfiguration', {})).configurationKey.length >= 5);
    assert.deepEqual(await call('ChangeConfiguration', { key: 'MeterValueSampleInterval', value: '30' }), { status: 'Accepted' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'NumberOfConnectors', value: '4' }), { status: 'Rejected' });
    assert.deepEqual(await call('ChangeConfiguration', { key: 'Colour', value: 'red' }), { status: 'NotSupported' });
    const changed = await call('GetConfiguration', { key: ['MeterValueSampleInterval'] });
    assert.equal(changed.configurationKey[0].value, '30');
  });

  it('on Reset stops the running session with the reset reason and boots again', async () => {
    const cp = await charger('CP16-RESET');
    await cp.startLocalSession(1);
    assert.deepEqual(await csms.call('CP16-RESET', 'Reset', { type: 'Hard' }), { status: 'Accepted' });
    await waitFor(() => csms.callsOf('CP16-RESET', 'BootNotification').length === 2, 'the second boot');
    await waitFor(() => cp.isBooted, 'booted again');
    const stop = csms.callsOf('CP16-RESET', 'StopTransaction')[0]!;
    assert.equal(stop.payload.reason, 'HardReset');
    const connections = csms.connections.filter((c) => c.chargerId === 'CP16-RESET');
    assert.equal(connections.length, 2);
    assert.ok(stop.receivedAt <= connections[1]!.connectedAt, 'the stop went out before the reboot');
  });
});
