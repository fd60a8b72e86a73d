import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openSqliteReadModelStore } from '@roamgate/read-models';
import { CHARGERS, COLLECTION_SPECS } from '../projections/documents';
import type { ChargerStreams } from './charger-streams';
import { ConnectionSweep } from './connection-sweep';
import { GatewayInstance } from './gateway-instance';

describe('connection sweep', () => {
  it('decides on their stream only the chargers the read model shows connected through an earlier start of its name', async () => {
    const store = openSqliteReadModelStore({ file: ':memory:' });
    for (const spec of COLLECTION_SPECS) await store.ensureCollection(spec);
    const earlier = new GatewayInstance('gw-1', new Date('2026-11-26T13:00:00Z'));
    const self = new GatewayInstance('gw-1', new Date('2026-11-26T14:00:00Z'));
    const other = new GatewayInstance('gw-2', new Date('2026-11-26T13:30:00Z'));
    const chargers: [string, boolean, string | null][] = [
      ['by-earlier', true, earlier.id],
      ['by-self', true, self.id],
      ['by-other-replica', true, other.id],
      ['by-unknown', true, null],
      ['gone', false, earlier.id],
    ];
    // More than a page of chargers connected through this start, as 30 s after start-up under load.
    for (let i = 0; i < 1_200; i += 1) chargers.push([`busy-${i}`, true, self.id]);
    for (const [id, connected, gatewayInstance] of chargers) await store.upsert(CHARGERS, id, { id, connected, gatewayInstance }, 1);

    const found: string[] = [];
    const counting = Object.assign(Object.create(store) as typeof store, {
      find: async (collection: string, query?: object) => {
        const page = await store.find(collection, query);
        found.push(...page.items.map((item) => item.id));
        return page;
      },
    });
    const decided: string[] = [];
    const streams = {
      decideWith: async (chargerId: string) => {
        decided.push(chargerId);
        return [];
      },
    } as unknown as ChargerStreams;
    assert.deepEqual(await new ConnectionSweep(counting, streams, self).sweep(), []);
    assert.deepEqual(decided, ['by-earlier']);
    assert.deepEqual(found, ['by-earlier'], 'the chargers of this start are not read');
    await store.close();
  });
});
