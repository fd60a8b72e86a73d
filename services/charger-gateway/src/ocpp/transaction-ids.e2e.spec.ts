import assert from 'node:assert/strict';
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Bus, DeliveredMessage } from '@roamgate/bus';
import { decodeFamilyBinary, FrameType, type OcppIdsReserved, type SessionStarted } from '@roamgate/contracts';
import { fromStoredEvent } from '@roamgate/domain-charging';
import { ocpp16Examples } from '@roamgate/domain-charging/testing';
import type { EventStore } from '@roamgate/event-store';
import { BUS } from '@roamgate/runtime';
import { waitFor } from '@roamgate/runtime/testing';
import { OCPP_IDS_STREAM } from './ocpp-ids';
import { startTestGateway, type TestGateway } from './testing/harness';

const PASSWORD = 'correct horse battery staple';
const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();

async function sessionsStarted(store: EventStore): Promise<SessionStarted[]> {
  const started: SessionStarted[] = [];
  for (let after = 0; ; ) {
    const page = await store.readAll({ after, maxCount: 1_000 });
    if (page.length === 0) return started;
    after = page[page.length - 1]!.position;
    for (const event of page) if (event.type === 'SessionStarted') started.push(fromStoredEvent<'SessionStarted'>(event).data);
  }
}

async function dropReadModels(dataDir: string): Promise<string[]> {
  const files = (await readdir(dataDir)).filter((file) => file.startsWith('read-models-'));
  for (const file of files) await rm(join(dataDir, file));
  return files;
}

describe('OCPP 1.6 transaction ids live in the event store, not in the read models', () => {
  let gateway: TestGateway | undefined;

  after(async () => {
    await gateway?.close();
  });

  it('never reuses a transactionId and maps a repeated StartTransaction to its session after the read models were deleted', async () => {
    gateway = await startTestGateway();
    await gateway.register('CP-IDS', PASSWORD);
    const published: DeliveredMessage[] = [];
    const subscription = await gateway.app.get<Bus>(BUS).subscribe({
      group: 'test-ocppids',
      topics: ['roamgate.ocppids'],
      handler: async (message) => void published.push(message),
    });

    let charger = await gateway.connect('CP-IDS', 'ocpp1.6', { password: PASSWORD });
    const startA = ocpp16Examples.startTransaction({ connectorId: 1, idTag: 'TAG-A', meterStart: 100, timestamp: iso(60_000) });
    const startB = ocpp16Examples.startTransaction({ connectorId: 2, idTag: 'TAG-B', meterStart: 200, timestamp: iso(50_000) });
    const a = (await charger.call('StartTransaction', startA)) as { transactionId: number };
    const b = (await charger.call('StartTransaction', startB)) as { transactionId: number };
    assert.notEqual(a.transactionId, b.transactionId);

    const [message] = await waitFor(() => (published.length > 0 ? published : undefined), 'OcppIdsReserved on roamgate.ocppids', 10_000, 20);
    assert.equal(message!.key, OCPP_IDS_STREAM);
    const { type, message: reserved } = decodeFamilyBinary('ocppids', message!.value);
    assert.equal(type, 'OcppIdsReserved');
    assert.ok((reserved as OcppIdsReserved).first <= a.transactionId && a.transactionId <= (reserved as OcppIdsReserved).last);
    await subscription.close();

    const sessionsBefore = await sessionsStarted(gateway.store);
    assert.equal(sessionsBefore.length, 2);
    const sessionOf = (transactionId: number) => sessionsBefore.find((s) => s.transactionId === String(transactionId))!.sessionId;

    await gateway.close({ keepData: true });
    const dropped = await dropReadModels(gateway.dataDir);
    assert.ok(dropped.length > 0, 'the read-model file was found and deleted');
    gateway = await startTestGateway({}, gateway.dataDir);
    charger = await gateway.connect('CP-IDS', 'ocpp1.6', { password: PASSWORD });

    const repeatedA = (await charger.call('StartTransaction', startA)) as { transactionId: number };
    assert.equal(repeatedA.transactionId, a.transactionId, 'the repeated start keeps its transactionId');
    const startC = ocpp16Examples.startTransaction({ connectorId: 3, idTag: 'TAG-C', meterStart: 300, timestamp: iso(10_000) });
    const c = (await charger.call('StartTransaction', startC)) as { transactionId: number };
    assert.ok(c.transactionId > Math.max(a.transactionId, b.transactionId), `${c.transactionId} after ${a.transactionId}, ${b.transactionId}`);

    const sessionsAfter = await sessionsStarted(gateway.store);
    assert.deepEqual(
      sessionsAfter.map((s) => s.transactionId),
      [a.transactionId, b.transactionId, c.transactionId].map(String),
      'the repeated start opened no second session, and no transactionId was given twice',
    );
    const startsOfA = await waitFor(async () => {
      const frames = (await gateway!.frames('CP-IDS')).filter((f) => f.action === 'StartTransaction' && f.frameType === FrameType.CALL && JSON.parse(f.frame)[3]?.idTag === 'TAG-A');
      return frames.length === 2 ? frames : undefined;
    }, 'both StartTransaction CALLs of TAG-A logged', 10_000, 20);
    assert.deepEqual(
      startsOfA.map((f) => f.sessionId),
      [sessionOf(a.transactionId), sessionOf(a.transactionId)],
      'the repeated start mapped to the session it opened before the restart',
    );

    await charger.call('StopTransaction', { transactionId: b.transactionId, meterStop: 900, timestamp: iso(1_000) });
    const [stopped] = await gateway.waitForEvents(`session-${sessionOf(b.transactionId)}`, 'SessionStopped');
    assert.equal(stopped!.data.meterStopWh, '900', 'a transactionId from before the restart still finds its session');
  });
});
