import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandKind, CommandOrigin, CommandResult } from '@roamgate/contracts';
import { projectCommand } from './command.projection';
import { UNKNOWN_MIX, type ChargerMix, type CommandDocument } from './documents';
import type { ProjectedEvent } from './projected-event';
import { at, delivered } from './testing';

const mix: ChargerMix = { vendor: 'Acme', model: 'Fast-50', firmwareVersion: '1.0.0' };
const onCommand = (revision: number) => ({ streamId: 'command-C1', revision, position: 10 + revision });
const requested = () =>
  delivered(
    'CommandRequested',
    {
      commandId: 'C1',
      occurredAt: at('2025-01-01T10:00:00Z'),
      kind: CommandKind.START_SESSION,
      chargerId: 'CP1',
      origin: CommandOrigin.API,
      timeoutSeconds: 30,
      timeoutMs: 30_000,
      payload: { case: 'startSession', value: { idToken: { id: 'TAG1', type: '' }, connectorId: 1 } },
    },
    onCommand(0),
  );
const sent = () =>
  delivered('CommandSentToCharger', { commandId: 'C1', occurredAt: at('2025-01-01T10:00:00.100Z'), chargerId: 'CP1', action: 'RemoteStartTransaction', messageId: 'm1' }, onCommand(1));
const answered = (result: CommandResult, late = false, revision = 2) =>
  delivered(
    'CommandAnswered',
    { commandId: 'C1', occurredAt: at('2025-01-01T10:00:00.350Z'), chargerId: 'CP1', messageId: 'm1', status: 'Accepted', result, latencyMs: 250, late },
    onCommand(revision),
  );
const sessionStarted = () =>
  delivered('SessionStarted', { sessionId: 'S1', occurredAt: at('2025-01-01T10:00:02Z'), chargerId: 'CP1', connectorId: 1, transactionId: '7', commandId: 'C1' }, { streamId: 'session-S1', revision: 0, position: 50 });

const fold = (events: readonly ProjectedEvent[]) =>
  events.reduce<CommandDocument | undefined>((doc, e) => projectCommand(doc, e, e.type === 'CommandRequested' ? mix : UNKNOWN_MIX), undefined)!;

describe('command projection', () => {
  it('goes REQUESTED, SENT, ACCEPTED with timing, the payload as proto JSON and the charger mix at the request', () => {
    const doc = fold([requested()]);
    assert.equal(doc.status, 'REQUESTED');
    assert.equal(doc.kind, 'START_SESSION');
    assert.equal(doc.origin, 'API');
    assert.deepEqual(doc.payload, { idToken: { id: 'TAG1' }, connectorId: 1 });
    assert.deepEqual([doc.vendor, doc.model, doc.firmwareVersion], ['Acme', 'Fast-50', '1.0.0']);
    const done = fold([requested(), sent(), answered(CommandResult.ACCEPTED)]);
    assert.equal(done.status, 'ACCEPTED');
    assert.equal(done.result, 'ACCEPTED');
    assert.equal(done.sentAt, '2025-01-01T10:00:00.100Z');
    assert.equal(done.answeredAt, '2025-01-01T10:00:00.350Z');
    assert.equal(done.latencyMs, 250);
    assert.equal(done.vendor, 'Acme', 'later events keep the mix');
  });

  it('tells REJECTED from FAILED and keeps the OCPI result', () => {
    assert.deepEqual(
      [CommandResult.REJECTED, CommandResult.EVSE_OCCUPIED, CommandResult.NOT_SUPPORTED, CommandResult.FAILED].map((r) => {
        const doc = fold([requested(), sent(), answered(r)]);
        return [doc.status, doc.result];
      }),
      [
        ['REJECTED', 'REJECTED'],
        ['REJECTED', 'EVSE_OCCUPIED'],
        ['REJECTED', 'NOT_SUPPORTED'],
        ['FAILED', 'FAILED'],
      ],
    );
  });

  it('keeps TIMED_OUT when a late answer arrives, and notes it', () => {
    const timedOut = delivered('CommandTimedOut', { commandId: 'C1', occurredAt: at('2025-01-01T10:00:30Z'), chargerId: 'CP1', timeoutSeconds: 30 }, onCommand(2));
    const doc = fold([requested(), sent(), timedOut, answered(CommandResult.ACCEPTED, true, 3)]);
    assert.equal(doc.status, 'TIMED_OUT');
    assert.equal(doc.result, 'TIMEOUT');
    assert.equal(doc.lateAnswer, true);
  });

  it('links the session a remote start led to, whichever stream is projected first', () => {
    const sessionFirst = fold([sessionStarted(), requested(), sent()]);
    const commandFirst = fold([requested(), sent(), sessionStarted()]);
    assert.equal(sessionFirst.sessionId, 'S1');
    assert.equal(sessionFirst.status, 'SENT');
    assert.deepEqual({ ...sessionFirst, sources: {} }, { ...commandFirst, sources: {} });
  });

  it('does not take a status back when an older event of the command stream comes after a newer one of its own projection', () => {
    const doc = fold([requested(), answered(CommandResult.ACCEPTED), sent()]);
    assert.equal(doc.status, 'ACCEPTED');
  });
});
