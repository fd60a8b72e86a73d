import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RoamgateConfig } from '@roamgate/config';
import type { DeliveredMessage } from '@roamgate/bus';
import { BootStatus, CommandKind, CommandOrigin, CommandResult, encodeEventBinary, OcppVersion, type EventType, type JsonValue } from '@roamgate/contracts';
import { chargerStreamName, commandStreamName, sessionStreamName, type DomainEvent } from '@roamgate/domain-charging';
import { openSqliteEventStore, type EventStore, type RecordedEvent } from '@roamgate/event-store';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { racingReads } from '@roamgate/read-models/testing';
import { defaultRoute } from '@roamgate/relay';
import { CHARGERS, COMMANDS, SESSIONS, type ChargerDocument, type CommandDocument, type SessionDocument } from './documents';
import { FrameLog } from '../message-log/frame-log';
import { ChargerProjector } from './projector';
import { at, event, projectedOf, stored } from './testing';

const booted = (chargerId: string, firmwareVersion: string) =>
  event('ChargerBooted', {
    chargerId,
    occurredAt: at('2025-01-01T08:00:00Z'),
    protocol: OcppVersion.OCPP_VERSION_1_6,
    vendor: 'Acme',
    model: 'Fast-50',
    firmwareVersion,
    bootStatus: BootStatus.ACCEPTED,
  });
const started = (sessionId: string, chargerId: string, commandId = '') =>
  event('SessionStarted', { sessionId, occurredAt: at('2025-01-01T09:00:00Z'), chargerId, connectorId: 1, transactionId: sessionId, meterStartWh: '0', commandId });

const remoteStartRequested = (commandId: string) =>
  event('CommandRequested', {
    commandId,
    occurredAt: at('2025-01-01T09:00:00Z'),
    kind: CommandKind.START_SESSION,
    chargerId: 'CP1',
    origin: CommandOrigin.API,
    timeoutMs: 30_000,
    payload: { case: 'startSession', value: { idToken: { id: 'T' } } },
  });

