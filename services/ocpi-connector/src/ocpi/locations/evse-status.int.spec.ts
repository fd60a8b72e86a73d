import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
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
