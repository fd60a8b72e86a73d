import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveredMessage } from '@roamgate/bus';
import { encodeEventBinary, timestampFromMs } from '@roamgate/contracts';
import { domainEvent } from '@roamgate/domain-ocpi';
import { openSqliteReadModelStore } from '@roamgate/read-models';
import { racingReads } from '@roamgate/read-models/testing';
import { PARTNERS } from '../../partners/partner-documents';
import type { Outbox, PushRequest } from '../push/outbox';
import { EVENT_HEADER } from '../sessions/sessions.sender';
import { OCPI_TARIFFS, TariffsSender } from './tariffs.sender';

const tariff = (version: number) => ({
  country_code: 'NL',
  party_id: 'RGT',
  id: 'T-1',
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'TIME', price: version, vat: 21, step_size: 300 }] }],
  last_updated: `2026-11-26T09:0${version}:00Z`,
});

function message(type: 'TariffPublished' | 'PartnerRegistered', revision: number, data: unknown): DeliveredMessage {
  return {
    topic: type === 'TariffPublished' ? 'roamgate.tariff' : 'roamgate.partner',
    key: type === 'TariffPublished' ? 'tariff-T-1' : 'partner-NL-EMS',
    value: encodeEventBinary(type, data as never),
    headers: { [EVENT_HEADER.type]: type, [EVENT_HEADER.revision]: String(revision), [EVENT_HEADER.id]: `${type}-${revision}` },
    partition: 0,
    offset: revision,
    attempt: 1,
  };
}

const published = (version: number) =>
  message('TariffPublished', version - 1, domainEvent('TariffPublished', {
    tariffId: 'T-1',
    occurredAt: timestampFromMs(Date.now()),
    countryCode: 'NL',
    partyId: 'RGT',
    currency: 'EUR',
    lastUpdated: timestampFromMs(Date.parse(tariff(version).last_updated)),
    tariffJson: JSON.stringify(tariff(version)),
    publishedBy: 'test',
  }).data);

describe('TariffsSender: a partner registers while a tariff gets a new version', () => {
  it('never PUTs the older version after the newer one', async () => {
    const store = openSqliteReadModelStore({ file: ':memory:' });
    await store.ensureCollection(PARTNERS);
    await store.upsert(PARTNERS.name, 'NL-EMS', { id: 'NL-EMS', status: 'REGISTERED', endpoints: [{ identifier: 'tariffs', role: 'RECEIVER' }] }, 1);
    const queued: PushRequest[] = [];
    const outbox = { enqueue: async (request: PushRequest) => void queued.push(request) } as unknown as Outbox;
    const reads = racingReads(store, 'find');
    const sender = new TariffsSender(reads.store, outbox);
    await sender.onModuleInit();
    await sender.handle(published(1));
    queued.length = 0;

    // Version 2 is handled after the registration read the list of tariffs, before it pushed them.
    reads.arm(() => sender.handle(published(2)), (collection) => collection === OCPI_TARIFFS.name);
    await sender.onPartner(message('PartnerRegistered', 3, domainEvent('PartnerRegistered', { partnerId: 'NL-EMS', occurredAt: timestampFromMs(Date.now()) } as never).data));

    assert.equal(reads.armed, false, 'the race took place');
    const versions = queued.map((push) => (push.body as { elements: { price_components: { price: number }[] }[] }).elements[0]!.price_components[0]!.price);
    assert.equal(versions.at(-1), 2, `the partner is left with the newest version (PUTs of versions ${versions.join(', ')})`);
    await store.close();
  });
});
