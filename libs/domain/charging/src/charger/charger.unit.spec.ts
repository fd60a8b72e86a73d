import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BootStatus, ConnectorStatus, domainEvent, FrameDirection, fromStoredEvent, OcppVersion, toStoredEvent } from '@roamgate/contracts';
import { foldEvents } from '../shared/decider.js';
import { timestamp } from '../shared/time.js';
import { deciderSpec } from '../testing/decider-spec.js';
import {
  chargerDecider,
  chargerStatus,
  chargerStreamName,
  connectorKey,
  type ChargerStreamEvent,
  type RecordBoot,
  type RecordConnectorStatus,
} from './charger.js';

const spec = deciderSpec(chargerDecider);
const t = (iso: string) => new Date(`2025-03-01T${iso}Z`);
const chargerId = 'CP-1';

const registered = domainEvent('ChargerRegistered', {
  chargerId,
  occurredAt: timestamp(t('09:00:00')),
  passwordHash: 'scrypt$abc',
  securityProfile: 1,
});

const boot = (override: Partial<RecordBoot> = {}): RecordBoot => ({
  type: 'RecordBoot',
  chargerId,
  protocol: OcppVersion.OCPP_VERSION_1_6,
  vendor: 'VendorX',
  model: 'SingleSocketCharger',
  firmwareVersion: '1.4.2',
  serialNumber: 'SSC-0001',
  unknownChargerPolicy: 'pending',
  heartbeatIntervalSeconds: 300,
  now: t('10:00:00'),
  ...override,
});

const booted = (bootStatus: BootStatus) =>
  domainEvent('ChargerBooted', {
    chargerId,
    occurredAt: timestamp(t('10:00:00')),
    receivedAt: timestamp(t('10:00:00')),
    protocol: OcppVersion.OCPP_VERSION_1_6,
    vendor: 'VendorX',
    model: 'SingleSocketCharger',
    firmwareVersion: '1.4.2',
    serialNumber: 'SSC-0001',
    bootStatus,
    heartbeatIntervalSeconds: 300,
  });

const status = (override: Partial<RecordConnectorStatus> = {}): RecordConnectorStatus => ({
  type: 'RecordConnectorStatus',
  chargerId,
  evseId: 0,
  connectorId: 1,
  status: ConnectorStatus.AVAILABLE,
  errorCode: 'NoError',
  timestamp: t('10:05:00'),
  now: t('10:05:01'),
  ...override,
});

const statusChanged = (connectorStatus: ConnectorStatus, at: string, connectorId = 1) =>
  domainEvent('ConnectorStatusChanged', {
    chargerId,
    occurredAt: timestamp(t(at)),
    receivedAt: timestamp(t(at)),
    evseId: 0,
    connectorId,
    status: connectorStatus,
    errorCode: 'NoError',
  });

const connected = (connectionId: string, at = '10:00:00') =>
  domainEvent('ChargerConnected', { chargerId, occurredAt: timestamp(t(at)), protocol: OcppVersion.OCPP_VERSION_1_6, connectionId, securityProfile: 1 });

