import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { foldEvents } from '@roamgate/domain-charging';
import { MAX_OCPP_INTEGER, OCPP_IDS_SPACE, OcppIdsExhaustedError, ocppIdsDecider, type OcppIdsStreamEvent, type ReserveOcppIds } from './ocpp-ids';

const now = new Date('2025-03-01T09:00:00Z');
const reserve = (count: number, above = 0): ReserveOcppIds => ({ type: 'ReserveOcppIds', count, above, reservedBy: 'gw-1:7', now });

function given(...blocks: [first: number, last: number][]) {
  const events = blocks.map(([first, last]) => ({ type: 'OcppIdsReserved', data: { first, last } }) as OcppIdsStreamEvent);
  const state = foldEvents(ocppIdsDecider, events);
  return {
    when: (command: ReserveOcppIds) => ({
      then: (first: number, last: number) => {
        const [event, ...more] = ocppIdsDecider.decide(command, state);
        assert.equal(more.length, 0);
        assert.equal(event!.type, 'OcppIdsReserved');
        assert.deepEqual(
          { first: event!.data.first, last: event!.data.last, idSpace: event!.data.idSpace, reservedBy: event!.data.reservedBy },
          { first, last, idSpace: OCPP_IDS_SPACE, reservedBy: 'gw-1:7' },
        );
      },
      thenThrows: (error: new () => Error) => assert.throws(() => ocppIdsDecider.decide(command, state), error),
    }),
  };
}

describe('OCPP integer id reservations', () => {
  it('start at 1 on a new stream', () => given().when(reserve(100)).then(1, 100));

  it('start right after the last reserved block, whoever reserved it', () => given([1, 100], [101, 200]).when(reserve(100)).then(201, 300));

  it('start above ids handed out before the counter lived in the event store', () => given().when(reserve(100, 4_711)).then(4_712, 4_811));

  it('ignore a lower floor once blocks above it exist', () => given([1, 100]).when(reserve(100, 40)).then(101, 200));

  it('end at the largest OCPP integer', () => given([1, MAX_OCPP_INTEGER - 10]).when(reserve(100)).then(MAX_OCPP_INTEGER - 9, MAX_OCPP_INTEGER));

  it('refuse once every OCPP integer was reserved', () => given([1, MAX_OCPP_INTEGER]).when(reserve(100)).thenThrows(OcppIdsExhaustedError));

  it('fold to the highest id ever reserved', () => {
    assert.equal(foldEvents(ocppIdsDecider, []).lastReserved, 0);
    const events = [[1, 100], [101, 200]].map(([first, last]) => ({ type: 'OcppIdsReserved', data: { first, last } }) as OcppIdsStreamEvent);
    assert.equal(foldEvents(ocppIdsDecider, events).lastReserved, 200);
  });
});
