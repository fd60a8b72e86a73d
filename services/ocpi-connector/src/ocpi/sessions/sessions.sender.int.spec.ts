import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeliveredMessage } from '@roamgate/bus';
import { AuthorizationStatus, domainEvent, encodeEventBinary, fromStoredEvent, timestampFromMs, toStoredEvent, type EventInit, type EventType } from '@roamgate/contracts';
import { newEventId, openSqliteEventStore, type EventStore, type ReadStreamOptions, type SqliteEventStore } from '@roamgate/event-store';
import { openSqliteReadModelStore, type SqliteReadModelStore } from '@roamgate/read-models';
import { racingReads, type RacingReads } from '@roamgate/read-models/testing';
import type { Outbox, PushRequest } from '../push/outbox';
import type { PushSettings } from '../push/push-settings';
import type { OcpiSettings } from '../../settings';
import { foldedSessionOf, partyOfPartnerId, SESSION_EVENT_TYPES, type SessionStreamEvent } from './session-mapper';
import { EVENT_HEADER, OCPI_SESSIONS, SessionsSender, type SessionPushDocument } from './sessions.sender';

const t0 = Date.parse('2025-05-01T08:00:00Z');
const at = (s: number) => timestampFromMs(t0 + s * 1000);
const sample = (s: number, wh: string) => ({ timestamp: at(s), values: [{ value: wh, measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] });

describe('SessionsSender: meter values from the stored document, not the stream', () => {
  let dir: string;
  let events: SqliteEventStore;
  let readModels: SqliteReadModelStore;
  let sender: SessionsSender;
  const queued: PushRequest[] = [];
  const streamReads: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocpi-sessions-sender-'));
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    readModels = openSqliteReadModelStore({ file: join(dir, 'read-models.sqlite') });
    const counted: EventStore = Object.assign(Object.create(events) as EventStore, {
      readStream: (streamId: string, options?: ReadStreamOptions) => {
        streamReads.push(streamId);
        return events.readStream(streamId, options);
      },
    });
    const outbox = { enqueue: async (request: PushRequest) => void queued.push(request) } as unknown as Outbox;
    const ocpi = { countryCode: 'NL', partyId: 'RGT' } as OcpiSettings;
    const push = { sessionPatchIntervalMs: 0, sessionCurrency: 'EUR' } as PushSettings;
    sender = new SessionsSender(counted, readModels, ocpi, push, outbox);
    await sender.onModuleInit();
  });

  after(async () => {
    await readModels.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Appends the event to the session's stream and hands the sender the message the relay would publish. */
  async function deliver<T extends EventType>(sessionId: string, type: T, init: EventInit<T>, value?: Uint8Array): Promise<void> {
    const event = domainEvent(type, init);
    const id = newEventId();
    const streamId = `session-${sessionId}`;
    const { nextExpectedRevision: revision } = await events.append(streamId, [{ id, ...toStoredEvent(event) } as never], { expectedRevision: 'any' });
    const headers = { [EVENT_HEADER.type]: type, [EVENT_HEADER.stream]: streamId, [EVENT_HEADER.revision]: String(revision), [EVENT_HEADER.id]: id };
    const message: DeliveredMessage = { topic: 'roamgate.session', key: streamId, value: value ?? encodeEventBinary(type, event.data), headers, partition: 0, offset: 0, attempt: 1 };
    await sender.handle(message);
  }

  const stored = async (sessionId: string) => (await readModels.get<SessionPushDocument>(OCPI_SESSIONS.name, sessionId))?.data;

  /** The OCPI session folded from the whole stream, as the sender built it before. */
  async function fromStream(sessionId: string) {
    const recorded = await events.readStream(`session-${sessionId}`);
    const all = recorded.filter((e) => SESSION_EVENT_TYPES.has(e.type)).map((e) => fromStoredEvent({ type: e.type, data: e.data as never }) as unknown as SessionStreamEvent);
    const place = { locationId: 'CP-1', evseUid: 'CP-1-1', connectorId: '1' };
    return foldedSessionOf(all, { cpo: { countryCode: 'NL', partyId: 'RGT' }, tokenParty: partyOfPartnerId('NL-EMS')!, place, currency: 'EUR' })!.session;
  }

  it("folds a partner's meter values onto the stored session and PATCHes it without reading the stream", async () => {
    await deliver('S-P', 'SessionStarted', { sessionId: 'S-P', occurredAt: at(0), chargerId: 'CP-1', connectorId: 1, idToken: { id: 'TOK-1' }, meterStartWh: '1000', partnerId: 'NL-EMS' });
    assert.deepEqual(queued.map((q) => q.method), ['PUT']);
    const readsAfterStart = streamReads.length;
    for (let i = 1; i <= 3; i++) {
      await deliver('S-P', 'SessionMeterValuesRecorded', { sessionId: 'S-P', chargerId: 'CP-1', occurredAt: at(60 * i), samples: [sample(60 * i, String(1000 + 500 * i))] });
    }
    assert.deepEqual(streamReads.slice(readsAfterStart), [], 'no stream read for in-order meter values');
    const doc = await stored('S-P');
    assert.equal(doc?.sessionRevision, 3);
    assert.deepEqual(doc?.session, await fromStream('S-P'));
    assert.equal(doc?.session?.kwh, 1.5);
    assert.deepEqual(queued.map((q) => [q.method, (q.body as { kwh?: number }).kwh]), [['PUT', 0], ['PATCH', 0.5], ['PATCH', 1], ['PATCH', 1.5]]);
  });

  it('folds the stream again for a reading older than the latest, with the same result', async () => {
    const reads = streamReads.length;
    await deliver('S-P', 'SessionMeterValuesRecorded', { sessionId: 'S-P', chargerId: 'CP-1', occurredAt: at(240), samples: [sample(30, '1200')] });
    assert.equal(streamReads[reads], 'session-S-P');
    assert.deepEqual((await stored('S-P'))?.session, await fromStream('S-P'));
  });

  it("skips a partnerless session's meter values before decoding them", async () => {
    await deliver('S-L', 'SessionStarted', { sessionId: 'S-L', occurredAt: at(0), chargerId: 'CP-2', connectorId: 1, idToken: { id: 'LOCAL' }, meterStartWh: '0' });
    assert.equal((await stored('S-L'))?.partnerId, '');
    const reads = streamReads.length;
    const pushes = queued.length;
    // Not a protobuf message: decoding it would throw.
    await deliver('S-L', 'SessionMeterValuesRecorded', { sessionId: 'S-L', chargerId: 'CP-2', occurredAt: at(60), samples: [sample(60, '100')] }, new Uint8Array([0xff, 0xff, 0xff]));
    assert.deepEqual(streamReads.slice(reads), []);
    assert.equal(queued.length, pushes);
  });

  it("reads a partnerless session's document once for messages that follow each other, and follows a partner named later", async () => {
    let gets = 0;
    const counting = Object.assign(Object.create(readModels) as SqliteReadModelStore, {
      get: (collection: string, id: string) => (gets++, readModels.get(collection, id)),
    });
    const original = sender;
    sender = new SessionsSender(events, counting, { countryCode: 'NL', partyId: 'RGT' } as OcpiSettings, { sessionPatchIntervalMs: 0, sessionCurrency: 'EUR' } as PushSettings, {
      enqueue: async (request: PushRequest) => void queued.push(request),
    } as unknown as Outbox);
    try {
      await deliver('S-Q', 'SessionStarted', { sessionId: 'S-Q', occurredAt: at(0), chargerId: 'CP-1', connectorId: 1, idToken: { id: 'TOK-Q' }, meterStartWh: '0' });
      const afterStart = gets;
      for (let i = 1; i <= 4; i++) await deliver('S-Q', 'SessionMeterValuesRecorded', { sessionId: 'S-Q', chargerId: 'CP-1', occurredAt: at(60 * i), samples: [sample(60 * i, String(100 * i))] });
      assert.equal(gets - afterStart, 1, 'read for the first, skipped for the next three');
      const pushes = queued.length;
      await deliver('S-Q', 'SessionAuthorized', { sessionId: 'S-Q', chargerId: 'CP-1', occurredAt: at(300), status: AuthorizationStatus.ACCEPTED, partnerId: 'NL-EMS' });
      await deliver('S-Q', 'SessionMeterValuesRecorded', { sessionId: 'S-Q', chargerId: 'CP-1', occurredAt: at(360), samples: [sample(360, '600')] });
      assert.equal((await stored('S-Q'))?.partnerId, 'NL-EMS');
      assert.deepEqual(queued.slice(pushes).map((q) => [q.method, (q.body as { kwh?: number }).kwh]), [['PUT', 0.4], ['PATCH', 0.6]]);
    } finally {
      sender = original;
    }
  });
});

describe('SessionsSender: the sweep and a stop of the same session', () => {
  let dir: string;
  let events: SqliteEventStore;
  let readModels: SqliteReadModelStore;
  let sender: SessionsSender;
  const queued: PushRequest[] = [];
  /** Arms work to run between the sweep's read of the held documents and what it does with them. */
  let sweepReads: RacingReads<SqliteReadModelStore>;
  const push = { sessionPatchIntervalMs: 60_000, sessionCurrency: 'EUR' } as { sessionPatchIntervalMs: number; sessionCurrency: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocpi-sessions-sweep-'));
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    readModels = openSqliteReadModelStore({ file: join(dir, 'read-models.sqlite') });
    sweepReads = racingReads(readModels, 'find');
    const outbox = { enqueue: async (request: PushRequest) => void queued.push(request) } as unknown as Outbox;
    sender = new SessionsSender(events, sweepReads.store, { countryCode: 'NL', partyId: 'RGT' } as OcpiSettings, push as unknown as PushSettings, outbox);
    await sender.onModuleInit();
  });

  after(async () => {
    await readModels.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function deliver<T extends EventType>(sessionId: string, type: T, init: EventInit<T>): Promise<void> {
    const event = domainEvent(type, init);
    const id = newEventId();
    const streamId = `session-${sessionId}`;
    const { nextExpectedRevision: revision } = await events.append(streamId, [{ id, ...toStoredEvent(event) } as never], { expectedRevision: 'any' });
    const headers = { [EVENT_HEADER.type]: type, [EVENT_HEADER.stream]: streamId, [EVENT_HEADER.revision]: String(revision), [EVENT_HEADER.id]: id };
    await sender.handle({ topic: 'roamgate.session', key: streamId, value: encodeEventBinary(type, event.data), headers, partition: 0, offset: 0, attempt: 1 });
  }

  it('queues nothing after the COMPLETED PATCH when the session stops while the sweep holds its held-back update', async () => {
    await deliver('S-W', 'SessionStarted', { sessionId: 'S-W', occurredAt: at(0), chargerId: 'CP-1', connectorId: 1, idToken: { id: 'TOK-1' }, meterStartWh: '1000', partnerId: 'NL-EMS' });
    await deliver('S-W', 'SessionMeterValuesRecorded', { sessionId: 'S-W', chargerId: 'CP-1', occurredAt: at(60), samples: [sample(60, '1500')] });
    assert.equal((await readModels.get<SessionPushDocument>(OCPI_SESSIONS.name, 'S-W'))?.data.dirty, true, 'the meter values are held back by the PATCH interval');
    push.sessionPatchIntervalMs = 0;
    // The stop is handled after the sweep read the held document and before it queued its PATCH.
    sweepReads.arm(() => deliver('S-W', 'SessionStopped', { sessionId: 'S-W', occurredAt: at(120), meterStopWh: '2000', reason: 'Remote' }));
    await sender.sweep();
    assert.equal(sweepReads.armed, false, 'the race took place');
    assert.deepEqual(
      queued.map((q) => `${q.method} ${(q.body as { status?: string }).status}`),
      ['PUT ACTIVE', 'PATCH COMPLETED'],
      'a PATCH queued after the COMPLETED one would take the session back to ACTIVE at the partner',
    );
    const doc = (await readModels.get<SessionPushDocument>(OCPI_SESSIONS.name, 'S-W'))?.data;
    assert.equal(doc?.session?.status, 'COMPLETED');
    assert.equal(doc?.completedQueued, true);
  });
});
