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

/** 36 kW sampled every 0.1 s: exactly 1 Wh per sample. */
async function charger(id: string, overrides: Partial<SimulatedChargerOptions> = {}): Promise<SimulatedCharger> {
  const started = await startSimulatedCharger({
    url: csms.url,
    id,
    protocol: 'ocpp2.0.1',
    profile: { vendor: 'ABB', model: 'Terra AC', firmwareVersion: '1.8.21', connectors: 2, maxPowerW: 36_000, meterValueIntervalS: 0.1, meterStartWh: 8_000 },
    ...overrides,
  });
  running.push(started);
  started.on('failure', (error) => failures.push(`${id}: ${error.message}`));
  await started.whenBooted();
  await waitFor(() => csms.callsOf(id, 'StatusNotification').length >= 2, 'the status of both EVSEs');
  return started;
}

const statuses = (calls: RecordedCall[], evseId: number) =>
  calls.filter((c) => c.action === 'StatusNotification' && c.payload.evseId === evseId).map((c) => c.payload.connectorStatus);
const events = (chargerId: string) => csms.callsOf(chargerId, 'TransactionEvent').map((c) => c.payload);
const energy = (payload: { meterValue: { sampledValue: { measurand: string; value: number }[] }[] }) =>
  payload.meterValue[0]!.sampledValue.find((v) => v.measurand === 'Energy.Active.Import.Register')!.value;

describe('OCPP 2.0.1 charger: boot', () => {
  it('boots with its charging station, reports every EVSE Available, then heartbeats at the CSMS interval', async () => {
    await charger('CS201-BOOT');
    await waitFor(() => csms.callsOf('CS201-BOOT', 'Heartbeat').length >= 2, 'two heartbeats', 5_000);
    const calls = csms.callsOf('CS201-BOOT');

    assert.equal(calls[0]!.protocol, 'ocpp2.0.1');
    assert.deepEqual(calls[0]!.payload, {
      reason: 'PowerUp',
      chargingStation: { vendorName: 'ABB', model: 'Terra AC', firmwareVersion: '1.8.21' },
    });
    assert.deepEqual(
      calls.slice(1, 3).map((c) => [c.action, c.payload.evseId, c.payload.connectorId, c.payload.connectorStatus]),
      [
        ['StatusNotification', 1, 1, 'Available'],
        ['StatusNotification', 2, 1, 'Available'],
      ],
    );
    const [first, second] = csms.callsOf('CS201-BOOT', 'Heartbeat');
    assert.ok(second!.receivedAt.getTime() - first!.receivedAt.getTime() >= 800, 'heartbeats about 1 s apart');
  });

  it('retries a Pending boot after the interval', async () => {
    await charger('PENDING-201');
    const boots = csms.callsOf('PENDING-201', 'BootNotification');
    assert.equal(boots.length, 2);
    assert.ok(boots[1]!.receivedAt.getTime() - boots[0]!.receivedAt.getTime() >= 900);
  });
});

