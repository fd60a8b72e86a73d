import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveredMessage } from '@roamgate/bus';
import { ConnectorStatus, create, encodeEventBinary, schemaOf } from '@roamgate/contracts';
import { locationDecider, scopeDecider, type LocationCommand, type LocationState } from '@roamgate/domain-ocpi';
import { openSqliteReadModelStore } from '@roamgate/read-models';
import { racingReads } from '@roamgate/read-models/testing';
import type { PartnerDocument } from '../../partners/partner-documents';
import type { PartnerRepository } from '../../partners/partner.repository';
import type { OcpiSettings } from '../../settings';
import type { Outbox, PushRequest } from '../push/outbox';
import type { ScopeService } from '../scope/scope.service';
import { EVENT_HEADER } from '../sessions/sessions.sender';
import { LocationPublisher, OCPI_LOCATION_VIEWS } from './location-publisher';
import type { LocationRepository } from './location.repository';

const now = new Date('2026-11-26T09:00:00Z');

function locationWith(status: ConnectorStatus): LocationState {
  const commands: LocationCommand[] = [
    {
      type: 'CreateLocation',
      locationId: 'LOC-1',
      by: 'test',
      now,
      details: {
        countryCode: 'NL', partyId: 'RGT', publish: true, name: 'Utrecht Centraal', address: 'Stationsplein 1', city: 'Utrecht', postalCode: '3511ED',
        country: 'NLD', coordinates: { latitude: '52.089444', longitude: '5.110278' }, parkingType: 'PARKING_LOT', facilities: [], timeZone: 'Europe/Amsterdam',
      },
    },
    {
      type: 'AttachEvse',
      by: 'test',
      now,
      evse: {
        chargerId: 'CP-1', evse: 1, evseId: 'NL*RGT*E1*1', capabilities: [], parkingRestrictions: [],
        connectors: [{ id: '1', ocppConnectorId: 1, standard: 'IEC_62196_T2', format: 'SOCKET', powerType: 'AC_3_PHASE', maxVoltage: 230, maxAmperage: 32, tariffIds: [] }],
      },
    },
    { type: 'RecordConnectorStatus', evseUid: 'CP-1-1', ocppConnectorId: 1, status, sourceEventId: `s-${status}`, now: new Date(now.getTime() + 60_000) },
  ];
  let state = locationDecider.initialState();
  for (const command of commands) for (const event of locationDecider.decide(command, state)) state = locationDecider.evolve(state, event);
  return state;
}

describe('LocationPublisher: a partner-wide refresh and a location event at the same time', () => {
  it('never pushes an older copy of a location over the change a location event pushed meanwhile', async () => {
    const readModels = openSqliteReadModelStore({ file: ':memory:' });
    const queued: PushRequest[] = [];
    const partner = { id: 'NL-EMS', status: 'REGISTERED', endpoints: [{ identifier: 'locations', role: 'RECEIVER' }] } as unknown as PartnerDocument;
    let current = locationWith(ConnectorStatus.AVAILABLE);
    let publisher: LocationPublisher | undefined;
    // The EVSE starts charging, and its location event is handled, after the refresh listed the locations.
    const statusChangeMeanwhile = async () => {
      current = locationWith(ConnectorStatus.OCCUPIED);
      await publisher!.refresh(partner, 'LOC-1', 'status-event', now.toISOString());
    };
    // Old and new ways of listing: a page of states (stale by the time it is used) or the ids alone.
    const locations = {
      get: async () => current,
      list: async () => {
        const page = { items: [current], total: 1 };
        await statusChangeMeanwhile();
        return page;
      },
      async *ids() {
        await statusChangeMeanwhile();
        yield 'LOC-1';
      },
    } as unknown as LocationRepository;
    const scopes = { get: async () => scopeDecider.initialState() } as unknown as ScopeService;
    const outbox = { enqueue: async (request: PushRequest) => void queued.push(request) } as unknown as Outbox;
    const settings = { countryCode: 'NL', partyId: 'RGT', unscopedPartnersSeeAll: true } as OcpiSettings;
    const partners = { get: async () => partner } as unknown as PartnerRepository;
    publisher = new LocationPublisher(readModels, settings, locations, scopes, partners, outbox);
    await publisher.onModuleInit();
    // The partner already holds the location as it was before the change.
    current = locationWith(ConnectorStatus.AVAILABLE);
    await publisher.refresh(partner, 'LOC-1', 'created', now.toISOString());
    queued.length = 0;

    await publisher.refreshAll(partner, 'registered', now.toISOString());

    const statuses = queued.map((push) => JSON.stringify(push.body).match(/"status":"([A-Z]+)"/)?.[1]);
    assert.deepEqual(statuses, ['CHARGING'], 'the change once, and nothing after it');
    const view = await publisher.view(partner.id, 'LOC-1');
    assert.equal(view?.evses?.[0]?.status, 'CHARGING');
    await readModels.close();
  });
});

