import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeliveredMessage } from '@roamgate/bus';
import { CdrIssuingFailure, encodeEventBinary, timestampFromDate, type EventType } from '@roamgate/contracts';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { EVENT_HEADERS } from '@roamgate/relay';
import { cdrEvent, cdrEventCodec, type CdrEvent } from './cdr-events';
import { CdrProjector } from './cdr-projector';
import { CDRS, type CdrDocument } from './cdr.projection';

const ts = (iso: string) => timestampFromDate(new Date(iso));
const price = (excl: string, incl: string) => ({ exclVat: excl, inclVat: incl });

const failed = cdrEvent('CdrIssuingFailed', {
  cdrId: 'C-1',
  occurredAt: ts('2025-03-03T10:36:00Z'),
  sessionId: 'S-1',
  chargerId: 'CP-1',
  partnerId: 'NL-EMS',
  reason: CdrIssuingFailure.NO_TARIFF_IN_FORCE,
  detail: 'no tariff applies',
});
const issued = cdrEvent('CdrIssued', {
  cdrId: 'C-1',
  occurredAt: ts('2025-03-03T11:00:00Z'),
  sessionId: 'S-1',
  chargerId: 'CP-1',
  partnerId: 'NL-EMS',
  currency: 'EUR',
  startDateTime: ts('2025-03-03T09:30:00Z'),
  endDateTime: ts('2025-03-03T10:35:00Z'),
  totalCost: price('5.9667', '6.5633'),
  totalEnergyKwh: '8',
  tariffs: [{ tariffId: 'T-DAY', lastUpdated: ts('2025-01-01T00:00:00Z') }],
  cdrJson: JSON.stringify({ id: 'C-1', total_cost: { excl_vat: 5.9667, incl_vat: 6.5633 } }),
  anomalies: ['CLOCK_SKEW'],
  timeZone: 'Europe/Amsterdam',
});
const replayed = cdrEvent('CdrReplayed', {
  cdrId: 'C-1',
  occurredAt: ts('2025-03-04T08:00:00Z'),
  sessionId: 'S-1',
  matches: false,
  diffs: [{ field: 'total_cost.excl_vat', issued: '5.9667', replayed: '5.9' }],
  replayedTotalCost: price('5.9', '6.49'),
});

function message(event: CdrEvent, revision: number): DeliveredMessage {
  return {
    topic: 'roamgate.cdr',
    key: 'cdr-C-1',
    value: encodeEventBinary(event.type as EventType, cdrEventCodec.toStored(event).data),
    headers: { [EVENT_HEADERS.eventType]: event.type, [EVENT_HEADERS.streamId]: 'cdr-C-1', [EVENT_HEADERS.revision]: String(revision) },
    partition: 0,
    offset: revision,
    attempt: 1,
  };
}

describe('cdrs read model', () => {
  let store: ReadModelStore;
  let projector: CdrProjector;

  before(async () => {
    store = openSqliteReadModelStore({ file: ':memory:' });
    projector = new CdrProjector(store);
    await projector.onModuleInit();
  });

  after(async () => {
    await store.close();
  });

  const doc = async () => (await store.get<CdrDocument>(CDRS, 'C-1'))?.data;

  it('shows a failed attempt, then the issued CDR with its OCPI object, then the replay outcome', async () => {
    await projector.handle(message(failed, 0));
    assert.deepEqual((await doc())?.status, 'ISSUING_FAILED');
    assert.deepEqual((await doc())?.failure, { reason: 'NO_TARIFF_IN_FORCE', detail: 'no tariff applies' });

    await projector.handle(message(issued, 1));
    const afterIssue = (await doc())!;
    assert.equal(afterIssue.status, 'ISSUED');
    assert.equal(afterIssue.failure, null);
    assert.deepEqual(afterIssue.cdr, { id: 'C-1', total_cost: { excl_vat: 5.9667, incl_vat: 6.5633 } });
    assert.deepEqual(afterIssue.totalCost, { exclVat: '5.9667', inclVat: '6.5633' });
    assert.deepEqual(afterIssue.tariffs, [{ tariffId: 'T-DAY', lastUpdated: '2025-01-01T00:00:00.000Z' }]);
    assert.equal(afterIssue.issuedAt, '2025-03-03T11:00:00.000Z');
    assert.deepEqual(afterIssue.replay, { status: 'NOT_REPLAYED', replays: 0, lastReplayedAt: null, diffs: [], replayedTotalCost: null });

    await projector.handle(message(replayed, 2));
    assert.deepEqual((await doc())?.replay, {
      status: 'DIFFERS',
      replays: 1,
      lastReplayedAt: '2025-03-04T08:00:00.000Z',
      diffs: [{ field: 'total_cost.excl_vat', issued: '5.9667', replayed: '5.9' }],
      replayedTotalCost: { exclVat: '5.9', inclVat: '6.49' },
    });
  });

  it('changes nothing when an event is delivered again', async () => {
    const before = await doc();
    await projector.handle(message(replayed, 2));
    await projector.handle(message(failed, 0));
    assert.deepEqual(await doc(), before);
  });

  it('finds CDRs by session, charger and status', async () => {
    const bySession = await store.find<CdrDocument>(CDRS, { where: { sessionId: 'S-1', status: 'ISSUED' } });
    assert.deepEqual(bySession.items.map((d) => d.id), ['C-1']);
    assert.equal((await store.find<CdrDocument>(CDRS, { where: { chargerId: 'CP-2' } })).total, 0);
  });

  it('ignores messages of other event types on the topic', async () => {
    await projector.handle({ ...message(replayed, 3), headers: { [EVENT_HEADERS.eventType]: 'TariffPublished' } });
    assert.equal((await doc())?.replay.replays, 1);
  });
});
