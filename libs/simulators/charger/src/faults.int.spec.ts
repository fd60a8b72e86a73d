import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, afterEach, before, describe, it } from 'node:test';
import { type SimulatedCharger, startSimulatedCharger } from './charger';
import { BAD_FRAME_KINDS, type Faults } from './faults';
import type { OcppProtocol } from './model';
import { type FakeCsms, type RecordedCall, startFakeCsms } from './testing/fake-csms';
import { waitFor } from './testing/wait-for';

let csms: FakeCsms;
const running: SimulatedCharger[] = [];

before(async () => {
  csms = await startFakeCsms({ heartbeatIntervalS: 300 });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((charger) => charger.stop()));
});
after(() => csms.close());

/** 36 kW sampled every 0.1 s: exactly 1 Wh per sample. */
async function charger(id: string, protocol: OcppProtocol, faults: Faults): Promise<SimulatedCharger> {
  const started = await startSimulatedCharger({
    url: csms.url,
    id,
    protocol,
    faults,
    profile: { connectors: 1, maxPowerW: 36_000, meterValueIntervalS: 0.1, meterStartWh: 2_000 },
  });
  running.push(started);
  await started.whenBooted();
  await waitFor(() => csms.callsOf(id, 'StatusNotification').length >= 1, 'the connector status');
  return started;
}

function remoteStart(id: string, protocol: OcppProtocol): Promise<{ status: string }> {
  return protocol === 'ocpp1.6'
    ? csms.call(id, 'RemoteStartTransaction', { connectorId: 1, idTag: 'DRIVER' })
    : csms.call(id, 'RequestStartTransaction', { evseId: 1, remoteStartId: 1, idToken: { idToken: 'DRIVER', type: 'Central' } });
}

function remoteStop(id: string, protocol: OcppProtocol): Promise<{ status: string }> {
  if (protocol === 'ocpp1.6') {
    const transactionId = csms.callsOf(id, 'StartTransaction')[0]!.answer.transactionId;
    return csms.call(id, 'RemoteStopTransaction', { transactionId });
  }
  const transactionId = csms.callsOf(id, 'TransactionEvent')[0]!.payload.transactionInfo.transactionId;
  return csms.call(id, 'RequestStopTransaction', { transactionId });
}

const stopCall = (id: string, protocol: OcppProtocol) =>
  protocol === 'ocpp1.6'
    ? csms.callsOf(id, 'StopTransaction')[0]
    : csms.callsOf(id, 'TransactionEvent').find((c) => c.payload.eventType === 'Ended');
const startCall = (id: string, protocol: OcppProtocol) =>
  protocol === 'ocpp1.6' ? csms.callsOf(id, 'StartTransaction')[0] : csms.callsOf(id, 'TransactionEvent')[0];
const meterStart = (id: string, protocol: OcppProtocol) =>
  protocol === 'ocpp1.6' ? startCall(id, protocol)!.payload.meterStart : startCall(id, protocol)!.payload.meterValue[0].sampledValue[0].value;
const meterStop = (id: string, protocol: OcppProtocol) =>
  protocol === 'ocpp1.6' ? stopCall(id, protocol)!.payload.meterStop : stopCall(id, protocol)!.payload.meterValue[0].sampledValue[0].value;
const status = (call: RecordedCall) => call.payload.status ?? call.payload.connectorStatus;
const time = (iso: string) => Date.parse(iso);
/** When the charger produced the message: its timestamp, or that of its (1.6 MeterValues) sample. */
const producedAt = (call: RecordedCall) => time(call.payload.timestamp ?? call.payload.meterValue?.[0]?.timestamp ?? '');
const connectionsOf = (id: string) => csms.connections.filter((c) => c.chargerId === id);