describe('LocationPublisher: a partner unregistered while its locations are refreshed', () => {
  const unregistered = (partnerId: string): DeliveredMessage => ({
    topic: 'roamgate.partner',
    key: `partner-${partnerId}`,
    value: encodeEventBinary('PartnerUnregistered', create(schemaOf('PartnerUnregistered'), { partnerId }) as never),
    headers: { [EVENT_HEADER.type]: 'PartnerUnregistered', [EVENT_HEADER.id]: 'unregistered-1' },
    partition: 0,
    offset: 0,
    attempt: 1,
  });

  async function setUp() {
    const store = openSqliteReadModelStore({ file: ':memory:' });
    const racing = racingReads(store, 'get');
    const queued: PushRequest[] = [];
    let partner = { id: 'NL-EMS', status: 'REGISTERED', endpoints: [{ identifier: 'locations', role: 'RECEIVER' }] } as unknown as PartnerDocument;
    let current = locationWith(ConnectorStatus.AVAILABLE);
    const locations = { get: async () => current } as unknown as LocationRepository;
    const scopes = { get: async () => scopeDecider.initialState() } as unknown as ScopeService;
    const partners = { get: async () => partner } as unknown as PartnerRepository;
    const outbox = { enqueue: async (request: PushRequest) => void queued.push(request) } as unknown as Outbox;
    const settings = { countryCode: 'NL', partyId: 'RGT', unscopedPartnersSeeAll: true } as OcpiSettings;
    const publisher = new LocationPublisher(racing.store, settings, locations, scopes, partners, outbox);
    await publisher.onModuleInit();
    await publisher.refresh(partner, 'LOC-1', 'created', now.toISOString());
    queued.length = 0;
    const listed = partner;
    return {
      store,
      racing,
      queued,
      publisher,
      listed,
      unregister: () => {
        partner = { ...partner, status: 'UNREGISTERED' } as PartnerDocument;
        return publisher.handle(unregistered(partner.id));
      },
      statusChanges: () => void (current = locationWith(ConnectorStatus.OCCUPIED)),
    };
  }

  it('leaves no view when the unregistration is handled while a refresh of the same location is under way', async () => {
    const { store, racing, publisher, listed, unregister, statusChanges } = await setUp();
    statusChanges();
    let dropping: Promise<void> | undefined;
    // The refresh has read the view it is about to replace when the partner is unregistered.
    racing.arm(async () => void (dropping = unregister()), (collection) => collection === OCPI_LOCATION_VIEWS.name);
    await publisher.refresh(listed, 'LOC-1', 'status-event', now.toISOString());
    await dropping;
    assert.equal(racing.armed, false);
    assert.equal(await publisher.view(listed.id, 'LOC-1'), undefined);
    await store.close();
  });

  it('neither pushes nor keeps a view for a partner unregistered after a location event listed it', async () => {
    const { store, queued, publisher, listed, unregister, statusChanges } = await setUp();
    await unregister();
    statusChanges();
    await publisher.refresh(listed, 'LOC-1', 'status-event', now.toISOString());
    assert.deepEqual(queued, []);
    assert.equal(await publisher.view(listed.id, 'LOC-1'), undefined);
    await store.close();
  });
});