describe('OCPP 2.0.1 charger: remote session', () => {
  it('runs RequestStartTransaction to RequestStopTransaction as Started, Updated and Ended events', async () => {
    await charger('CS201-SESSION');
    const start = await csms.call('CS201-SESSION', 'RequestStartTransaction', {
      evseId: 1,
      remoteStartId: 42,
      idToken: { idToken: 'DRIVER1', type: 'ISO14443' },
    });
    assert.deepEqual(start, { status: 'Accepted' });
    await waitFor(() => events('CS201-SESSION').length >= 4, 'Started and three Updated');
    const transactionId = events('CS201-SESSION')[0]!.transactionInfo.transactionId as string;
    assert.match(transactionId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(await csms.call('CS201-SESSION', 'RequestStopTransaction', { transactionId: 'not-a-transaction' }), {
      status: 'Rejected',
    });
    assert.deepEqual(await csms.call('CS201-SESSION', 'RequestStopTransaction', { transactionId }), { status: 'Accepted' });
    await waitFor(() => events('CS201-SESSION').at(-1)?.eventType === 'Ended', 'the Ended event');
    await waitFor(() => statuses(csms.callsOf('CS201-SESSION'), 1).at(-1) === 'Available', 'EVSE 1 available again');

    const all = events('CS201-SESSION');
    const [started, ...rest] = all;
    const updated = rest.slice(0, -1);
    const ended = rest.at(-1)!;

    assert.equal(started.eventType, 'Started');
    assert.equal(started.triggerReason, 'RemoteStart');
    assert.equal(started.seqNo, 0);
    assert.deepEqual(started.transactionInfo, { transactionId, chargingState: 'Charging', remoteStartId: 42 });
    assert.deepEqual(started.idToken, { idToken: 'DRIVER1', type: 'ISO14443' });
    assert.deepEqual(started.evse, { id: 1, connectorId: 1 });
    assert.equal(energy(started), 8_000);
    assert.equal(started.meterValue[0].sampledValue[0].context, 'Transaction.Begin');

    updated.forEach((event, index) => {
      assert.equal(event.eventType, 'Updated');
      assert.equal(event.triggerReason, 'MeterValuePeriodic');
      assert.equal(event.seqNo, index + 1);
      assert.equal(event.transactionInfo.transactionId, transactionId);
      assert.equal(event.offline, undefined);
      assert.equal(energy(event), 8_000 + index + 1);
      assert.deepEqual(
        event.meterValue[0].sampledValue.map((v: { measurand: string; unitOfMeasure: { unit: string }; value: number }) => [
          v.measurand,
          v.unitOfMeasure.unit,
          v.value,
        ]),
        [
          ['Energy.Active.Import.Register', 'Wh', 8_000 + index + 1],
          ['Power.Active.Import', 'W', 36_000],
        ],
      );
    });

    assert.equal(ended.eventType, 'Ended');
    assert.equal(ended.triggerReason, 'RemoteStop');
    assert.equal(ended.seqNo, updated.length + 1);
    assert.deepEqual(ended.transactionInfo, { transactionId, stoppedReason: 'Remote' });
    assert.equal(energy(ended), 8_000 + updated.length);
    assert.deepEqual(statuses(csms.callsOf('CS201-SESSION'), 1), ['Available', 'Occupied', 'Available']);
  });

  it('authorizes a local session, starts it with trigger Authorized and ends it with reason Local', async () => {
    const cs = await charger('CS201-LOCAL');
    const session = await cs.startLocalSession(2, 'BADGE42');
    cs.stopLocalSession(2);
    await waitFor(() => events('CS201-LOCAL').at(-1)?.eventType === 'Ended', 'the Ended event');
    assert.deepEqual(csms.callsOf('CS201-LOCAL', 'Authorize')[0]!.payload, { idToken: { idToken: 'BADGE42', type: 'ISO14443' } });
    const [started, ended] = [events('CS201-LOCAL')[0]!, events('CS201-LOCAL').at(-1)!];
    assert.equal(started.triggerReason, 'Authorized');
    assert.equal(started.transactionInfo.transactionId, session!.transactionId);
    assert.deepEqual([ended.triggerReason, ended.transactionInfo.stoppedReason], ['StopAuthorized', 'Local']);
  });
});

describe('OCPP 2.0.1 charger: commands from the CSMS', () => {
  it('gets and sets variables with the spec statuses', async () => {
    await charger('CS201-VARS');
    const get = await csms.call('CS201-VARS', 'GetVariables', {
      getVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'Colour' } },
        { component: { name: 'Toaster' }, variable: { name: 'Colour' } },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeType: 'MaxSet' },
      ],
    });
    assert.deepEqual(
      get.getVariableResult.map((r: { attributeStatus: string; attributeValue?: string }) => [r.attributeStatus, r.attributeValue]),
      [
        ['Accepted', '1'],
        ['UnknownVariable', undefined],
        ['UnknownComponent', undefined],
        ['NotSupportedAttributeType', undefined],
      ],
    );
    const set = await csms.call('CS201-VARS', 'SetVariables', {
      setVariableData: [
        { component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '15' },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: 'soon' },
      ],
    });
    assert.deepEqual(
      set.setVariableResult.map((r: { attributeStatus: string }) => r.attributeStatus),
      ['Accepted', 'Rejected'],
    );
  });

  it('refuses to unlock during a transaction and knows its connectors', async () => {
    const cs = await charger('CS201-UNLOCK');
    await cs.startLocalSession(1);
    const unlock = (evseId: number, connectorId: number) => csms.call('CS201-UNLOCK', 'UnlockConnector', { evseId, connectorId });
    assert.deepEqual(await unlock(1, 1), { status: 'OngoingAuthorizedTransaction' });
    assert.deepEqual(await unlock(2, 1), { status: 'Unlocked' });
    assert.deepEqual(await unlock(5, 1), { status: 'UnknownConnector' });
  });

  it('reserves an EVSE, holds it for the id token and cancels the reservation', async () => {
    await charger('CS201-RESERVE');
    const call = (action: string, payload: object) => csms.call('CS201-RESERVE', action, payload);
    const expiryDateTime = new Date(Date.now() + 60_000).toISOString();
    const owner = { idToken: 'OWNER', type: 'ISO14443' };
    assert.deepEqual(await call('ReserveNow', { id: 3, evseId: 2, expiryDateTime, idToken: owner }), { status: 'Accepted' });
    assert.deepEqual(
      await call('RequestStartTransaction', { evseId: 2, remoteStartId: 1, idToken: { idToken: 'OTHER', type: 'ISO14443' } }),
      { status: 'Rejected' },
    );
    assert.deepEqual(await call('CancelReservation', { reservationId: 3 }), { status: 'Accepted' });
    assert.deepEqual(await call('CancelReservation', { reservationId: 3 }), { status: 'Rejected' });
    await waitFor(() => statuses(csms.callsOf('CS201-RESERVE'), 2).length === 3, 'EVSE 2 available again');
    assert.deepEqual(statuses(csms.callsOf('CS201-RESERVE'), 2), ['Available', 'Reserved', 'Available']);
  });

  it('changes availability of one EVSE or the whole station', async () => {
    await charger('CS201-AVAIL');
    const change = (operationalStatus: string, evse?: { id: number }) =>
      csms.call('CS201-AVAIL', 'ChangeAvailability', { operationalStatus, ...(evse ? { evse } : {}) });
    assert.deepEqual(await change('Inoperative', { id: 9 }), { status: 'Rejected' });
    assert.deepEqual(await change('Inoperative'), { status: 'Accepted' });
    await waitFor(() => statuses(csms.callsOf('CS201-AVAIL'), 2).at(-1) === 'Unavailable', 'the station unavailable');
    assert.deepEqual(await change('Operative', { id: 1 }), { status: 'Accepted' });
    await waitFor(() => statuses(csms.callsOf('CS201-AVAIL'), 1).at(-1) === 'Available', 'EVSE 1 available');
    assert.deepEqual(statuses(csms.callsOf('CS201-AVAIL'), 2).at(-1), 'Unavailable');
  });

  it('sends triggered messages after accepting the trigger', async () => {
    const cs = await charger('CS201-TRIGGER');
    const trigger = (requestedMessage: string, evse?: { id: number }) =>
      csms.call('CS201-TRIGGER', 'TriggerMessage', { requestedMessage, ...(evse ? { evse } : {}) });
    assert.deepEqual(await trigger('TransactionEvent'), { status: 'Rejected' });
    assert.deepEqual(await trigger('SignV2GCertificate'), { status: 'NotImplemented' });
    for (const requested of ['Heartbeat', 'LogStatusNotification', 'FirmwareStatusNotification', 'MeterValues']) {
      assert.deepEqual(await trigger(requested), { status: 'Accepted' });
      await waitFor(() => csms.callsOf('CS201-TRIGGER', requested).length >= 1, requested);
    }
    assert.deepEqual(await trigger('BootNotification'), { status: 'Accepted' });
    await waitFor(() => csms.callsOf('CS201-TRIGGER', 'BootNotification').length === 2, 'the triggered boot');
    assert.equal(csms.callsOf('CS201-TRIGGER', 'BootNotification')[1]!.payload.reason, 'Triggered');

    await cs.startLocalSession(1);
    const before = events('CS201-TRIGGER').length;
    assert.deepEqual(await trigger('TransactionEvent', { id: 1 }), { status: 'Accepted' });
    await waitFor(() => events('CS201-TRIGGER').some((e, index) => index >= before && e.triggerReason === 'Trigger'), 'the triggered event');
  });

  it('on Reset OnIdle waits for the session to end, then boots again with reason RemoteReset', async () => {
    const cs = await charger('CS201-RESET');
    await cs.startLocalSession(1);
    assert.deepEqual(await csms.call('CS201-RESET', 'Reset', { type: 'OnIdle' }), { status: 'Scheduled' });
    cs.stopLocalSession(1);
    await waitFor(() => csms.callsOf('CS201-RESET', 'BootNotification').length === 2, 'the reboot');
    assert.equal(csms.callsOf('CS201-RESET', 'BootNotification')[1]!.payload.reason, 'RemoteReset');
    assert.deepEqual(events('CS201-RESET').at(-1)!.transactionInfo.stoppedReason, 'Local');
  });
});
