import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteEventStore, type EventStore } from '@roamgate/event-store';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository } from '@roamgate/runtime';
import { TARIFF_ASSIGNMENTS, TARIFF_VERSIONS, TARIFFS, type TariffDocument } from './projections/documents';
import type { ProjectedTariffEvent } from './projections/projected-event';
import { TariffProjector } from './projections/tariff.projector';
import { StoredTariffBook } from './stored-tariff-book';
import type { TariffQuery } from './tariff-book';
import { tariffDecider, type TariffCommand, type TariffTarget } from './tariff.decider';
import { tariffEventCodec, tariffStreamName } from './tariff-events';
import { t, tariffJson } from './testing/tariff-spec';

describe('StoredTariffBook on the SQLite event store and read models', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-tariff-book-'));
  let events: EventStore;
  let readModels: ReadModelStore;
  let projector: TariffProjector;
  let book: StoredTariffBook;
  let projected = 0;

  const run = async (command: TariffCommand) => {
    await new AggregateRepository(events).handle(tariffStreamName(command.tariffId), tariffDecider, tariffEventCodec, () => [command]);
  };
  /** What the bus would deliver: every event appended since the last call. */
  const recorded = async (from = projected): Promise<ProjectedTariffEvent[]> => {
    const all = await events.readAll({ after: from });
    return all.map((e) => ({ ...tariffEventCodec.fromStored(e), id: e.id, streamId: e.streamId, revision: e.revision }) as ProjectedTariffEvent);
  };
  const project = async () => {
    for (const event of await recorded()) await projector.project(event);
    projected = (await events.readAll()).at(-1)?.position ?? 0;
  };
  const publish = (last_updated: string, now: string, override = {}) => run({ type: 'PublishTariff', tariffId: 'T1', tariff: tariffJson({ last_updated, ...override }), now: t(now), by: 'test' });
  const assign = (tariffId: string, assignmentId: string, target: TariffTarget, now: string) =>
    run({ type: 'AssignTariff', tariffId, assignmentId, target, timeZone: 'Europe/Amsterdam', now: t(now), by: 'test' });
  const inForce = async (at: string, override: Partial<TariffQuery> = {}) =>
    (await book.tariffsInForce({ chargerId: 'CP-1', evseId: 1, connectorId: 1, at: t(at), ...override })).map((f) => `${f.tariff.id}@${f.tariff.last_updated}`);

  before(async () => {
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    readModels = openSqliteReadModelStore({ file: join(dir, 'read-models.sqlite') });
    projector = new TariffProjector(readModels);
    await projector.onModuleInit();
    book = new StoredTariffBook(events, readModels);

    await publish('2025-01-01T00:00:00Z', '2025-01-01T00:00:00Z');
    await assign('T1', 'A-CHARGER', { chargerId: 'CP-1' }, '2025-01-02T00:00:00Z');
    await run({ type: 'PublishTariff', tariffId: 'T-CONN', tariff: tariffJson({ id: 'T-CONN' }), now: t('2025-01-03T00:00:00Z'), by: 'test' });
    await assign('T-CONN', 'A-CONN', { chargerId: 'CP-1', evseId: 1, connectorId: 2 }, '2025-01-05T00:00:00Z');
    await publish('2025-02-10T00:00:00Z', '2025-02-10T12:00:00Z', { currency: 'USD' });
    await run({ type: 'UnassignTariff', tariffId: 'T-CONN', assignmentId: 'A-CONN', now: t('2025-03-01T00:00:00Z'), by: 'test' });
    await run({ type: 'DeleteTariff', tariffId: 'T1', now: t('2025-04-01T00:00:00Z'), by: 'test' });
    await project();
  });

  after(async () => {
    await readModels?.close();
    await events?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers with the version current at the session start, not the one published after it', async () => {
    assert.deepEqual(await inForce('2025-02-10T11:59:59Z'), ['T1@2025-01-01T00:00:00Z']);
    assert.deepEqual(await inForce('2025-02-10T12:00:00Z'), ['T1@2025-02-10T00:00:00Z']);
  });

  it('follows assignments over time, the connector one over the charger one while it lasted', async () => {
    assert.deepEqual(await inForce('2025-01-04T00:00:00Z', { connectorId: 2 }), ['T1@2025-01-01T00:00:00Z']);
    assert.deepEqual(await inForce('2025-02-11T00:00:00Z', { connectorId: 2 }), ['T-CONN@2024-01-01T00:00:00Z']);
    assert.deepEqual(await inForce('2025-03-02T00:00:00Z', { connectorId: 2 }), ['T1@2025-02-10T00:00:00Z']);
    assert.deepEqual(await inForce('2025-04-02T00:00:00Z'), [], 'deleted');
    assert.deepEqual(await inForce('2025-01-01T12:00:00Z'), [], 'before the assignment');
    assert.deepEqual(await inForce('2025-02-11T00:00:00Z', { chargerId: 'CP-2' }), []);
  });

  it('gives any stored version by id and last_updated, deleted tariffs included', async () => {
    assert.equal((await book.version('T1', '2025-01-01T00:00:00Z'))?.currency, 'EUR');
    assert.equal((await book.version('T1', '2025-02-10T00:00:00.000Z'))?.currency, 'USD');
    assert.equal(await book.version('T1', '2025-01-15T00:00:00Z'), undefined);
    assert.equal(await book.version('NOPE', '2025-01-01T00:00:00Z'), undefined);
  });

  it('keeps read models that redelivered events do not change', async () => {
    const before = await readModels.get<TariffDocument>(TARIFFS, 'T1');
    assert.equal(before?.data.versions, 2);
    assert.equal(before?.data.deleted, true);
    for (const event of await recorded(0)) await projector.project(event);
    assert.deepEqual(await readModels.get(TARIFFS, 'T1'), before);
    assert.equal((await readModels.find(TARIFF_VERSIONS, { where: { tariffId: 'T1' } })).total, 2);
    const assignments = await readModels.find(TARIFF_ASSIGNMENTS, { where: { chargerId: 'CP-1' } });
    assert.deepEqual(
      assignments.items.map((a) => [a.id, a.data['active'], a.data['endReason']]).sort(),
      [
        ['A-CHARGER', false, 'tariff deleted'],
        ['A-CONN', false, 'unassigned'],
      ],
    );
  });
});