for (const protocol of ['ocpp1.6', 'ocpp2.0.1'] as const) {
  const tag = protocol === 'ocpp1.6' ? '16' : '201';

  describe(`${protocol} faults`, () => {
    it('rejectRemoteStart answers Rejected and starts nothing', async () => {
      const id = `REJECT-${tag}`;
      await charger(id, protocol, { rejectRemoteStart: true });
      assert.deepEqual(await remoteStart(id, protocol), { status: 'Rejected' });
      await csms.call(id, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
      await waitFor(() => csms.callsOf(id, 'Heartbeat').length === 1, 'the triggered heartbeat');
      assert.equal(startCall(id, protocol), undefined);
    });

    it('meterStopBelowStart reports a meter stop below the meter start', async () => {
      const id = `METERSTOP-${tag}`;
      await charger(id, protocol, { meterStopBelowStart: true });
      await remoteStart(id, protocol);
      await waitFor(() => startCall(id, protocol) !== undefined, 'the start');
      await waitFor(() => csms.callsOf(id).filter((c) => c.action === 'MeterValues' || c.payload.eventType === 'Updated').length >= 2, 'samples');
      await remoteStop(id, protocol);
      await waitFor(() => stopCall(id, protocol) !== undefined, 'the stop');
      assert.equal(meterStart(id, protocol), 2_000);
      assert.ok(meterStop(id, protocol) < meterStart(id, protocol), `${meterStop(id, protocol)} < ${meterStart(id, protocol)}`);
    });

    it('clockSkewSeconds shifts every timestamp the charger sends', async () => {
      const id = `SKEW-${tag}`;
      await charger(id, protocol, { clockSkewSeconds: -3_600 });
      await remoteStart(id, protocol);
      await waitFor(() => startCall(id, protocol) !== undefined, 'the start');
      const stamped = csms.callsOf(id).filter((c) => typeof c.payload.timestamp === 'string');
      assert.ok(stamped.length >= 2);
      for (const call of stamped) {
        const skewS = (call.receivedAt.getTime() - time(call.payload.timestamp)) / 1000;
        assert.ok(Math.abs(skewS - 3_600) < 60, `${call.action} is ${skewS} s behind`);
      }
    });

    it('statusFlapping flips connector 1 between Unavailable and Available', async () => {
      const id = `FLAP-${tag}`;
      await charger(id, protocol, { statusFlapping: { count: 2, intervalMs: 20 } });
      await waitFor(() => csms.callsOf(id, 'StatusNotification').length === 5, 'four flips');
      assert.deepEqual(csms.callsOf(id, 'StatusNotification').map(status), [
        'Available',
        'Unavailable',
        'Available',
        'Unavailable',
        'Available',
      ]);
    });

    it('dropConnectionMidSession kills the socket, queues what happens offline and delivers it after the reconnect', async () => {
      const id = `DROP-${tag}`;
      await charger(id, protocol, { dropConnectionMidSession: { afterMeterValues: 2, reconnectAfterMs: 600 } });
      await remoteStart(id, protocol);
      await waitFor(() => connectionsOf(id).length === 2, 'the reconnect');
      await waitFor(() => stopCall(id, protocol) !== undefined, 'the stop delivered after the reconnect');
      const [first, second] = connectionsOf(id);
      const statusAfterReconnect = () =>
        csms.callsOf(id, 'StatusNotification').some((c) => c.receivedAt.getTime() >= second!.connectedAt.getTime());
      await waitFor(statusAfterReconnect, 'the status after the reconnect');
      assert.equal(first!.closeCode, 1006, 'closed without a close frame');
      const reconnectedAt = second!.connectedAt.getTime();

      const stop = stopCall(id, protocol)!;
      assert.ok(stop.receivedAt.getTime() >= reconnectedAt);
      assert.ok(time(stop.payload.timestamp) < reconnectedAt, 'the session ended while offline');
      assert.equal(csms.callsOf(id, 'BootNotification').length, 1, 'a reconnect is not a reboot');

      const afterReconnect = csms.callsOf(id).filter((c) => c.receivedAt.getTime() >= reconnectedAt);
      const queued = afterReconnect.filter((c) => producedAt(c) < reconnectedAt && c !== stop);
      assert.ok(queued.length >= 1, 'samples taken offline arrive after the reconnect');
      assert.deepEqual(
        afterReconnect.map((c) => c.action).slice(0, queued.length + 2),
        [...queued.map((c) => c.action), stop.action, 'StatusNotification'],
        'the queue first, in order, then the current status',
      );

      if (protocol === 'ocpp1.6') {
        assert.equal(stop.payload.reason, 'EVDisconnected');
        const transactionId = csms.callsOf(id, 'StartTransaction')[0]!.answer.transactionId;
        const meterValues = csms.callsOf(id, 'MeterValues');
        assert.ok(meterValues.every((c) => c.payload.transactionId === transactionId));
        const energies = meterValues.map((c) => Number(c.payload.meterValue[0].sampledValue[0].value));
        assert.deepEqual(energies, energies.map((_, index) => 2_001 + index), 'no sample lost or repeated');
        assert.equal(stop.payload.meterStop, 2_000 + meterValues.length);
      } else {
        const events = csms.callsOf(id, 'TransactionEvent').map((c) => c.payload);
        assert.deepEqual(events.map((e) => e.seqNo), events.map((_, index) => index), 'seqNo without gaps or repeats');
        assert.deepEqual(stop.payload.transactionInfo.stoppedReason, 'EVDisconnected');
        for (const call of queued) assert.equal(call.payload.offline, true, `seqNo ${call.payload.seqNo} marked offline`);
        assert.equal(stop.payload.offline, true);
        const online = events.filter((e) => time(e.timestamp) < first!.closedAt!.getTime());
        assert.ok(online.every((e) => e.offline === undefined));
      }
    });

    it('losesTransaction comes back from a power loss without the transaction and starts a new one on the same connector', async () => {
      const id = `LOSE-${tag}`;
      await charger(id, protocol, { losesTransaction: { afterMeterValues: 2, restartAfterMs: 300 } });
      await remoteStart(id, protocol);
      const starts = () =>
        protocol === 'ocpp1.6' ? csms.callsOf(id, 'StartTransaction') : csms.callsOf(id, 'TransactionEvent').filter((c) => c.payload.eventType === 'Started');
      await waitFor(() => starts().length === 2, 'the session after the power loss');
      const [first, second] = connectionsOf(id);
      assert.equal(first!.closeCode, 1006, 'power lost: no close frame');
      const boots = csms.callsOf(id, 'BootNotification');
      assert.equal(boots.length, 2, 'it boots again');
      if (protocol === 'ocpp2.0.1') assert.equal(boots[1]!.payload.reason, 'PowerUp');
      const [lost, next] = starts();
      assert.ok(next!.receivedAt.getTime() >= second!.connectedAt.getTime());
      if (protocol === 'ocpp1.6') {
        assert.equal(next!.payload.connectorId, lost!.payload.connectorId);
        assert.ok(next!.payload.meterStart >= lost!.payload.meterStart + 2, 'the register kept counting');
      } else {
        assert.equal(next!.payload.evse.id, lost!.payload.evse.id);
        assert.notEqual(next!.payload.transactionInfo.transactionId, lost!.payload.transactionInfo.transactionId);
      }
      await csms.call(id, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
      await waitFor(() => csms.callsOf(id, 'Heartbeat').length >= 1, 'a heartbeat after everything queued');
      assert.equal(stopCall(id, protocol), undefined, 'no stop is ever sent for the lost transaction');
    });

    it('lateStopTransaction after a drop delivers the stop well after the reconnect and the status', async () => {
      const id = `LATE-DROP-${tag}`;
      await charger(id, protocol, {
        dropConnectionMidSession: { afterMeterValues: 1, reconnectAfterMs: 400 },
        lateStopTransaction: { delayMs: 500 },
      });
      await remoteStart(id, protocol);
      await waitFor(() => stopCall(id, protocol) !== undefined, 'the late stop');
      const reconnectedAt = connectionsOf(id)[1]!.connectedAt.getTime();
      const stop = stopCall(id, protocol)!;
      assert.ok(stop.receivedAt.getTime() - reconnectedAt >= 450, 'held back about 500 ms after the reconnect');
      assert.ok(time(stop.payload.timestamp) < reconnectedAt, 'with the time the session really ended');
      const available = csms.callsOf(id, 'StatusNotification').find((c) => c.receivedAt.getTime() >= reconnectedAt)!;
      assert.equal(status(available), 'Available');
      assert.ok(available.receivedAt <= stop.receivedAt, 'the connector was reported available before the stop arrived');
    });

    it('lateStopTransaction alone holds the stop back behind the Available status', async () => {
      const id = `LATE-${tag}`;
      await charger(id, protocol, { lateStopTransaction: { delayMs: 300 } });
      await remoteStart(id, protocol);
      await waitFor(() => startCall(id, protocol) !== undefined, 'the start');
      await remoteStop(id, protocol);
      await waitFor(() => stopCall(id, protocol) !== undefined, 'the late stop');
      const stop = stopCall(id, protocol)!;
      const lastStatus = csms.callsOf(id, 'StatusNotification').at(-1)!;
      assert.equal(status(lastStatus), 'Available');
      assert.ok(lastStatus.receivedAt <= stop.receivedAt);
      assert.ok(stop.receivedAt.getTime() - time(stop.payload.timestamp) >= 270);
    });

    it('badFrame gets a CALLERROR from the CSMS and the connection stays up', async () => {
      const id = `BADFRAME-${tag}`;
      const cp = await startSimulatedCharger({ url: csms.url, id, protocol, faults: { badFrame: true } });
      running.push(cp);
      const [reply] = (await once(cp, 'badFrameAnswered')) as [unknown[]];
      assert.deepEqual(reply.slice(0, 3), [4, reply[1], 'TypeConstraintViolation']);
      assert.ok(csms.errorsSent.some((e) => e.chargerId === id && e.payload[1] === reply[1]));
      assert.equal(csms.callsOf(id, 'StatusNotification').every((c) => typeof c.payload.connectorId === 'number'), true);
      await csms.call(id, 'TriggerMessage', { requestedMessage: 'Heartbeat' });
      await waitFor(() => csms.callsOf(id, 'Heartbeat').length === 1, 'a heartbeat after the bad frame');
      assert.equal(connectionsOf(id).length, 1);
      assert.equal(cp.stats().errors, 0, 'the CALLERROR to the bad frame is expected, not an error');
    });
  });
}

describe('bad frame kinds', () => {
  for (const kind of BAD_FRAME_KINDS) {
    it(`${kind} is answered with a CALLERROR`, async () => {
      const id = `BADFRAME-${kind}`;
      const cp = await startSimulatedCharger({ url: csms.url, id, protocol: 'ocpp1.6', faults: { badFrame: { kind } } });
      running.push(cp);
      const [reply] = (await once(cp, 'badFrameAnswered')) as [unknown[]];
      assert.equal(reply[0], 4);
      assert.equal(typeof reply[2], 'string');
      assert.ok(csms.errorsSent.some((e) => e.chargerId === id));
    });
  }
});
