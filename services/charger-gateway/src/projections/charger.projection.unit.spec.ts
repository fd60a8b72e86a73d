import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BootStatus, ConnectorStatus, FrameDirection, FrameType, OcppVersion } from '@roamgate/contracts';
import { LAST_SEEN_RESOLUTION_MS, mixBefore, projectCharger } from './charger.projection';
import type { ChargerDocument } from './documents';
import type { ProjectedEvent } from './projected-event';
import { at, delivered } from './testing';

const streamId = 'charger-CP1';
let revision = 0;
const on = (position: number) => ({ streamId, revision: revision++, position });
const fold = (events: readonly ProjectedEvent[], from?: ChargerDocument) => events.reduce<ChargerDocument | undefined>(projectCharger, from)!;

const registered = () => delivered('ChargerRegistered', { chargerId: 'CP1', occurredAt: at('2025-01-01T08:00:00Z'), passwordHash: 'h', securityProfile: 1, locationId: 'LOC1', tags: ['pilot'] }, on(1));
const booted = (position: number, firmwareVersion: string, when = '2025-01-01T08:01:00Z') =>
  delivered(
    'ChargerBooted',
    {
      chargerId: 'CP1',
      occurredAt: at(when),
      receivedAt: at(when),
      protocol: OcppVersion.OCPP_VERSION_1_6,
      vendor: 'Acme',
      model: 'Fast-50',
      firmwareVersion,
      serialNumber: 'SN1',
      bootStatus: BootStatus.ACCEPTED,
      heartbeatIntervalSeconds: 300,
    },
    on(position),
  );
const connected = (connectionId: string, position: number) =>
  delivered('ChargerConnected', { chargerId: 'CP1', occurredAt: at('2025-01-01T08:00:59Z'), protocol: OcppVersion.OCPP_VERSION_1_6, connectionId, remoteAddress: '10.0.0.9' }, on(position));
const disconnected = (connectionId: string, position: number) =>
  delivered('ChargerDisconnected', { chargerId: 'CP1', occurredAt: at('2025-01-01T09:00:00Z'), connectionId, closeCode: 1006 }, on(position));
const frame = (when: string, direction: FrameDirection, position: number) =>
  delivered(
    'OcppFrameLogged',
    { chargerId: 'CP1', occurredAt: at(when), protocol: OcppVersion.OCPP_VERSION_1_6, direction, frameType: FrameType.CALL, messageId: 'm', action: 'Heartbeat', frame: '[2,"m","Heartbeat",{}]' },
    on(position),
  );

describe('charger projection', () => {
  it('keeps registration, boot data (the charger mix) and connectivity', () => {
    const doc = fold([registered(), connected('c1', 2), booted(3, '1.0.0')]);
    assert.equal(doc.id, 'CP1');
    assert.equal(doc.registered, true);
    assert.equal(doc.locationId, 'LOC1');
    assert.deepEqual(doc.tags, ['pilot']);
    assert.deepEqual([doc.vendor, doc.model, doc.firmwareVersion, doc.serialNumber], ['Acme', 'Fast-50', '1.0.0', 'SN1']);
    assert.equal(doc.protocol, 'ocpp1.6');
    assert.equal(doc.bootStatus, 'ACCEPTED');
    assert.equal(doc.connected, true);
    assert.equal(doc.connectionId, 'c1');
    assert.equal(doc.lastSeenAt, '2025-01-01T08:01:00.000Z');
  });

  it('ignores the close of a connection a newer one already replaced', () => {
    const doc = fold([connected('c1', 1), connected('c2', 2), disconnected('c1', 3)]);
    assert.equal(doc.connected, true);
    assert.equal(doc.connectionId, 'c2');
    const closed = projectCharger(doc, disconnected('c2', 4));
    assert.equal(closed.connected, false);
    assert.equal(closed.disconnectReason, 'close code 1006');
  });

  it('keeps one status per EVSE and connector, ordered', () => {
    const status = (evseId: number, connectorId: number, value: ConnectorStatus, position: number) =>
      delivered(
        'ConnectorStatusChanged',
        { chargerId: 'CP1', occurredAt: at('2025-01-01T08:02:00Z'), receivedAt: at('2025-01-01T08:02:01Z'), evseId, connectorId, status: value, errorCode: 'NoError' },
        on(position),
      );
    const doc = fold([status(0, 2, ConnectorStatus.AVAILABLE, 1), status(0, 1, ConnectorStatus.PREPARING, 2), status(0, 1, ConnectorStatus.CHARGING, 3)]);
    assert.deepEqual(
      doc.connectors.map((c) => [c.connectorId, c.status, c.since]),
      [
        [1, 'CHARGING', '2025-01-01T08:02:00.000Z'],
        [2, 'AVAILABLE', '2025-01-01T08:02:00.000Z'],
      ],
    );
    assert.equal(doc.lastSeenAt, '2025-01-01T08:02:01.000Z');
  });

  it('advances lastSeenAt from frames the charger sent, in steps of the resolution, and returns the same document otherwise', () => {
    const base = fold([booted(1, '1.0.0')]);
    assert.equal(projectCharger(base, frame('2025-01-01T08:01:05Z', FrameDirection.FROM_CHARGER, 2)), base, 'within the resolution');
    assert.equal(projectCharger(base, frame('2025-01-01T08:05:00Z', FrameDirection.TO_CHARGER, 3)), base, 'frames to the charger say nothing');
    const later = new Date(Date.parse('2025-01-01T08:01:00Z') + LAST_SEEN_RESOLUTION_MS).toISOString();
    assert.equal(projectCharger(base, frame(later, FrameDirection.FROM_CHARGER, 4)).lastSeenAt, later);
  });

  it('records each change of mix with its position, so a late session still finds the mix it started under', () => {
    const doc = fold([booted(10, '1.0.0'), booted(20, '1.0.0'), booted(30, '2.0.0')]);
    assert.deepEqual(
      doc.mixHistory.map((m) => [m.position, m.firmwareVersion]),
      [
        [10, '1.0.0'],
        [30, '2.0.0'],
      ],
    );
    assert.equal(mixBefore(doc.mixHistory, 5).firmwareVersion, null);
    assert.equal(mixBefore(doc.mixHistory, 25).firmwareVersion, '1.0.0');
    assert.equal(mixBefore(doc.mixHistory, 30).firmwareVersion, '1.0.0', 'strictly before');
    assert.equal(mixBefore(doc.mixHistory, 31).firmwareVersion, '2.0.0');
  });
});
