import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { chargerIds, type Fleet, simulateFleet } from './fleet';
import type { MixFile } from './mix';
import { type FakeCsms, startFakeCsms } from './testing/fake-csms';
import { waitFor } from './testing/wait-for';

let csms: FakeCsms;
let fleet: Fleet | undefined;

before(async () => {
  csms = await startFakeCsms();
});
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
});
after(() => csms.close());

const mix: MixFile = {
  models: [
    { vendor: 'Alfen', model: 'Eve Single', firmwareVersion: '6.4.0', share: 0.5, protocol: 'ocpp1.6', connectors: 1 },
    { vendor: 'ABB', model: 'Terra AC', firmwareVersion: '1.8.21', share: 0.3, protocol: 'ocpp2.0.1', connectors: 2 },
    {
      vendor: 'Legacy Power',
      model: 'LP-7',
      firmwareVersion: '0.9.3',
      share: 0.2,
      faults: { rejectRemoteStart: true },
    },
  ],
};

describe('fleet', () => {
  it('numbers charger ids with the prefix, zero-padded', () => {
    assert.deepEqual(chargerIds('SIM-', 3), ['SIM-0001', 'SIM-0002', 'SIM-0003']);
    assert.equal(chargerIds('X', 12_345)[0], 'X00001');
  });

  it('boots 20 chargers with the models of the mix in their shares, each with its protocol and faults', async () => {
    fleet = await simulateFleet({ url: csms.url, count: 20, protocol: 'ocpp1.6', mix, idPrefix: 'MIX-', connectConcurrency: 5 });
    await waitFor(() => fleet!.stats().booted === 20, 'every charger booted');
    const boots = csms.calls.filter((c) => c.chargerId.startsWith('MIX-') && c.action === 'BootNotification');
    const modelOf = (payload: any) => payload.chargePointModel ?? payload.chargingStation.model;
    const count = (model: string) => boots.filter((c) => modelOf(c.payload) === model).length;
    assert.deepEqual([count('Eve Single'), count('Terra AC'), count('LP-7')], [10, 6, 4]);
    assert.ok(boots.filter((c) => modelOf(c.payload) === 'Terra AC').every((c) => c.protocol === 'ocpp2.0.1'));
    assert.ok(boots.filter((c) => modelOf(c.payload) === 'LP-7').every((c) => c.protocol === 'ocpp1.6'), 'the fleet protocol');

    const stats = fleet.stats();
    assert.equal(stats.connected, 20);
    assert.equal(stats.connectFailures, 0);
    assert.deepEqual(stats.byModel, { 'Alfen Eve Single': 10, 'ABB Terra AC': 6, 'Legacy Power LP-7': 4 });
    assert.ok(stats.messagesSent >= 20 + 10 + 12 + 4, 'boots and a status per connector');

    const flaky = fleet.chargers.find((c) => c.profile.model === 'LP-7')!;
    const answer = await csms.call(flaky.id, 'RemoteStartTransaction', { idTag: 'DRIVER' });
    assert.deepEqual(answer, { status: 'Rejected' });

    await fleet.stop();
    await waitFor(
      () => csms.connections.filter((c) => c.chargerId.startsWith('MIX-')).every((c) => c.closedAt !== undefined),
      'every connection closed',
    );
    fleet = undefined;
  });

  it('runs looped local sessions when asked to', async () => {
    fleet = await simulateFleet({
      url: csms.url,
      count: 2,
      protocol: 'ocpp2.0.1',
      idPrefix: 'LOOP-',
      profile: { meterValueIntervalS: 0.05, connectors: 1 },
      autoSessions: { durationS: 0.2, pauseS: 0.1 },
    });
    const ended = () => csms.calls.filter((c) => c.chargerId.startsWith('LOOP-') && c.payload.eventType === 'Ended');
    await waitFor(() => ended().length >= 4, 'two sessions per charger');
    assert.ok(fleet.stats().sessionsEnded >= 4);
    assert.deepEqual(new Set(ended().map((c) => c.chargerId)), new Set(['LOOP-0001', 'LOOP-0002']));
    assert.ok(ended().every((c) => c.payload.transactionInfo.stoppedReason === 'Local'));
  });

  it('counts chargers that cannot connect', async () => {
    fleet = await simulateFleet({ url: 'ws://127.0.0.1:1/ocpp', count: 2, protocol: 'ocpp1.6', idPrefix: 'NOWHERE-' });
    assert.equal(fleet.stats().connectFailures, 2);
    assert.equal(fleet.connectErrors.length, 2);
    assert.equal(fleet.stats().connected, 0);
  });
});
