import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeliveredMessage } from '@roamgate/bus';
import {
  AuthorizationStatus,
  create,
  encodeEventBinary,
  ReconExceptionStatus,
  ReconExceptionType,
  ReconOwner,
  schemaOf,
  timestampFromDate,
  type EventType,
} from '@roamgate/contracts';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { EVENT_HEADERS, topicOf, categoryOf } from '@roamgate/relay';
import { FactProjector } from './fact.projector';
import { FactStore } from './fact-store';

const at = (iso: string) => timestampFromDate(new Date(iso));

describe('launch facts from the other services events (FactProjector -> FactStore)', () => {
  let dir: string;
  let store: ReadModelStore;
  let projector: FactProjector;
  const revisions = new Map<string, number>();
  let offset = 0;

  function message<T extends EventType>(streamId: string, type: T, init: Record<string, unknown>, revision?: number): DeliveredMessage {
    const next = revision ?? (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, Math.max(next, revisions.get(streamId) ?? -1));
    offset += 1;
    return {
      topic: topicOf(categoryOf(streamId)),
      key: streamId,
      value: encodeEventBinary(type, create(schemaOf(type), init as never) as never),
      headers: { [EVENT_HEADERS.eventType]: type, [EVENT_HEADERS.streamId]: streamId, [EVENT_HEADERS.revision]: String(next) },
      partition: 0,
      offset,
      attempt: 1,
    };
  }

  const feed = async (...messages: DeliveredMessage[]): Promise<void> => {
    for (const m of messages) await projector.handle(m);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roamgate-launch-facts-'));
    store = openSqliteReadModelStore({ file: join(dir, 'read-models.sqlite') });
    projector = new FactProjector(store);
    await projector.onModuleInit();
  });

  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('folds a session, its OCPI pushes, its CDR and its reconciliation into facts; redelivery changes nothing', async () => {
    const started = message('session-S1', 'SessionStarted', { sessionId: 'S1', chargerId: 'CP-1', partnerId: 'NL-EMS', occurredAt: at('2026-03-02T10:00:00Z') });
    await feed(
      started,
      message('session-S1', 'SessionAuthorized', { sessionId: 'S1', chargerId: 'CP-1', status: AuthorizationStatus.ACCEPTED, occurredAt: at('2026-03-02T10:00:01Z') }),
      message('session-S1', 'SessionStopped', { sessionId: 'S1', chargerId: 'CP-1', occurredAt: at('2026-03-02T11:00:00Z') }),
      message('session-S1', 'SessionMeterValuesRecorded', { sessionId: 'S1', chargerId: 'CP-1', occurredAt: at('2026-03-02T11:00:05Z') }),
      message('ocpi-NL-EMS', 'OcpiPushQueued', { partnerId: 'NL-EMS', entryId: 'P1', module: 'sessions', objectId: 'S1', sessionId: 'S1', occurredAt: at('2026-03-02T10:00:02Z') }),
      message('ocpi-NL-EMS', 'OcpiPushQueued', { partnerId: 'NL-EMS', entryId: 'P2', module: 'sessions', objectId: 'S1', sessionId: 'S1', occurredAt: at('2026-03-02T11:00:02Z') }),
      message('ocpi-NL-EMS', 'OcpiPushQueued', { partnerId: 'NL-EMS', entryId: 'P3', module: 'cdrs', objectId: 'CDR1', sessionId: 'S1', occurredAt: at('2026-03-02T11:00:03Z') }),
      message('ocpi-NL-EMS', 'OcpiPushDelivered', { partnerId: 'NL-EMS', entryId: 'P1', attempt: 1, occurredAt: at('2026-03-02T10:00:03Z') }),
      message('ocpi-NL-EMS', 'OcpiPushDelivered', { partnerId: 'NL-EMS', entryId: 'P2', attempt: 1, occurredAt: at('2026-03-02T11:00:04Z') }),
      message('cdr-CDR1', 'CdrIssued', {
        cdrId: 'CDR1',
        sessionId: 'S1',
        chargerId: 'CP-1',
        partnerId: 'NL-EMS',
        currency: 'EUR',
        startDateTime: at('2026-03-02T10:00:00Z'),
        totalCost: { exclVat: '7.5000' },
        occurredAt: at('2026-03-02T11:00:03Z'),
      }),
      message('cdr-CDR1', 'CdrReplayed', { cdrId: 'CDR1', sessionId: 'S1', matches: false, occurredAt: at('2026-03-02T12:00:00Z') }),
      message('recon-run-R1', 'ReconMatchesRecorded', { runId: 'R1', partnerId: 'NL-EMS', matches: [{ ourCdrId: 'CDR1', partnerRef: 'line 2', sessionId: 'S1', clean: false }], occurredAt: at('2026-03-03T08:00:00Z') }),
      message('recon-exc-X1', 'ReconExceptionOpened', {
        exceptionId: 'X1',
        runId: 'R1',
        partnerId: 'NL-EMS',
        type: ReconExceptionType.AMOUNT_MISMATCH,
        owner: ReconOwner.PARTNER,
        ourCdrId: 'CDR1',
        sessionId: 'S1',
        amountAtRisk: '1.25',
        currency: 'EUR',
        occurredAt: at('2026-03-03T08:00:00Z'),
      }),
      message('recon-exc-X2', 'ReconExceptionOpened', { exceptionId: 'X2', runId: 'R1', partnerId: 'NL-EMS', type: ReconExceptionType.MISSING_AT_PARTNER, owner: ReconOwner.UNKNOWN, ourCdrId: 'CDR9', occurredAt: at('2026-02-01T08:00:00Z') }),
      message('recon-exc-X1', 'ReconExceptionStatusChanged', { exceptionId: 'X1', partnerId: 'NL-EMS', from: ReconExceptionStatus.OPEN, to: ReconExceptionStatus.RESOLVED, occurredAt: at('2026-03-04T08:00:00Z') }),
    );
    await feed(started);

    const facts = await new FactStore(store).load(new Date('2026-03-01T00:00:00Z'), new Date('2026-03-08T00:00:00Z'));
    assert.deepEqual(facts.sessions, [
      { sessionId: 'S1', chargerId: 'CP-1', partnerId: 'NL-EMS', startedAt: '2026-03-02T10:00:00.000Z', stoppedAt: '2026-03-02T11:00:00.000Z', push: 'ACKNOWLEDGED', flowViolations: ['METER_VALUES_AFTER_STOP'], cdrId: 'CDR1' },
    ]);
    assert.deepEqual(facts.cdrs, [
      { cdrId: 'CDR1', sessionId: 'S1', chargerId: 'CP-1', partnerId: 'NL-EMS', issuedAt: '2026-03-02T11:00:03.000Z', sessionStart: '2026-03-02T10:00:00.000Z', currency: 'EUR', totalCost: '7.5000', replay: 'DIFFERS' },
    ]);
    assert.deepEqual(
      facts.reconciliations.map((r) => [r.cdrId, r.outcome, r.clean]),
      [['CDR1', 'MATCHED', false]],
      'the UNKNOWN exception of February is outside the window, so is its reconciliation',
    );
    const byId = Object.fromEntries(facts.exceptions.map((x) => [x.exceptionId, x]));
    assert.deepEqual(Object.keys(byId).sort(), ['X1', 'X2'], 'X2 is still open, so it counts whatever its age');
    assert.equal(byId.X1!.status, 'RESOLVED');
    assert.equal(byId.X1!.closedAt, '2026-03-04T08:00:00.000Z');
    assert.equal(byId.X1!.chargerId, 'CP-1', 'placed at its charger through its session');
    assert.equal(byId.X2!.owner, 'UNKNOWN');
    assert.equal(byId.X2!.type, 'MISSING_AT_PARTNER');
  });

  it('commands: the outcome follows the answer, a late answer does not change it, an unknown command is ignored', async () => {
    await feed(
      message('command-C1', 'CommandRequested', { commandId: 'C1', chargerId: 'CP-1', partnerId: 'NL-EMS', occurredAt: at('2026-03-05T10:00:00Z') }),
      message('command-C1', 'CommandTimedOut', { commandId: 'C1', chargerId: 'CP-1', occurredAt: at('2026-03-05T10:00:30Z') }),
      message('command-C1', 'CommandAnswered', { commandId: 'C1', chargerId: 'CP-1', result: 1, late: true, occurredAt: at('2026-03-05T10:00:40Z') }),
      message('command-C2', 'CommandAnswered', { commandId: 'C2', chargerId: 'CP-1', result: 1, occurredAt: at('2026-03-05T10:00:40Z') }),
    );
    const facts = await new FactStore(store).load(new Date('2026-03-05T00:00:00Z'), new Date('2026-03-05T23:00:00Z'));
    assert.deepEqual(
      facts.commands.map((c) => [c.commandId, c.outcome]),
      [['C1', 'TIMED_OUT']],
    );
  });

  it("places chargers at the OCPI location their EVSEs are attached to, until detached", async () => {
    await feed(
      message('charger-CP-7', 'ChargerRegistered', { chargerId: 'CP-7', tags: ['pilot'] }),
      message('charger-CP-7', 'ChargerBooted', { chargerId: 'CP-7', vendor: 'Alfa', model: 'AC22', firmwareVersion: '1.4' }),
      message('location-LOC-7', 'EvseAttached', { locationId: 'LOC-7', evse: { uid: 'CP-7-1', chargerId: 'CP-7', evseId: 'NL*RGT*E7' } }),
      message('location-LOC-7', 'EvseAttached', { locationId: 'LOC-7', evse: { uid: 'CP-8-1', chargerId: 'CP-8', evseId: 'NL*RGT*E8' } }),
    );
    const chargers = async () => Object.fromEntries((await new FactStore(store).chargers()).map((c) => [c.chargerId, c]));
    assert.deepEqual((await chargers())['CP-7'], { chargerId: 'CP-7', tags: ['pilot'], vendor: 'Alfa', model: 'AC22', firmware: '1.4', locationId: 'LOC-7' });
    assert.deepEqual((await chargers())['CP-8'], { chargerId: 'CP-8', locationId: 'LOC-7' }, 'attached before it ever connected');
    await feed(message('location-LOC-7', 'EvseDetached', { locationId: 'LOC-7', evseUid: 'CP-8-1' }));
    assert.equal((await chargers())['CP-8'], undefined);
  });
  it("skips a running session's meter values before decoding them, and still flags one after the stop", async () => {
    await feed(message('session-S9', 'SessionStarted', { sessionId: 'S9', chargerId: 'CP-9', occurredAt: at('2026-03-04T10:00:00Z') }));
    const undecodable = (revision: number): DeliveredMessage => ({ ...message('session-S9', 'SessionMeterValuesRecorded', {}, revision), value: new Uint8Array([0xff, 0xff, 0xff]) });
    await projector.handleBatch([undecodable(1), undecodable(2)]);
    await feed(message('session-S9', 'SessionStopped', { sessionId: 'S9', chargerId: 'CP-9', occurredAt: at('2026-03-04T11:00:00Z') }));
    await assert.rejects(projector.handle(undecodable(4)), 'after the stop it is decoded');
    await feed(message('session-S9', 'SessionMeterValuesRecorded', { sessionId: 'S9', chargerId: 'CP-9', occurredAt: at('2026-03-04T11:00:05Z') }, 4));
    const facts = await new FactStore(store).load(new Date('2026-03-04T00:00:00Z'), new Date('2026-03-04T23:59:59Z'));
    assert.deepEqual(facts.sessions.find((s) => s.sessionId === 'S9')?.flowViolations, ['METER_VALUES_AFTER_STOP']);
  });

  it("reads a running session's document once for meter values that follow each other, and again after a gap", async () => {
    let gets = 0;
    const counting: ReadModelStore = Object.assign(Object.create(store) as ReadModelStore, {
      get: (collection: string, id: string) => (gets++, store.get(collection, id)),
    });
    const first = new FactProjector(counting);
    const second = new FactProjector(store);
    const meterValues = (revision: number) => message('session-S12', 'SessionMeterValuesRecorded', { sessionId: 'S12', chargerId: 'CP-12', occurredAt: at('2026-03-07T10:30:00Z') }, revision);
    await second.handle(message('session-S12', 'SessionStarted', { sessionId: 'S12', chargerId: 'CP-12', occurredAt: at('2026-03-07T10:00:00Z') }));
    for (let revision = 1; revision <= 5; revision++) await first.handle(meterValues(revision));
    assert.equal(gets, 1, 'read for the first, skipped for the next four');
    // Another instance handled the stop (a partition that moved): the gap makes the next one read the document.
    await second.handle(message('session-S12', 'SessionStopped', { sessionId: 'S12', chargerId: 'CP-12', occurredAt: at('2026-03-07T11:00:00Z') }, 6));
    await first.handle(meterValues(7));
    assert.equal(gets, 3, 'read to check, and read again by the change that flags it');
    const facts = await new FactStore(store).load(new Date('2026-03-07T00:00:00Z'), new Date('2026-03-07T23:59:59Z'));
    assert.deepEqual(facts.sessions.find((s) => s.sessionId === 'S12')?.flowViolations, ['METER_VALUES_AFTER_STOP']);
  });

  it('counts a session the gateway closed because the charger lost it (STOP_MISSING) as a flow violation', async () => {
    await feed(
      message('session-S10', 'SessionStarted', { sessionId: 'S10', chargerId: 'CP-10', occurredAt: at('2026-03-06T10:00:00Z') }),
      message('session-S10', 'SessionStopped', { sessionId: 'S10', chargerId: 'CP-10', reason: 'Other', anomalies: ['STOP_MISSING'], occurredAt: at('2026-03-06T10:30:00Z') }),
      message('session-S11', 'SessionStarted', { sessionId: 'S11', chargerId: 'CP-10', occurredAt: at('2026-03-06T11:00:00Z') }),
      message('session-S11', 'SessionStopped', { sessionId: 'S11', chargerId: 'CP-10', reason: 'EVDisconnected', anomalies: ['CLOCK_SKEW'], occurredAt: at('2026-03-06T11:30:00Z') }),
    );
    const facts = await new FactStore(store).load(new Date('2026-03-06T00:00:00Z'), new Date('2026-03-06T23:59:59Z'));
    assert.deepEqual(facts.sessions.find((s) => s.sessionId === 'S10')?.flowViolations, ['STOP_MISSING']);
    assert.equal(facts.sessions.find((s) => s.sessionId === 'S11')?.flowViolations, undefined);
  });
});
