import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openSqliteEventStore, type EventStore, type SqliteEventStore } from '@roamgate/event-store';
import { PartnerSettingsService } from './partner-settings';

describe('partner settings updated at the same time', () => {
  let dir: string;
  let events: SqliteEventStore;
  /** Runs once, just before the next append reaches the store: another update winning the race. */
  let beforeAppend: (() => Promise<unknown>) | undefined;
  let settings: PartnerSettingsService;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roamgate-recon-settings-'));
    events = await openSqliteEventStore({ file: join(dir, 'events.sqlite') });
    const racing: Pick<EventStore, 'readStream' | 'append'> = {
      readStream: (...args) => events.readStream(...args),
      append: async (...args) => {
        const other = beforeAppend;
        beforeAppend = undefined;
        await other?.();
        return events.append(...args);
      },
    };
    settings = new PartnerSettingsService(racing as EventStore);
  });

  after(async () => {
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps both when two updates of different fields race, on a new partner and on one with settings', async () => {
    for (const partnerId of ['NL-NEW', 'NL-OLD']) {
      if (partnerId === 'NL-OLD') await settings.update(partnerId, { format: 'json' });
      beforeAppend = () => settings.update(partnerId, { windowS: 600 });
      const answered = await settings.update(partnerId, { tolerances: { amountMinor: 5, energyWh: 10, timeS: 120 } });
      const stored = await settings.get(partnerId);
      assert.deepEqual(stored.tolerances, { amountMinor: 5, energyWh: 10, timeS: 120 }, partnerId);
      assert.equal(stored.windowS, 600, partnerId);
      assert.equal(stored.format, partnerId === 'NL-OLD' ? 'json' : null);
      assert.deepEqual(answered, stored, 'the update answers what it stored');
    }
  });
});
