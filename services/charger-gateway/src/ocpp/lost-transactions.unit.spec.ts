import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Logger } from '@nestjs/common';
import { LostTransactions, type OpenSession } from './lost-transactions';

const t = (hhmm: string) => new Date(`2025-03-01T${hhmm}:00Z`);
const open = (sessionId: string, chargerId: string, place: { evseId?: number; connectorId?: number }, startedAt: string): OpenSession => ({
  sessionId,
  chargerId,
  evseId: place.evseId ?? 0,
  connectorId: place.connectorId ?? 0,
  startedAt: t(startedAt),
});

function lostTransactions(sessions: OpenSession[], graceMs: number) {
  const closed: [string, string][] = [];
  const lost = new LostTransactions({
    graceMs,
    openSessions: async (chargerId) => sessions.filter((s) => chargerId === undefined || s.chargerId === chargerId),
    close: async (sessionId, by) => {
      closed.push([sessionId, by.sessionId]);
      return true;
    },
    logger: new Logger('test'),
  });
  return { lost, closed };
}

describe('lost transactions', () => {
  const sessions = [
    open('A', 'CP1', { connectorId: 1 }, '10:00'),
    open('B', 'CP1', { connectorId: 1 }, '10:30'),
    open('C', 'CP1', { connectorId: 2 }, '10:10'),
    open('D', 'CP2', { evseId: 1, connectorId: 1 }, '09:00'),
    open('E', 'CP2', { evseId: 1, connectorId: 2 }, '09:30'),
    open('F', 'CP2', { evseId: 2, connectorId: 1 }, '08:00'),
  ];

  it('with no grace period, closes the older sessions of the place at the newer start, and only those', async () => {
    const { lost, closed } = lostTransactions(sessions, 0);
    await lost.superseding(sessions[1]!, undefined);
    assert.deepEqual(closed, [['A', 'B']]);
    await lost.superseding(sessions[4]!, 'X');
    assert.deepEqual(closed.slice(1), [['D', 'E'], ['X', 'E']], 'the EVSE, whatever the connector, and the session last seen open there');
  });

  it('waits for the grace period, and stop() cancels what is not due yet', async () => {
    const { lost, closed } = lostTransactions(sessions, 50);
    await lost.superseding(sessions[1]!, undefined);
    assert.deepEqual(closed, []);
    await sleep(120);
    assert.deepEqual(closed, [['A', 'B']]);
    await lost.superseding(sessions[1]!, undefined);
    await lost.stop();
    await sleep(120);
    assert.equal(closed.length, 1);
  });

  it('at start-up, schedules a close for every place with more than one open session, due a grace period after the newest start', async () => {
    const { lost, closed } = lostTransactions(sessions, 60 * 60_000);
    await lost.recover(t('10:45'));
    await sleep(10);
    assert.deepEqual(closed, [['D', 'E']], 'E started 75 minutes before: due; B 15 minutes before: not yet');
    await lost.stop();
    const { lost: later, closed: closedLater } = lostTransactions(sessions, 60 * 60_000);
    await later.recover(t('11:31'));
    await sleep(10);
    assert.deepEqual(closedLater.sort(), [['A', 'B'], ['D', 'E']]);
    await later.stop();
  });

  it('at start-up, waits no longer than the grace period for a start stamped by a clock far ahead', async () => {
    const skewed = [open('A', 'CP1', { connectorId: 1 }, '10:00'), { ...open('B', 'CP1', { connectorId: 1 }, '10:30'), startedAt: new Date('2025-03-02T10:30:00Z') }];
    const { lost, closed } = lostTransactions(skewed, 50);
    await lost.recover(t('10:45'));
    await sleep(120);
    assert.deepEqual(closed, [['A', 'B']]);
  });
});
