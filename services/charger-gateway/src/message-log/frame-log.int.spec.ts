import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RoamgateConfig } from '@roamgate/config';
import { create, FrameDirection, FrameType, OcppFrameLoggedSchema, OcppVersion } from '@roamgate/contracts';
import type { FrameRecord } from '../projections/ocpp-message.projection';
import type { ProjectedEventOf } from '../projections/projected-event';
import { at, delivered } from '../projections/testing';
import { FrameLog } from './frame-log';

const frame = (overrides: Partial<FrameRecord>): FrameRecord => {
  const { $typeName: _t, $unknown: _u, ...fields } = create(OcppFrameLoggedSchema, {
    chargerId: 'CP1',
    occurredAt: at('2025-01-01T10:00:00.000Z'),
    protocol: OcppVersion.OCPP_VERSION_1_6,
    direction: FrameDirection.FROM_CHARGER,
    frameType: FrameType.CALL,
    messageId: 'm1',
    action: 'Heartbeat',
    frame: '[2,"m1","Heartbeat",{}]',
  });
  return { ...fields, ...overrides };
};

describe('OCPP message log', () => {
  let dataDir: string;
  let log: FrameLog;
  const open = () => {
    const opened = new FrameLog({ dataDir } as RoamgateConfig);
    opened.onModuleInit();
    return opened;
  };

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'roamgate-frame-log-'));
    log = open();
  });

  after(async () => {
    await log.onApplicationShutdown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists a charger, session or command by time, then in the order frames were logged within a millisecond', async () => {
    await Promise.all([
      log.record(frame({ messageId: 'b', occurredAt: at('2025-01-01T10:00:01.000Z'), sessionId: 'S1' })),
      log.record(frame({ messageId: 'a', occurredAt: at('2025-01-01T10:00:00.500Z') })),
      log.record(frame({ messageId: 'c', occurredAt: at('2025-01-01T10:00:01.000Z'), sessionId: 'S1', commandId: 'C1', direction: FrameDirection.TO_CHARGER })),
      log.record(frame({ chargerId: 'CP2', messageId: 'x' })),
    ]);
    const page = log.page({ chargerId: 'CP1' }, 'asc', 0, 10);
    assert.deepEqual(page.items.map((m) => m.messageId), ['a', 'b', 'c']);
    assert.equal(page.total, 3);
    const [a] = page.items;
    assert.match(a!.id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'the writer names each new frame with a UUIDv7');
    assert.deepEqual([a!.at, a!.payload, a!.latencyMs, a!.protocol], ['2025-01-01T10:00:00.500Z', '[2,"m1","Heartbeat",{}]', null, 'ocpp1.6']);
    assert.deepEqual(log.page({ chargerId: 'CP1' }, 'desc', 1, 1).items.map((m) => m.messageId), ['b']);
    assert.deepEqual(log.page({ sessionId: 'S1' }, 'asc', 0, 10).items.map((m) => m.messageId), ['b', 'c']);
    assert.deepEqual(log.page({ commandId: 'C1' }, 'asc', 0, 10).items.map((m) => [m.messageId, m.direction]), [['c', 'TO_CHARGER']]);
  });

  it('keeps what it acknowledged across a reopen, and numbers new frames after the old ones', async () => {
    await log.record(frame({ chargerId: 'CP3', messageId: 'before' }));
    await log.onApplicationShutdown();
    log = open();
    await log.record(frame({ chargerId: 'CP3', messageId: 'after' }));
    const [first, second] = log.page({ chargerId: 'CP3' }, 'asc', 0, 10).items;
    assert.deepEqual([first?.messageId, second?.messageId], ['before', 'after']);
    assert.ok(second!.position > first!.position);
  });

  it('projects a frame an older version logged as an event once, however often it is delivered', async () => {
    const event = delivered('OcppFrameLogged', frame({ chargerId: 'CP4', messageId: 'old' }), { streamId: 'charger-CP4', revision: 3, position: 42 }) as ProjectedEventOf<'OcppFrameLogged'>;
    await log.recordEvent(event);
    await log.recordEvent(event);
    const page = log.page({ chargerId: 'CP4' }, 'asc', 0, 10);
    assert.deepEqual(page.items.map((m) => [m.id, m.position]), [[event.id, 42]]);
  });

  it('remembers when a charger was last heard from, to within the resolution, and only from its own frames', async () => {
    assert.equal(log.lastSeen('CP5'), null);
    await log.record(frame({ chargerId: 'CP5', occurredAt: at('2025-01-01T10:00:00.000Z') }));
    await log.record(frame({ chargerId: 'CP5', occurredAt: at('2025-01-01T10:00:05.000Z') }));
    assert.equal(log.lastSeen('CP5'), '2025-01-01T10:00:00.000Z', 'within 10 s of the last write');
    await log.record(frame({ chargerId: 'CP5', occurredAt: at('2025-01-01T10:00:30.000Z'), direction: FrameDirection.TO_CHARGER }));
    assert.equal(log.lastSeen('CP5'), '2025-01-01T10:00:00.000Z', 'a frame to the charger does not count');
    await log.record(frame({ chargerId: 'CP5', occurredAt: at('2025-01-01T10:00:30.000Z') }));
    assert.equal(log.lastSeen('CP5'), '2025-01-01T10:00:30.000Z');
  });
});

describe('OCPP message log retention', () => {
  it('deletes the frames logged before the cutoff, oldest first, a slice at a time, while frames keep coming', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-frame-log-'));
    const log = new FrameLog({ dataDir, ocpp: { messageLogRetentionDays: 30 } } as RoamgateConfig);
    log.onModuleInit();
    try {
      // Frames are logged as they arrive, so the older ones come first: 1,200 of an old day (more than two slices).
      const old = Array.from({ length: 1_200 }, (_, i) => frame({ chargerId: 'CP-R', messageId: `old-${i}`, occurredAt: at(new Date(Date.parse('2025-01-01T10:00:00Z') + i).toISOString()) }));
      await Promise.all(old.map((f) => log.record(f)));
      await log.record(frame({ chargerId: 'CP-R', messageId: 'new-1', occurredAt: at('2025-03-01T10:00:00.000Z'), sessionId: 'S-R' }));
      const pruned = log.prune(new Date('2025-02-01T00:00:00Z'));
      const meanwhile = log.record(frame({ chargerId: 'CP-R', messageId: 'new-2', occurredAt: at('2025-03-01T10:00:01.000Z') }));
      assert.equal(await pruned, 1_200);
      await meanwhile;
      const page = log.page({ chargerId: 'CP-R' }, 'asc', 0, 10);
      assert.deepEqual([page.items.map((m) => m.messageId), page.total], [['new-1', 'new-2'], 2]);
      assert.equal(log.page({ sessionId: 'S-R' }, 'asc', 0, 10).total, 1);
      assert.equal(await log.prune(new Date('2025-02-01T00:00:00Z')), 0, 'nothing older is left');
    } finally {
      await log.onApplicationShutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
    await assert.rejects(log.prune(new Date()), /not open|closed|stopped/);
  });
});
