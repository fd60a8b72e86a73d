import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { domainEvent, encodeEventBinary, timestampFromMs } from '@roamgate/contracts';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { racingReads } from '@roamgate/read-models/testing';
import { EVENT_HEADER } from '../sessions/sessions.sender';
import { EvseStatusConsumer, OCPI_CHARGER_LINKS } from './evse-status.consumer';
import type { LocationRepository } from './location.repository';

describe('EVSE offline sweep', () => {
  it('marks the chargers disconnected past the grace period, reading the disconnected links only', async () => {
    const store = openSqliteReadModelStore({ file: ':memory:' });
    await store.ensureCollection(OCPI_CHARGER_LINKS);
    const now = new Date('2026-11-26T12:00:00Z');
    const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
    const links: [string, string | null, boolean][] = [
      ['long-gone', ago(60), false],
      ['just-gone', ago(1), false],
      ['already-marked', ago(120), true],
    ];
    for (let i = 0; i < 500; i += 1) links.push([`online-${i}`, null, false]);
    for (const [id, offlineSince, marked] of links) await store.upsert(OCPI_CHARGER_LINKS.name, id, { id, connectionId: 'c', offlineSince, marked }, 2);

    let read = 0;
    const counting: ReadModelStore = Object.assign(Object.create(store) as ReadModelStore, {
      find: async (...args: Parameters<ReadModelStore['find']>) => {
        const found = await store.find(...args);
        read += found.items.length;
        return found;
      },
    });
    const asked: string[] = [];
    const locations = { evsesOfCharger: async (chargerId: string) => (asked.push(chargerId), []) } as unknown as LocationRepository;
    // The default grace period: 300 s.
    await new EvseStatusConsumer(counting, locations).sweep(now);

    assert.deepEqual(asked, ['long-gone']);
    assert.equal((await store.get<{ marked: boolean }>(OCPI_CHARGER_LINKS.name, 'long-gone'))?.data.marked, true);
    assert.equal((await store.get<{ marked: boolean }>(OCPI_CHARGER_LINKS.name, 'just-gone'))?.data.marked, false);
    assert.ok(read <= 100, `read ${read} links for 3 disconnected chargers among 503`);
    await store.close();
  });
});

describe('EVSE offline sweep and a reconnection of the same charger', () => {
  it('leaves the EVSEs online when the charger reconnects after the sweep read its link and before it marked them', async () => {
    const store = openSqliteReadModelStore({ file: ':memory:' });
    await store.ensureCollection(OCPI_CHARGER_LINKS);
    const now = new Date('2026-11-26T12:00:00Z');
    // Disconnected an hour ago at charger-stream revision 3 (document revision 2 * 3 + 2).
    await store.upsert(OCPI_CHARGER_LINKS.name, 'CP-R', { id: 'CP-R', connectionId: 'c1', offlineSince: new Date(now.getTime() - 3_600_000).toISOString(), marked: false }, 8);

    const links: boolean[] = [];
    const locations = {
      evsesOfCharger: async () => [{ id: 'EVSE-1', locationId: 'LOC-1', statusRevision: -1 }],
      handle: async (_locationId: string, command: { type: string; online?: boolean }) => void (command.type === 'RecordChargerLink' && links.push(command.online!)),
    } as unknown as LocationRepository;
    const sweepReads = racingReads(store, 'find');
    const consumer = new EvseStatusConsumer(sweepReads.store, locations);
    // The reconnection is handled after the sweep read the page of links and before it acts on CP-R's.
    sweepReads.arm(async () => {
      const data = { chargerId: 'CP-R', connectionId: 'c2', occurredAt: timestampFromMs(now.getTime()) };
      const event = domainEvent('ChargerConnected', data);
      const headers = { [EVENT_HEADER.type]: 'ChargerConnected', [EVENT_HEADER.revision]: '4', [EVENT_HEADER.id]: 'E-4' };
      await consumer.handle({ topic: 'roamgate.charger', key: 'charger-CP-R', value: encodeEventBinary('ChargerConnected', event.data), headers, partition: 0, offset: 4, attempt: 1 });
    });
    await consumer.sweep(now);
    assert.equal(sweepReads.armed, false, 'the race took place');

    assert.deepEqual(links, [], 'no EVSE marked UNKNOWN for a charger that is connected again');
    const link = await store.get<{ offlineSince: string | null; marked: boolean }>(OCPI_CHARGER_LINKS.name, 'CP-R');
    assert.equal(link?.data.offlineSince, null);
    assert.equal(link?.data.marked, false);
    await store.close();
  });
});
