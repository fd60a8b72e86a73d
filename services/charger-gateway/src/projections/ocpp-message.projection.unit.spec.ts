import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeEventBinary, FrameDirection, FrameType, OcppVersion } from '@roamgate/contracts';
import { domainEvent } from '@roamgate/domain-charging';
import { eventHeaders } from '@roamgate/relay';
import { frameDocument, messageOrder } from '../message-log/frame-document';
import { frameFields } from './ocpp-message.projection';
import { eventOfMessage, MalformedMessageError, type ProjectedEventOf } from './projected-event';
import { at, delivered } from './testing';

const frame = (position: number, when: string, frameType = FrameType.CALL_RESULT) =>
  delivered(
    'OcppFrameLogged',
    {
      chargerId: 'CP1',
      occurredAt: at(when),
      protocol: OcppVersion.OCPP_VERSION_2_0_1,
      direction: FrameDirection.TO_CHARGER,
      frameType,
      messageId: 'm7',
      action: 'BootNotification',
      frame: '[3,"m7",{"status":"Accepted"}]',
      latencyMs: 12,
      sessionId: 'S1',
    },
    { streamId: 'charger-CP1', revision: position - 1, position, id: `e${position}` },
  ) as ProjectedEventOf<'OcppFrameLogged'>;

/** What the message log's writer makes of a frame older versions logged as an event. */
const ocppMessageOf = (event: ProjectedEventOf<'OcppFrameLogged'>) => frameDocument(event.id, event.position, frameFields(event.data));

describe('OCPP message projection', () => {
  it('keeps the frame as it was on the wire, with its direction, type, latency and session', () => {
    const doc = ocppMessageOf(frame(5, '2025-01-01T10:00:00.123Z'));
    assert.deepEqual([doc.at, doc.position, doc.order], ['2025-01-01T10:00:00.123Z', 5, messageOrder('2025-01-01T10:00:00.123Z', 5)]);
    assert.deepEqual(
      { id: doc.id, direction: doc.direction, frameType: doc.frameType, payload: doc.payload, latencyMs: doc.latencyMs, sessionId: doc.sessionId, commandId: doc.commandId, protocol: doc.protocol },
      { id: 'e5', direction: 'TO_CHARGER', frameType: 'CALL_RESULT', payload: '[3,"m7",{"status":"Accepted"}]', latencyMs: 12, sessionId: 'S1', commandId: null, protocol: 'ocpp2.0.1' },
    );
    assert.equal(ocppMessageOf(frame(6, '2025-01-01T10:00:00Z', FrameType.CALL)).latencyMs, null, 'a CALL answers nothing');
  });

  it('orders by time, then by log position within one millisecond', () => {
    const keys = [
      messageOrder('2025-01-01T10:00:00.001Z', 3),
      messageOrder('2025-01-01T10:00:00.000Z', 20),
      messageOrder('2025-01-01T10:00:00.000Z', 9),
    ].sort();
    assert.deepEqual(keys, [messageOrder('2025-01-01T10:00:00.000Z', 9), messageOrder('2025-01-01T10:00:00.000Z', 20), messageOrder('2025-01-01T10:00:00.001Z', 3)]);
  });
});

describe('bus message decoding', () => {
  const recorded = {
    id: '0190-e1',
    type: 'ConnectorStatusChanged',
    data: {},
    metadata: {},
    streamId: 'charger-CP1',
    revision: 4,
    position: 77,
    recordedAt: '2025-01-01T00:00:00Z',
  };
  const value = encodeEventBinary('ConnectorStatusChanged', domainEvent('ConnectorStatusChanged', { chargerId: 'CP1', connectorId: 2 }).data);

  it('reads type, ids, revision and position from the relay headers', () => {
    const event = eventOfMessage({ topic: 'roamgate.charger', key: 'charger-CP1', value, headers: eventHeaders(recorded), partition: 0, offset: 0, attempt: 1 });
    assert.equal(event.type, 'ConnectorStatusChanged');
    assert.deepEqual([event.id, event.streamId, event.revision, event.position], ['0190-e1', 'charger-CP1', 4, 77]);
    assert.equal(event.type === 'ConnectorStatusChanged' && event.data.connectorId, 2);
  });

  it('refuses a message without the relay headers', () => {
    assert.throws(
      () => eventOfMessage({ topic: 'roamgate.charger', key: 'k', value, headers: { ...eventHeaders(recorded), 'roamgate-stream-revision': '' }, partition: 0, offset: 0, attempt: 1 }),
      MalformedMessageError,
    );
  });
});
