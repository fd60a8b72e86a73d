import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RecordedEvent } from '@roamgate/event-store';
import { categoryOf, defaultRoute, EVENT_HEADERS } from './relay';

const recorded = (streamId: string): RecordedEvent => ({
  id: 'e1',
  type: 'ChargerBooted',
  data: { vendor: 'ACME' },
  metadata: { correlationId: 'c1' },
  streamId,
  revision: 3,
  position: 42,
  recordedAt: '2025-01-01T00:00:00.000Z',
});

describe('defaultRoute', () => {
  const route = defaultRoute((event) => Buffer.from(JSON.stringify(event.data)));

  it('publishes to roamgate.<category>, keyed by stream, with the event in headers', () => {
    assert.deepEqual(route(recorded('charger-CP-1')), {
      topic: 'roamgate.charger',
      key: 'charger-CP-1',
      value: Buffer.from('{"vendor":"ACME"}'),
      headers: {
        correlationId: 'c1',
        [EVENT_HEADERS.eventId]: 'e1',
        [EVENT_HEADERS.eventType]: 'ChargerBooted',
        [EVENT_HEADERS.streamId]: 'charger-CP-1',
        [EVENT_HEADERS.revision]: '3',
        [EVENT_HEADERS.position]: '42',
      },
    });
  });

  it('takes the category from the prefix before the first dash', () => {
    assert.equal(categoryOf('session-8f1c-77'), 'session');
    assert.equal(categoryOf('standalone'), 'standalone');
  });
});
