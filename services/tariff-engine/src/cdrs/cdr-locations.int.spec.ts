import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DeliveredMessage } from '@roamgate/bus';
import { encodeEventBinary, type EventType, type JsonValue } from '@roamgate/contracts';
import { openSqliteReadModelStore, type ReadModelStore } from '@roamgate/read-models';
import { EVENT_HEADERS } from '@roamgate/relay';
import { CdrLocationConsumer, CdrLocations } from './cdr-locations';
import { cdrLocationOf } from './ocpi-cdr';

const details = (address: string) => ({
  countryCode: 'NL', partyId: 'RGT', publish: true, name: 'Utrecht Centraal', address, city: 'Utrecht', postalCode: '3511ED', country: 'NLD',
  coordinates: { latitude: '52.089444', longitude: '5.110278' }, timeZone: 'Europe/Amsterdam',
});
const connectors = [
  { id: 'A', ocppConnectorId: 1, standard: 'IEC_62196_T2', format: 'SOCKET', powerType: 'AC_3_PHASE', maxVoltage: 230, maxAmperage: 32 },
  { id: 'B', ocppConnectorId: 2, standard: 'IEC_62196_T2_COMBO', format: 'CABLE', powerType: 'DC', maxVoltage: 920, maxAmperage: 200 },
];

function message(locationId: string, type: EventType, revision: number, data: Record<string, unknown>): DeliveredMessage {
  return {
    topic: 'roamgate.location',
    key: `location-${locationId}`,
    value: encodeEventBinary(type, { locationId, occurredAt: '2025-03-01T09:00:00Z', ...data } as JsonValue),
    headers: { [EVENT_HEADERS.eventType]: type, [EVENT_HEADERS.streamId]: `location-${locationId}`, [EVENT_HEADERS.revision]: String(revision) },
    partition: 0,
    offset: revision,
    attempt: 1,
  };
}

describe('cdr_location from the location topic', () => {
  let store: ReadModelStore;
  let locations: CdrLocations;
  let consumer: CdrLocationConsumer;

  before(async () => {
    store = openSqliteReadModelStore({ file: ':memory:' });
    locations = new CdrLocations(store);
    await locations.onModuleInit();
    consumer = new CdrLocationConsumer(locations);
  });

  after(() => store.close());

  it('knows no place for an EVSE attached nowhere', async () => {
    assert.equal(await locations.place('CP-1-1'), undefined);
  });

  it('follows a location and its EVSEs, and ignores what is older than what it holds', async () => {
    await consumer.handle(message('LOC-1', 'LocationCreated', 0, { details: details('Stationsplein 1') }));
    await consumer.handle(message('LOC-1', 'EvseAttached', 1, { evse: { uid: 'CP-1-1', evseId: 'NL*RGT*E1*1', chargerId: 'CP-1', evse: 1, connectors } }));
    await consumer.handle(message('LOC-1', 'LocationUpdated', 2, { details: details('Stationsplein 2') }));
    await consumer.handle(message('LOC-1', 'LocationUpdated', 0, { details: details('redelivered, older') }));
    await consumer.handle(message('LOC-1', 'EvseStatusChanged', 3, { evseUid: 'CP-1-1', status: 'CHARGING' }));
    const place = await locations.place('CP-1-1');
    assert.equal(place?.site.address, 'Stationsplein 2');
    assert.equal(place?.site.timeZone, 'Europe/Amsterdam');
    assert.deepEqual(place?.evse.connectors.map((c) => c.id), ['A', 'B']);

    assert.deepEqual(cdrLocationOf({ locationId: 'LOC-OTHER', evseUid: 'CP-1-1', connectorId: '2' }, place, 2), {
      id: 'LOC-1',
      name: 'Utrecht Centraal',
      address: 'Stationsplein 2',
      city: 'Utrecht',
      postal_code: '3511ED',
      country: 'NLD',
      coordinates: { latitude: '52.089444', longitude: '5.110278' },
      evse_uid: 'CP-1-1',
      evse_id: 'NL*RGT*E1*1',
      connector_id: 'B',
      connector_standard: 'IEC_62196_T2_COMBO',
      connector_format: 'CABLE',
      connector_power_type: 'DC',
    }, 'the attached location wins, the connector is the one the session ran on (OCPP 2)');
    assert.equal(cdrLocationOf({ locationId: 'LOC-1', evseUid: 'CP-1-1', connectorId: 'A' }, place, 0).connector_id, 'A', 'else the OCPI connector id');
  });

  it('forgets an EVSE detached, and finds it at the location it moved to', async () => {
    await consumer.handle(message('LOC-1', 'EvseDetached', 4, { evseUid: 'CP-1-1' }));
    assert.equal(await locations.place('CP-1-1'), undefined);
    await consumer.handle(message('LOC-1', 'EvseAttached', 1, { evse: { uid: 'CP-1-1', evseId: 'NL*RGT*E1*1', chargerId: 'CP-1', evse: 1, connectors } }));
    assert.equal(await locations.place('CP-1-1'), undefined, 'a redelivered attach does not bring it back');
    await consumer.handle(message('LOC-2', 'LocationCreated', 0, { details: { ...details('Moreelsepark 1'), timeZone: 'Europe/Brussels' } }));
    await consumer.handle(message('LOC-2', 'EvseAttached', 1, { evse: { uid: 'CP-1-1', evseId: '', chargerId: 'CP-1', evse: 1, connectors: [connectors[0]] } }));
    const moved = await locations.place('CP-1-1');
    assert.equal(moved?.site.timeZone, 'Europe/Brussels');
    const cdrLocation = cdrLocationOf({ locationId: 'LOC-2', evseUid: 'CP-1-1', connectorId: '1' }, moved, 1);
    assert.equal(cdrLocation.evse_id, 'CP-1-1', 'no eMI3 id given: the uid stands in for the required evse_id');
  });

  it('leaves cdr_location at its ids for an EVSE attached nowhere', () => {
    assert.deepEqual(cdrLocationOf({ locationId: 'CP-9', evseUid: 'CP-9-1', connectorId: '1' }, undefined, 1), { id: 'CP-9', evse_uid: 'CP-9-1', connector_id: '1' });
  });
});
