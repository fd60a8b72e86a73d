import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, it } from 'node:test';
import type { RoamgateConfig } from '@roamgate/config';
import { create, FrameDirection, FrameType, OcppFrameLoggedSchema, OcppVersion } from '@roamgate/contracts';
import { frameFields, type FrameRecord } from '../projections/ocpp-message.projection';
import type { ProjectedEventOf } from '../projections/projected-event';
import { at, delivered } from '../projections/testing';
import { frameDocument } from './frame-document';
import { FrameLog, MESSAGE_LOG_FILE, type FrameLogOptions } from './frame-log';

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

/** The log answers the same whether a charger's frames are still unfiled or the writer has filed them (FILE_AFTER). */
const FILING: readonly { readonly name: string; readonly options: FrameLogOptions }[] = [
  { name: 'frames left unfiled', options: {} },
  { name: 'frames filed after every write', options: { fileAfter: 1 } },
];

for (const { name, options } of FILING) describe(`OCPP message log (${name})`, () => {
  let dataDir: string;
  let log: FrameLog;
  const open = () => {
    const opened = new FrameLog({ dataDir } as RoamgateConfig, options);
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

  it("lists a session's frames among its charger's others, also those an hour or more after the previous one", async () => {
    const minute = (m: number) => at(new Date(Date.parse('2025-01-02T10:00:00Z') + m * 60_000).toISOString());
    await log.record(frame({ chargerId: 'CP6', messageId: 'before', occurredAt: minute(0) }));
    await log.record(frame({ chargerId: 'CP6', messageId: 's-1', occurredAt: minute(1), sessionId: 'S6' }));
    await log.record(frame({ chargerId: 'CP6', messageId: 'other-1', occurredAt: minute(2), sessionId: 'S7' }));
    await log.record(frame({ chargerId: 'CP6', messageId: 'hb', occurredAt: minute(3) }));
    await log.record(frame({ chargerId: 'CP6', messageId: 's-2', occurredAt: minute(4), sessionId: 'S6' }));
    // Past the span's hour of slack, and a frame without a time (older versions), which sorts before every other.
    await log.record(frame({ chargerId: 'CP6', messageId: 's-late', occurredAt: minute(190), sessionId: 'S6' }));
    await log.record(frame({ chargerId: 'CP6', messageId: 's-untimed', occurredAt: undefined, sessionId: 'S6' }));
    await log.record(frame({ chargerId: 'CP6', messageId: 'after', occurredAt: minute(191) }));
    const page = log.page({ sessionId: 'S6' }, 'asc', 0, 10);
    assert.deepEqual([page.items.map((m) => m.messageId), page.total], [['s-untimed', 's-1', 's-2', 's-late'], 4]);
    assert.deepEqual(log.page({ sessionId: 'S6' }, 'desc', 1, 2).items.map((m) => m.messageId), ['s-2', 's-1']);
    assert.deepEqual(log.page({ sessionId: 'S7' }, 'asc', 0, 10).items.map((m) => m.messageId), ['other-1']);
    assert.deepEqual(log.page({ sessionId: 'S-NONE' }, 'asc', 0, 10), { items: [], total: 0 });
    assert.equal(log.page({ chargerId: 'CP6' }, 'asc', 0, 10).total, 8);
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

  it("merges a charger's filed frames with those logged since, late ones included, in time order", async () => {
    const second = (n: number) => at(new Date(Date.parse('2025-01-03T10:00:00Z') + n * 1_000).toISOString());
    for (const n of [1, 3, 5]) await log.record(frame({ chargerId: 'CP9', messageId: `m${n}`, occurredAt: second(n), ...(n === 5 ? {} : { sessionId: 'S9' }) }));
    await log.file();
    // Logged after the filing, two of them with earlier times (a charger's offline queue).
    for (const n of [2, 6, 4]) await log.record(frame({ chargerId: 'CP9', messageId: `m${n}`, occurredAt: second(n), ...(n === 6 ? {} : { sessionId: 'S9' }) }));
    const all = log.page({ chargerId: 'CP9' }, 'asc', 0, 10);
    assert.deepEqual([all.items.map((m) => m.messageId), all.total], [['m1', 'm2', 'm3', 'm4', 'm5', 'm6'], 6]);
    assert.deepEqual(log.page({ chargerId: 'CP9' }, 'desc', 1, 3).items.map((m) => m.messageId), ['m5', 'm4', 'm3']);
    assert.deepEqual(log.page({ chargerId: 'CP9' }, 'asc', 4, -1).items.map((m) => m.messageId), ['m5', 'm6']);
    const session = log.page({ sessionId: 'S9' }, 'desc', 0, 10);
    assert.deepEqual([session.items.map((m) => m.messageId), session.total], [['m4', 'm3', 'm2', 'm1'], 4]);
    await log.file();
    assert.deepEqual(log.page({ chargerId: 'CP9' }, 'desc', 1, 3).items.map((m) => m.messageId), ['m5', 'm4', 'm3'], 'the same once all are filed');
    assert.equal(log.page({ sessionId: 'S9' }, 'asc', 0, 10).total, 4);
  });

  it("files a charger's frames over several slices when it has more than one slice's worth", async () => {
    const times = Array.from({ length: 2_100 }, (_, i) => new Date(Date.parse('2025-01-04T10:00:00Z') + ((i * 7_919) % 2_100) * 1_000).toISOString());
    await Promise.all(times.map((time, i) => log.record(frame({ chargerId: 'CP10', messageId: `m${i}`, occurredAt: at(time) }))));
    await log.file();
    const file = new DatabaseSync(join(dataDir, MESSAGE_LOG_FILE), { readOnly: true });
    const counts = ['charger_frames', 'unfiled_frames'].map((table) => file.prepare(`SELECT count(*) AS n FROM ${table} WHERE charger_id = 'CP10'`).get()!['n']);
    file.close();
    assert.deepEqual(counts, [2_100, 0]);
    const page = log.page({ chargerId: 'CP10' }, 'asc', 1_999, 3);
    assert.deepEqual([page.items.map((m) => m.at), page.total], [[...times].sort().slice(1_999, 2_002), 2_100]);
  });
});

describe('OCPP message log written by an earlier version', () => {
  /** A data directory whose message log has the frames table and then `schema`, as an earlier version left it. */
  const writtenBefore = (schema: string) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-frame-log-'));
    const file = join(dataDir, MESSAGE_LOG_FILE);
    const old = new DatabaseSync(file);
    old.exec('CREATE TABLE frames (seq INTEGER PRIMARY KEY, charger_id TEXT NOT NULL, session_id TEXT, command_id TEXT, sort_key TEXT NOT NULL, document TEXT NOT NULL) STRICT');
    old.exec(schema);
    return { dataDir, file, old };
  };

  it('finds the sessions of a file with the old session index, and drops that index', async () => {
    const { dataDir, file, old } = writtenBefore(`
      CREATE INDEX frames_by_charger ON frames (charger_id, sort_key);
      CREATE INDEX frames_by_session ON frames (session_id, sort_key) WHERE session_id IS NOT NULL;
      CREATE INDEX frames_by_command ON frames (command_id, sort_key) WHERE command_id IS NOT NULL;
      CREATE TABLE last_seen (charger_id TEXT PRIMARY KEY, at TEXT NOT NULL) STRICT, WITHOUT ROWID;`);
    const insert = old.prepare('INSERT INTO frames VALUES (?, ?, ?, NULL, ?, ?)');
    const rows: [number, string, string | null, string][] = [
      [1, 'CP-O', 'S-O', '2025-01-01T10:00:00.000Z'],
      [2, 'CP-O', null, '2025-01-01T10:00:01.000Z'],
      [3, 'CP-O', 'S-O', '2025-01-01T10:00:02.000Z'],
    ];
    for (const [seq, chargerId, sessionId, time] of rows) {
      const document = frameDocument(`id-${seq}`, seq, { ...frameFields(frame({ chargerId, messageId: `m-${seq}`, sessionId: sessionId ?? undefined })), atMs: Date.parse(time) });
      insert.run(seq, chargerId, sessionId, document.order, JSON.stringify(document));
    }
    old.close();
    const log = new FrameLog({ dataDir } as RoamgateConfig);
    log.onModuleInit();
    try {
      assert.deepEqual(log.page({ sessionId: 'S-O' }, 'asc', 0, 10).items.map((m) => m.messageId), ['m-1', 'm-3']);
      await log.record(frame({ chargerId: 'CP-O', messageId: 'new', occurredAt: at('2025-01-01T12:00:00.000Z'), sessionId: 'S-O' }));
      assert.deepEqual(log.page({ sessionId: 'S-O' }, 'desc', 0, 1).items.map((m) => m.messageId), ['new']);
      assert.equal(log.page({ chargerId: 'CP-O' }, 'asc', 0, 10).total, 4);
    } finally {
      await log.onApplicationShutdown();
    }
    const reopened = new DatabaseSync(file);
    const indexes = reopened.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'frames%' ORDER BY name").all().map((row) => row['name']);
    reopened.close();
    rmSync(dataDir, { recursive: true, force: true });
    assert.deepEqual(indexes, ['frames_by_command']);
  });

  it("files the frames of a file with the charger index, and drops that index", async () => {
    const { dataDir, file, old } = writtenBefore(`
      CREATE INDEX frames_of_charger ON frames (charger_id, sort_key, session_id);
      CREATE INDEX frames_by_command ON frames (command_id, sort_key) WHERE command_id IS NOT NULL;
      CREATE TABLE session_spans (session_id TEXT PRIMARY KEY, charger_id TEXT NOT NULL, first_key TEXT NOT NULL, until_key TEXT NOT NULL) STRICT, WITHOUT ROWID;
      CREATE TABLE last_seen (charger_id TEXT PRIMARY KEY, at TEXT NOT NULL) STRICT, WITHOUT ROWID;`);
    const insert = old.prepare('INSERT INTO frames VALUES (?, ?, ?, NULL, ?, ?)');
    for (const [seq, chargerId, time] of [[1, 'CP-F', '2025-01-01T10:00:00.000Z'], [2, 'CP-G', '2025-01-01T10:00:01.000Z'], [3, 'CP-F', '2025-01-01T10:00:02.000Z']] as const) {
      const document = frameDocument(`id-${seq}`, seq, { ...frameFields(frame({ chargerId, messageId: `m-${seq}`, sessionId: 'S-F' })), atMs: Date.parse(time) });
      insert.run(seq, chargerId, 'S-F', document.order, JSON.stringify(document));
    }
    old.prepare("INSERT INTO session_spans VALUES ('S-F', 'CP-F', ?, '2025-01-01T11:00:02.000Z')").run(frameDocument('x', 1, { ...frameFields(frame({})), atMs: Date.parse('2025-01-01T10:00:00.000Z') }).order);
    old.close();
    const log = new FrameLog({ dataDir } as RoamgateConfig);
    log.onModuleInit();
    try {
      await log.record(frame({ chargerId: 'CP-F', messageId: 'new', occurredAt: at('2025-01-01T10:00:01.000Z'), sessionId: 'S-F' }));
      assert.deepEqual(log.page({ chargerId: 'CP-F' }, 'asc', 0, 10).items.map((m) => m.messageId), ['m-1', 'new', 'm-3']);
      assert.deepEqual(log.page({ sessionId: 'S-F' }, 'desc', 0, 10).items.map((m) => m.messageId), ['m-3', 'new', 'm-1']);
      assert.equal(log.page({ chargerId: 'CP-G' }, 'asc', 0, 10).total, 1);
    } finally {
      await log.onApplicationShutdown();
    }
    const reopened = new DatabaseSync(file);
    const indexes = reopened.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'frames%' ORDER BY name").all().map((row) => row['name']);
    const filed = reopened.prepare('SELECT count(*) AS n FROM charger_frames').get()!['n'];
    reopened.close();
    rmSync(dataDir, { recursive: true, force: true });
    assert.deepEqual([indexes, filed], [['frames_by_command'], 3]);
  });
});

for (const { name, options } of FILING) describe(`OCPP message log retention (${name})`, () => {
  it('deletes the frames logged before the cutoff, oldest first, a slice at a time, while frames keep coming', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-frame-log-'));
    const log = new FrameLog({ dataDir, ocpp: { messageLogRetentionDays: 30 } } as RoamgateConfig, options);
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
      await log.record(frame({ chargerId: 'CP-R', messageId: 'new-3', occurredAt: at('2025-03-01T10:00:02.000Z'), sessionId: 'S-R' }));
      assert.equal(log.page({ sessionId: 'S-R' }, 'asc', 0, 10).total, 2, 'a session the cutoff did not reach keeps its span');
      await log.record(frame({ chargerId: 'CP-R', messageId: 'gone', occurredAt: at('2025-01-05T10:00:00.000Z'), sessionId: 'S-OLD' }));
      assert.equal(await log.prune(new Date('2025-02-01T00:00:00Z')), 1);
      const spans = new DatabaseSync(join(dataDir, MESSAGE_LOG_FILE), { readOnly: true });
      const left = spans.prepare('SELECT session_id FROM session_spans ORDER BY session_id').all().map((row) => row['session_id']);
      spans.close();
      assert.deepEqual(left, ['S-R'], 'a session whose frames are all gone loses its span');
      // Slices go in log order: a frame logged after a slice's worth of newer ones, with an older time, outlives the
      // pass that reaches the cutoff, and so does its session's span.
      await Promise.all(Array.from({ length: 500 }, (_, i) => log.record(frame({ chargerId: 'CP-R', messageId: `later-${i}`, occurredAt: at('2025-03-02T10:00:00.000Z') }))));
      await log.record(frame({ chargerId: 'CP-R', messageId: 'late', occurredAt: at('2025-01-06T10:00:00.000Z'), sessionId: 'S-LATE' }));
      assert.equal(await log.prune(new Date('2025-02-01T00:00:00Z')), 0);
      assert.deepEqual(log.page({ sessionId: 'S-LATE' }, 'asc', 0, 10).items.map((m) => m.messageId), ['late']);
    } finally {
      await log.onApplicationShutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
    await assert.rejects(log.prune(new Date()), /not open|closed|stopped/);
  });
});

describe('OCPP message log filing that fails', () => {
  it('keeps listing the frames it could not file, and files them once it can', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-frame-log-'));
    const log = new FrameLog({ dataDir } as RoamgateConfig);
    log.onModuleInit();
    const other = new DatabaseSync(join(dataDir, MESSAGE_LOG_FILE));
    try {
      await log.record(frame({ chargerId: 'CP-X', messageId: 'kept' }));
      other.exec("CREATE TRIGGER refuse BEFORE INSERT ON charger_frames BEGIN SELECT RAISE(ABORT, 'no room to file'); END");
      await assert.rejects(log.file(), /no room to file/);
      await log.record(frame({ chargerId: 'CP-X', messageId: 'next', occurredAt: at('2025-01-01T10:00:01.000Z') }));
      assert.deepEqual(log.page({ chargerId: 'CP-X' }, 'asc', 0, 10).items.map((m) => m.messageId), ['kept', 'next']);
      other.exec('DROP TRIGGER refuse');
      assert.equal(await log.file(), 2);
      assert.deepEqual(log.page({ chargerId: 'CP-X' }, 'desc', 0, 10).items.map((m) => m.messageId), ['next', 'kept']);
    } finally {
      other.close();
      await log.onApplicationShutdown();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