describe('charger projector on real stores', () => {
  let dir: string;
  let events: EventStore;
  let store: ReadModelStore;
  let projector: ChargerProjector;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roamgate-projector-'));
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    store = openSqliteReadModelStore({ file: ':memory:' });
    projector = new ChargerProjector(store, events, new FrameLog({} as RoamgateConfig));
    await projector.onModuleInit();
  });

  after(async () => {
    await store.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const append = async (streamId: string, ...domain: DomainEvent<EventType>[]): Promise<RecordedEvent[]> => {
    const before = (await events.readStream(streamId)).length;
    await events.append(streamId, domain.map(stored), { expectedRevision: 'any' });
    return (await events.readStream(streamId)).slice(before);
  };
  const project = async (recorded: readonly RecordedEvent[]) => {
    for (const e of recorded) await projector.project(projectedOf(e));
  };

  it('gives a session the mix its charger had at the start, though the charger document lags behind or has moved on', async () => {
    const firstBoot = await append(chargerStreamName('CP1'), booted('CP1', '1.0.0'));
    const early = await append(sessionStreamName('S-early'), started('S-early', 'CP1'));
    const upgrade = await append(chargerStreamName('CP1'), booted('CP1', '2.0.0'));
    const late = await append(sessionStreamName('S-late'), started('S-late', 'CP1'));

    await project(early);
    assert.equal((await store.get<SessionDocument>(SESSIONS, 'S-early'))?.data.firmwareVersion, '1.0.0', 'charger not projected yet');

    await project([...firstBoot, ...upgrade]);
    await project(late);
    assert.equal((await store.get<SessionDocument>(SESSIONS, 'S-late'))?.data.firmwareVersion, '2.0.0');
    await store.delete(SESSIONS, 'S-early', Number.MAX_SAFE_INTEGER);
    await project(early);
    assert.equal((await store.get<SessionDocument>(SESSIONS, 'S-early'))?.data.firmwareVersion, '1.0.0', 'charger projected past the start');
    assert.equal((await store.get<ChargerDocument>(CHARGERS, 'CP1'))?.data.firmwareVersion, '2.0.0');
  });

  it('writes nothing twice when events are delivered again', async () => {
    const stream = sessionStreamName('S-dup');
    const recorded = await append(
      stream,
      started('S-dup', 'CP1'),
      event('SessionMeterValuesRecorded', {
        sessionId: 'S-dup',
        chargerId: 'CP1',
        samples: [{ timestamp: at('2025-01-01T09:05:00Z'), values: [{ value: '700', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }] }],
      }),
    );
    await project(recorded);
    const first = await store.get<SessionDocument>(SESSIONS, 'S-dup');
    await project(recorded);
    await project(recorded.slice(0, 1));
    const again = await store.get<SessionDocument>(SESSIONS, 'S-dup');
    assert.equal(again?.data.meterValuesCount, 1);
    assert.equal(again?.data.energyWh, '700');
    assert.deepEqual(again, first);
  });

  it('merges a command fed by its own stream and by a session stream, under concurrent delivery', async () => {
    const commandIds = Array.from({ length: 20 }, (_, i) => `C-race-${i}`);
    const batches = await Promise.all(
      commandIds.map(async (commandId) => {
        const command = await append(
          commandStreamName(commandId),
          remoteStartRequested(commandId),
          event('CommandSentToCharger', { commandId, occurredAt: at('2025-01-01T09:00:01Z'), chargerId: 'CP1', action: 'RemoteStartTransaction', messageId: 'm' }),
          event('CommandAnswered', { commandId, occurredAt: at('2025-01-01T09:00:02Z'), chargerId: 'CP1', status: 'Accepted', result: CommandResult.ACCEPTED, latencyMs: 1000 }),
        );
        const session = await append(sessionStreamName(`S-${commandId}`), started(`S-${commandId}`, 'CP1', commandId));
        return { commandId, command, session };
      }),
    );
    // Two partitions deliver concurrently: interleave the command stream and the session stream, twice over.
    await Promise.all(batches.flatMap(({ command, session }) => [project(command), project(session), project(session), project(command)]));
    for (const { commandId } of batches) {
      const doc = (await store.get<CommandDocument>(COMMANDS, commandId))!.data;
      assert.deepEqual(
        { status: doc.status, sessionId: doc.sessionId, kind: doc.kind, vendor: doc.vendor, latencyMs: doc.latencyMs },
        { status: 'ACCEPTED', sessionId: `S-${commandId}`, kind: 'START_SESSION', vendor: 'Acme', latencyMs: 1000 },
      );
      assert.deepEqual(doc.sources, { [commandStreamName(commandId)]: 2, [sessionStreamName(`S-${commandId}`)]: 0 });
    }
  });

  it('projects a batch again a message at a time when the other stream of a command wrote its document first', async () => {
    const commandId = 'C-conflict';
    const [requested] = await append(
      commandStreamName(commandId),
      remoteStartRequested(commandId),
    );
    const [sessionStarted] = await append(sessionStreamName('S-conflict'), started('S-conflict', 'CP1', commandId));
    const toMessage = defaultRoute((e) => encodeEventBinary(e.type, e.data as JsonValue));
    const message = (recorded: RecordedEvent): DeliveredMessage => {
      const { topic, key, value, headers } = toMessage(recorded) as { topic: string; key: string; value: Uint8Array; headers?: Record<string, string> };
      return { topic, key, value, headers: headers ?? {}, partition: 0, offset: recorded.position, attempt: 1 };
    };

    // The command stream's event is projected (another partition) after the batch read the command document.
    const commandReads = racingReads(store, 'get');
    commandReads.arm(() => projector.project(projectedOf(requested!)), (collection) => collection === COMMANDS);
    const batched = new ChargerProjector(commandReads.store, events, new FrameLog({} as RoamgateConfig));
    await batched.handleBatch([message(sessionStarted!)]);

    assert.equal(commandReads.armed, false, 'the race took place');
    const doc = (await store.get<CommandDocument>(COMMANDS, commandId))!.data;
    assert.deepEqual(doc.sources, { [commandStreamName(commandId)]: 0, [sessionStreamName('S-conflict')]: 0 });
    assert.equal(doc.sessionId, 'S-conflict');
    assert.equal((await store.get<SessionDocument>(SESSIONS, 'S-conflict'))?.data.commandId, commandId);
  });
});