describe('charger aggregate', () => {
  it('lives in stream charger-<id>', () => {
    assert.equal(chargerStreamName('CP-1'), 'charger-CP-1');
  });

  describe('registration', () => {
    it('registers a charger with its password hash', () => {
      spec
        .given([])
        .when({ type: 'RegisterCharger', chargerId, passwordHash: 'scrypt$abc', now: t('09:00:00') })
        .then([registered]);
    });

    it('refuses to register the same charger twice', () => {
      spec.given([registered]).whenRefused({ type: 'RegisterCharger', chargerId, passwordHash: 'other', now: t('09:30:00') }, 'CHARGER_ALREADY_REGISTERED');
    });

    it('registers a charger that booted while unknown and was held in Pending', () => {
      const { events } = spec.given([booted(BootStatus.PENDING)]).when({ type: 'RegisterCharger', chargerId, passwordHash: 'h', now: t('10:30:00') });
      assert.deepEqual(
        events.map((e) => e.type),
        ['ChargerRegistered'],
      );
    });
  });

  describe('boot', () => {
    it('accepts a registered charger and keeps its place in the charger mix', () => {
      const outcome = spec.given([registered]).when(boot());
      outcome.then([booted(BootStatus.ACCEPTED)]);
      assert.equal(outcome.state.vendor, 'VendorX');
      assert.equal(outcome.state.model, 'SingleSocketCharger');
      assert.equal(outcome.state.firmwareVersion, '1.4.2');
      assert.equal(outcome.state.bootStatus, BootStatus.ACCEPTED);
    });

    it('holds an unknown charger in Pending when the policy is pending', () => {
      spec.given([]).when(boot({ unknownChargerPolicy: 'pending' })).then([booted(BootStatus.PENDING)]);
    });

    it('refuses an unknown charger when the policy is reject', () => {
      spec.given([]).whenRefused(boot({ unknownChargerPolicy: 'reject' }), 'CHARGER_NOT_REGISTERED');
    });

    it('accepts a registered charger whatever the unknown-charger policy', () => {
      const { events } = spec.given([registered]).when(boot({ unknownChargerPolicy: 'reject' }));
      assert.equal(events[0]?.type === 'ChargerBooted' && events[0].data.bootStatus, BootStatus.ACCEPTED);
    });

    it('records every boot, so a firmware upgrade changes the mix', () => {
      const outcome = spec.given([registered, booted(BootStatus.ACCEPTED)]).when(boot({ firmwareVersion: '1.5.0', now: t('12:00:00') }));
      assert.equal(outcome.events.length, 1);
      assert.equal(outcome.state.firmwareVersion, '1.5.0');
    });

    it('records the 2.0.1 boot reason', () => {
      const { events } = spec.given([registered]).when(boot({ protocol: OcppVersion.OCPP_VERSION_2_0_1, reason: 'PowerUp' }));
      assert.ok(events[0]?.type === 'ChargerBooted');
      assert.equal(events[0].data.reason, 'PowerUp');
      assert.equal(events[0].data.protocol, OcppVersion.OCPP_VERSION_2_0_1);
    });
  });

  describe('connectivity', () => {
    it('records a connection and goes online', () => {
      const outcome = spec
        .given([registered])
        .when({ type: 'RecordConnected', chargerId, connectionId: 'c1', protocol: OcppVersion.OCPP_VERSION_1_6, securityProfile: 1, now: t('10:00:00') });
      outcome.then([connected('c1')]);
      assert.equal(outcome.state.connectivity, 'online');
      assert.deepEqual(outcome.state.lastSeenAt, t('10:00:00'));
    });

    it('ignores the same connection reported twice', () => {
      spec
        .given([registered, connected('c1')])
        .when({ type: 'RecordConnected', chargerId, connectionId: 'c1', protocol: OcppVersion.OCPP_VERSION_1_6, now: t('10:00:01') })
        .thenNothing();
    });

    it('goes offline when the current connection closes', () => {
      const outcome = spec
        .given([registered, connected('c1')])
        .when({ type: 'RecordDisconnected', chargerId, connectionId: 'c1', closeCode: 1006, reason: 'ping timeout', now: t('10:20:00') });
      outcome.then([
        domainEvent('ChargerDisconnected', { chargerId, occurredAt: timestamp(t('10:20:00')), connectionId: 'c1', closeCode: 1006, reason: 'ping timeout' }),
      ]);
      assert.equal(outcome.state.connectivity, 'offline');
    });

    it('ignores the close of a connection a reconnect already replaced', () => {
      const outcome = spec
        .given([registered, connected('c1'), connected('c2', '10:10:00')])
        .when({ type: 'RecordDisconnected', chargerId, connectionId: 'c1', now: t('10:10:05') });
      outcome.thenNothing();
      assert.equal(outcome.state.connectivity, 'online');
      assert.equal(outcome.state.connectionId, 'c2');
    });

    it('ignores a disconnect repeated after the charger went offline', () => {
      const disconnected = domainEvent('ChargerDisconnected', { chargerId, occurredAt: timestamp(t('10:20:00')), connectionId: 'c1', closeCode: 1000 });
      spec.given([registered, connected('c1'), disconnected]).when({ type: 'RecordDisconnected', chargerId, connectionId: 'c1', now: t('10:20:01') }).thenNothing();
    });

    it('counts frames from the charger as signs of life', () => {
      const frame = (direction: FrameDirection, at: string) =>
        domainEvent('OcppFrameLogged', { chargerId, occurredAt: timestamp(t(at)), direction, action: 'Heartbeat' });
      const state = foldEvents(chargerDecider, [
        registered,
        connected('c1'),
        frame(FrameDirection.FROM_CHARGER, '10:05:00'),
        frame(FrameDirection.TO_CHARGER, '10:09:00'),
      ]);
      assert.deepEqual(state.lastSeenAt, t('10:05:00'));
    });
  });

  describe('connector status', () => {
    it('records a first status per connector', () => {
      const outcome = spec.given([registered]).when(status());
      outcome.then([
        domainEvent('ConnectorStatusChanged', {
          chargerId,
          occurredAt: timestamp(t('10:05:00')),
          receivedAt: timestamp(t('10:05:01')),
          evseId: 0,
          connectorId: 1,
          status: ConnectorStatus.AVAILABLE,
          errorCode: 'NoError',
        }),
      ]);
      assert.equal(outcome.state.connectors[connectorKey(0, 1)]?.status, ConnectorStatus.AVAILABLE);
    });

    it('ignores a status that did not change', () => {
      spec
        .given([registered, statusChanged(ConnectorStatus.AVAILABLE, '10:05:00')])
        .when(status({ timestamp: t('10:06:00') }))
        .thenNothing();
    });

    it('records a change with a newer timestamp', () => {
      const { events } = spec
        .given([registered, statusChanged(ConnectorStatus.AVAILABLE, '10:05:00')])
        .when(status({ status: ConnectorStatus.PREPARING, timestamp: t('10:06:00') }));
      assert.equal(events.length, 1);
    });

    it('records a new error code on an unchanged status', () => {
      const { events } = spec
        .given([registered, statusChanged(ConnectorStatus.AVAILABLE, '10:05:00')])
        .when(status({ errorCode: 'GroundFailure', timestamp: t('10:06:00') }));
      assert.equal(events.length, 1);
    });

    it('orders by the charger clock: an older status delivered late is ignored', () => {
      const outcome = spec
        .given([registered, statusChanged(ConnectorStatus.CHARGING, '10:10:00')])
        .when(status({ status: ConnectorStatus.PREPARING, timestamp: t('10:09:00'), now: t('10:10:05') }));
      outcome.thenNothing();
      assert.equal(outcome.state.connectors[connectorKey(0, 1)]?.status, ConnectorStatus.CHARGING);
    });

    it('takes the arrival time when a 1.6 status has no timestamp', () => {
      const { events } = spec.given([registered]).when(status({ timestamp: undefined, now: t('10:07:00') }));
      assert.ok(events[0]?.type === 'ConnectorStatusChanged');
      assert.deepEqual(events[0].data.occurredAt, timestamp(t('10:07:00')));
    });

    it('keeps connectors apart, connector 0 being the whole charger', () => {
      const state = foldEvents(chargerDecider, [
        registered,
        statusChanged(ConnectorStatus.AVAILABLE, '10:00:00', 0),
        statusChanged(ConnectorStatus.CHARGING, '10:01:00', 1),
        statusChanged(ConnectorStatus.FAULTED, '10:02:00', 2),
      ]);
      assert.equal(chargerStatus(state)?.status, ConnectorStatus.AVAILABLE);
      assert.equal(state.connectors[connectorKey(0, 1)]?.status, ConnectorStatus.CHARGING);
      assert.equal(state.connectors[connectorKey(0, 2)]?.status, ConnectorStatus.FAULTED);
      spec.given([statusChanged(ConnectorStatus.CHARGING, '10:10:00', 1)]).when(status({ connectorId: 2, timestamp: t('10:00:00') })).then([
        domainEvent('ConnectorStatusChanged', {
          chargerId,
          occurredAt: timestamp(t('10:00:00')),
          receivedAt: timestamp(t('10:05:01')),
          evseId: 0,
          connectorId: 2,
          status: ConnectorStatus.AVAILABLE,
          errorCode: 'NoError',
        }),
      ]);
    });
  });

  it('folds the same state from events read back from the store', () => {
    const events: ChargerStreamEvent[] = [registered, booted(BootStatus.ACCEPTED), connected('c1'), statusChanged(ConnectorStatus.CHARGING, '10:10:00')];
    const reread = events.map(toStoredEvent).map((stored) => fromStoredEvent(JSON.parse(JSON.stringify(stored))) as ChargerStreamEvent);
    assert.deepEqual(foldEvents(chargerDecider, reread), foldEvents(chargerDecider, events));
  });
});
