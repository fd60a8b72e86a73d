import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DeliveredMessage } from '@roamgate/bus';
import { CommandKind, CommandOrigin, domainEvent, encodeEventBinary, timestampFromMs, toStoredEvent, type EventInit, type EventType } from '@roamgate/contracts';
import { newEventId, openSqliteEventStore, type SqliteEventStore } from '@roamgate/event-store';
import { openSqliteReadModelStore, type SqliteReadModelStore } from '@roamgate/read-models';
import type { PartnerRepository } from '../../partners/partner.repository';
import type { OcpiSettings } from '../../settings';
import type { OcpiClient } from '../transport/ocpi-client';
import { COMMAND_RESULTS, CommandResults } from './command-results';

const at = (seconds: number) => timestampFromMs(Date.parse('2026-11-26T09:00:00Z') + seconds * 1000);

describe('CommandResults: a remote start whose session runs while the partner is told it failed', () => {
  let dir: string;
  let events: SqliteEventStore;
  let readModels: SqliteReadModelStore;
  let results: CommandResults;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ocpi-command-results-'));
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    readModels = openSqliteReadModelStore({ file: ':memory:' });
    // No partner to deliver to: the results stay pending, which is not what these tests look at.
    const partners = { get: async () => undefined } as unknown as PartnerRepository;
    results = new CommandResults(events, readModels, {} as OcpiSettings, { initialDelayMs: 3_600_000, maxDelayMs: 3_600_000 }, partners, {} as OcpiClient);
    await results.onModuleInit();
  });

  after(async () => {
    await results.beforeApplicationShutdown();
    await readModels.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Appends the event and hands its bus message to the consumer as OcpiBusConsumers does: only when it concerns it. */
  async function deliver<T extends EventType>(streamId: string, type: T, init: EventInit<T>): Promise<void> {
    const event = domainEvent(type, init);
    await events.append(streamId, [{ id: newEventId(), ...toStoredEvent(event) } as never], { expectedRevision: 'any' });
    const message: DeliveredMessage = {
      topic: streamId.startsWith('command-') ? 'roamgate.command' : 'roamgate.session',
      key: streamId,
      value: encodeEventBinary(type, event.data),
      headers: { 'roamgate-event-type': type, 'roamgate-stream-id': streamId },
      partition: 0,
      offset: 0,
      attempt: 1,
    };
    if (results.concerns(message)) await results.onMessage(message);
  }

  async function remoteStart(commandId: string): Promise<void> {
    await deliver(`command-${commandId}`, 'CommandRequested', {
      commandId,
      occurredAt: at(0),
      kind: CommandKind.START_SESSION,
      chargerId: 'CP-1',
      origin: CommandOrigin.OCPI,
      partnerId: 'NL-EMS',
      responseUrl: 'http://emsp.test/commands/1',
      timeoutMs: 30_000,
      payload: { case: 'startSession', value: { idToken: { id: 'TOK-1' } } },
    });
  }

  const started = (sessionId: string, commandId: string) =>
    deliver(`session-${sessionId}`, 'SessionStarted', { sessionId, occurredAt: at(5), chargerId: 'CP-1', connectorId: 1, idToken: { id: 'TOK-1' }, meterStartWh: '0', commandId });
  const stopRequested = async (sessionId: string) => (await events.readStream(`command-after-timeout-${sessionId}`)).map((e) => e.type);

  it('stops a session that started before its START_SESSION timed out', async () => {
    await remoteStart('C-1');
    await started('S-1', 'C-1');
    assert.deepEqual(await stopRequested('S-1'), [], 'the outcome is still pending: nothing to stop yet');
    await deliver('command-C-1', 'CommandTimedOut', { commandId: 'C-1', occurredAt: at(30), chargerId: 'CP-1', timeoutSeconds: 30 });
    assert.deepEqual(await stopRequested('S-1'), ['CommandRequested']);
  });

  it('stops a session that started after its START_SESSION timed out, as before', async () => {
    await remoteStart('C-2');
    await deliver('command-C-2', 'CommandTimedOut', { commandId: 'C-2', occurredAt: at(30), chargerId: 'CP-1', timeoutSeconds: 30 });
    await started('S-2', 'C-2');
    assert.deepEqual(await stopRequested('S-2'), ['CommandRequested']);
  });

  it('concerns itself with command outcomes and session starts, not with the meter values that fill the session topic', () => {
    const message = (type: string): DeliveredMessage => ({ topic: 'roamgate.session', key: 'k', value: new Uint8Array(), headers: { 'roamgate-event-type': type }, partition: 0, offset: 0, attempt: 1 });
    for (const type of ['CommandAnswered', 'CommandTimedOut', 'CommandFailed', 'SessionStarted']) assert.equal(results.concerns(message(type)), true, type);
    for (const type of ['SessionMeterValuesRecorded', 'SessionStopped', 'CommandRequested']) assert.equal(results.concerns(message(type)), false, type);
  });

  it('stops a session whose START_SESSION the partner is told FAILED', async () => {
    await remoteStart('C-3');
    await started('S-3', 'C-3');
    await deliver('command-C-3', 'CommandFailed', { commandId: 'C-3', occurredAt: at(10), chargerId: 'CP-1', reason: 'connection closed before the answer' });
    assert.deepEqual(await stopRequested('S-3'), ['CommandRequested']);
  });

  it('leaves a session alone when its START_SESSION was answered', async () => {
    await remoteStart('C-4');
    await started('S-4', 'C-4');
    await deliver('command-C-4', 'CommandAnswered', { commandId: 'C-4', occurredAt: at(6), chargerId: 'CP-1', status: 'Accepted', latencyMs: 6000 });
    assert.deepEqual(await stopRequested('S-4'), []);
  });
});

describe('CommandResults at start-up', () => {
  it('schedules every pending result the read model holds, page after page, and none already delivered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ocpi-command-results-startup-'));
    const events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    const readModels = openSqliteReadModelStore({ file: ':memory:' });
    const attempted = new Set<string>();
    const partners = { get: async (partnerId: string) => void attempted.add(partnerId) } as unknown as PartnerRepository;
    const retry = { initialDelayMs: 3_600_000, maxDelayMs: 3_600_000 };
    const results = new CommandResults(events, readModels, {} as OcpiSettings, retry, partners, {} as OcpiClient);
    try {
      await results.onModuleInit();
      const pendingCount = 1_201;
      const document = (commandId: string, status: 'pending' | 'delivered') => ({
        commandId,
        // The partner id names the command, so the attempts can be told apart.
        partnerId: commandId,
        responseUrl: 'http://emsp.test/commands/1',
        body: { result: 'ACCEPTED' },
        status,
        attempts: 0,
        nextAttemptAt: '2026-11-26T09:00:00.000Z',
        lastError: null,
      });
      for (let i = 0; i < pendingCount; i++) await readModels.upsert(COMMAND_RESULTS.name, `C-${i}`, document(`C-${i}`, 'pending'), 1);
      await readModels.upsert(COMMAND_RESULTS.name, 'C-DONE', document('C-DONE', 'delivered'), 1);

      await results.onApplicationBootstrap();
      const deadline = Date.now() + 20_000;
      while (attempted.size < pendingCount && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(attempted.size, pendingCount, 'every pending result, over three pages');
      assert.equal(attempted.has('C-DONE'), false);
    } finally {
      await results.beforeApplicationShutdown();
      await readModels.close();
      await events.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
