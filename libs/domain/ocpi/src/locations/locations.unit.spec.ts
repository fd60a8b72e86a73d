import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectorStatus } from '@roamgate/contracts';
import { locationDecider, LocationError, type EvseData, type LocationCommand, type LocationData, type LocationEvent, type LocationState } from './location.js';
import { locationPushes, ocpiLocationOf } from './ocpi-location.js';
import { inScope, scopeDecider, ScopeError, type SetScope } from './scope.js';
import { combinedEvseStatus, evseStatusOf } from './status.js';

const now = new Date('2025-03-01T09:00:00Z');
const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

const aLocation = (override: Partial<LocationData> = {}): LocationData => ({
  countryCode: 'NL', partyId: 'RGT', publish: true, name: 'Utrecht Centraal', address: 'Stationsplein 1', city: 'Utrecht', postalCode: '3511ED',
  country: 'NLD', coordinates: { latitude: '52.089444', longitude: '5.110278' }, parkingType: 'PARKING_LOT', facilities: [], timeZone: 'Europe/Amsterdam',
  ...override,
});
const anEvse = (n: number, override: Partial<EvseData> = {}): EvseData => ({
  chargerId: 'CP-1', evse: n, evseId: `NL*RGT*E1*${n}`, capabilities: ['REMOTE_START_STOP_CAPABLE'], parkingRestrictions: [],
  connectors: [{ id: '1', ocppConnectorId: 1, standard: 'IEC_62196_T2', format: 'SOCKET', powerType: 'AC_3_PHASE', maxVoltage: 230, maxAmperage: 32, tariffIds: ['T1'] }],
  ...override,
});

/** given(commands...).when(command): the events the last command decides, on the state the others built. */
function run(commands: readonly LocationCommand[]): { state: LocationState; events: readonly LocationEvent[] } {
  let state = locationDecider.initialState();
  let events: readonly LocationEvent[] = [];
  for (const command of commands) {
    events = locationDecider.decide(command, state);
    for (const event of events) state = locationDecider.evolve(state, event);
  }
  return { state, events };
}

const create: LocationCommand = { type: 'CreateLocation', locationId: 'LOC-1', details: aLocation(), by: 'test', now };
const attach = (n: number, at = now, override: Partial<EvseData> = {}): LocationCommand => ({ type: 'AttachEvse', evse: anEvse(n, override), by: 'test', now: at });
const status = (uid: string, connector: number, s: ConnectorStatus, at: Date): LocationCommand => ({ type: 'RecordConnectorStatus', evseUid: uid, ocppConnectorId: connector, status: s, sourceEventId: 'e', now: at });

const refused = (commands: readonly LocationCommand[], code: string, field?: string) =>
  assert.throws(() => run(commands), (error: unknown) => error instanceof LocationError && error.code === code && (field === undefined || error.field === field));

describe('location decider', () => {
  it('creates a location and attaches EVSEs addressed <charger>-<evse>', () => {
    const { state } = run([create, attach(1), attach(2)]);
    assert.deepEqual(state.evses.map((e) => [e.uid, e.status]), [['CP-1-1', 'UNKNOWN'], ['CP-1-2', 'UNKNOWN']]);
    assert.equal(state.details?.timeZone, 'Europe/Amsterdam');
  });

  it('refuses bad master data naming the field', () => {
    refused([{ ...create, details: aLocation({ country: 'NL' }) } as LocationCommand], 'INVALID_LOCATION', 'country');
    refused([{ ...create, details: aLocation({ timeZone: 'Mars/Olympus' }) } as LocationCommand], 'INVALID_LOCATION', 'time_zone');
    refused([{ ...create, details: aLocation({ coordinates: { latitude: '52.1', longitude: '5.110278' } }) } as LocationCommand], 'INVALID_LOCATION', 'coordinates.latitude');
    refused([{ ...create, locationId: 'has space' } as LocationCommand], 'INVALID_LOCATION', 'id');
    refused([create, create], 'LOCATION_EXISTS');
    refused([create, attach(1, now, { connectors: [] })], 'INVALID_EVSE', 'connectors');
    refused([create, attach(1, now, { connectors: [{ ...anEvse(1).connectors[0]!, powerType: 'AC' }] })], 'INVALID_EVSE', 'connectors[0].power_type');
    refused([attach(1)], 'UNKNOWN_LOCATION');
    refused([create, { type: 'DetachEvse', evseUid: 'CP-9-1', by: 'test', now }], 'UNKNOWN_EVSE');
  });

  it('records nothing for an update that changes nothing, and keeps connector dates of unchanged connectors', () => {
    assert.deepEqual(run([create, { type: 'UpdateLocation', details: aLocation(), by: 'test', now: later(1) }]).events, []);
    assert.deepEqual(run([create, attach(1), attach(1, later(1))]).events, []);
    const twoConnectors = { connectors: [...anEvse(1).connectors, { ...anEvse(1).connectors[0]!, id: '2', ocppConnectorId: 2 }] };
    const changed = { connectors: [anEvse(1).connectors[0]!, { ...anEvse(1).connectors[0]!, id: '2', ocppConnectorId: 2, maxAmperage: 16 }] };
    const { state } = run([create, attach(1, now, twoConnectors), attach(1, later(5), changed)]);
    assert.deepEqual(state.evses[0]!.connectorsUpdated, { '1': now.toISOString(), '2': later(5).toISOString() });
  });

  it('follows connector statuses: a change of the EVSE status moves last_updated, a repeat records nothing', () => {
    const base = [create, attach(1)];
    const { state, events } = run([...base, status('CP-1-1', 1, ConnectorStatus.PREPARING, later(1)), status('CP-1-1', 1, ConnectorStatus.CHARGING, later(2))]);
    assert.equal(events.length, 0, 'Preparing and Charging are both CHARGING');
    assert.equal(state.evses[0]!.status, 'CHARGING');
    assert.equal(state.evses[0]!.lastUpdated, later(1).toISOString());
    const whole = run([...base, status('CP-1-1', 1, ConnectorStatus.AVAILABLE, later(1)), status('CP-1-1', 0, ConnectorStatus.FAULTED, later(2))]).state;
    assert.equal(whole.evses[0]!.status, 'OUTOFORDER', 'connector 0 of a 1.6 charger takes every EVSE out');
    const back = run([...base, status('CP-1-1', 1, ConnectorStatus.AVAILABLE, later(1)), status('CP-1-1', 0, ConnectorStatus.FAULTED, later(2)), status('CP-1-1', 0, ConnectorStatus.AVAILABLE, later(3))]).state;
    assert.equal(back.evses[0]!.status, 'AVAILABLE');
  });
});

describe('charger link', () => {
  const link = (online: boolean, at: Date): LocationCommand => ({ type: 'RecordChargerLink', evseUid: 'CP-1-1', online, sourceEventId: 'l', now: at });
  const charging = [create, attach(1), status('CP-1-1', 1, ConnectorStatus.CHARGING, later(1))];

  it('shows an offline charger UNKNOWN whatever its connectors said, and their status again when it is back', () => {
    assert.equal(run([...charging, link(false, later(10))]).state.evses[0]!.status, 'UNKNOWN');
    const back = run([...charging, link(false, later(10)), link(true, later(20))]).state.evses[0]!;
    assert.deepEqual([back.status, back.lastUpdated], ['CHARGING', later(20).toISOString()]);
    assert.equal(run([...charging, link(false, later(10)), status('CP-1-1', 1, ConnectorStatus.AVAILABLE, later(11))]).state.evses[0]!.status, 'UNKNOWN', 'a status while offline waits for the link');
  });

  it('records nothing for a charger already in that state', () => {
    assert.deepEqual(run([...charging, link(true, later(10))]).events, []);
    assert.deepEqual(run([...charging, link(false, later(10)), link(false, later(11))]).events, []);
  });
});

describe('OCPP to OCPI status', () => {
  it('maps every OCPP status as mod_locations Status reads', () => {
    const table: [ConnectorStatus, string][] = [
      [ConnectorStatus.AVAILABLE, 'AVAILABLE'], [ConnectorStatus.PREPARING, 'CHARGING'], [ConnectorStatus.CHARGING, 'CHARGING'],
      [ConnectorStatus.SUSPENDED_EV, 'CHARGING'], [ConnectorStatus.SUSPENDED_EVSE, 'CHARGING'], [ConnectorStatus.FINISHING, 'CHARGING'],
      [ConnectorStatus.OCCUPIED, 'CHARGING'], [ConnectorStatus.RESERVED, 'RESERVED'], [ConnectorStatus.UNAVAILABLE, 'INOPERATIVE'],
      [ConnectorStatus.FAULTED, 'OUTOFORDER'], [ConnectorStatus.UNSPECIFIED, 'UNKNOWN'],
    ];
    for (const [ocpp, ocpi] of table) assert.equal(evseStatusOf(ocpp), ocpi, ConnectorStatus[ocpp]);
  });

  it('gives a multi-connector EVSE the status of its busiest connector', () => {
    assert.equal(combinedEvseStatus(['AVAILABLE', 'CHARGING']), 'CHARGING');
    assert.equal(combinedEvseStatus(['OUTOFORDER', 'AVAILABLE']), 'AVAILABLE');
    assert.equal(combinedEvseStatus([]), 'UNKNOWN');
  });
});

describe('location pushes', () => {
  const state = run([create, attach(1), attach(2)]).state;
  const full = ocpiLocationOf(state);
  const removedAt = '2025-03-01T10:00:00Z';

  it('PUTs a new location whole and PATCHes every EVSE REMOVED when nothing may be shown any more', () => {
    assert.deepEqual(locationPushes(undefined, full, removedAt), [{ method: 'PUT', path: '', body: full }]);
    assert.deepEqual(locationPushes(full, undefined, removedAt).map((p) => [p.method, p.path, p.body['status']]), [['PATCH', '/CP-1-1', 'REMOVED'], ['PATCH', '/CP-1-2', 'REMOVED']]);
  });

  it('PATCHes a status, PUTs an EVSE entering, PATCHes REMOVED one leaving, PATCHes changed location fields', () => {
    const charging = run([create, attach(1), attach(2), status('CP-1-1', 1, ConnectorStatus.CHARGING, later(1))]).state;
    assert.deepEqual(locationPushes(full, ocpiLocationOf(charging), removedAt), [{ method: 'PATCH', path: '/CP-1-1', body: { status: 'CHARGING', last_updated: later(1).toISOString() } }]);
    const one = ocpiLocationOf(state, (e) => e.uid === 'CP-1-1');
    assert.deepEqual(locationPushes(one, full, removedAt).map((p) => [p.method, p.path]), [['PUT', '/CP-1-2']]);
    assert.deepEqual(locationPushes(full, one, removedAt), [{ method: 'PATCH', path: '/CP-1-2', body: { status: 'REMOVED', last_updated: removedAt } }]);
    const renamed = run([create, attach(1), attach(2), { type: 'UpdateLocation', details: aLocation({ name: 'Utrecht CS' }), by: 't', now: later(3) }]).state;
    assert.deepEqual(locationPushes(full, ocpiLocationOf(renamed), removedAt), [{ method: 'PATCH', path: '', body: { name: 'Utrecht CS', last_updated: later(3).toISOString() } }]);
    const unnamed = run([create, attach(1), attach(2), { type: 'UpdateLocation', details: { ...aLocation(), name: undefined } as never, by: 't', now: later(3) }]).state;
    assert.deepEqual(locationPushes(full, ocpiLocationOf(unnamed), removedAt).map((p) => [p.method, p.path]), [['PUT', '']], 'a cleared field needs a PUT');
  });

  it('PUTs a changed connector only', () => {
    const retariffed = run([create, attach(1), attach(2), attach(2, later(4), { connectors: [{ ...anEvse(2).connectors[0]!, tariffIds: ['T2'] }] })]).state;
    const pushes = locationPushes(full, ocpiLocationOf(retariffed), removedAt);
    assert.deepEqual(pushes.map((p) => [p.method, p.path, p.body['tariff_ids']]), [['PUT', '/CP-1-2/1', ['T2']]]);
  });
});

describe('partner scope', () => {
  const set = (override: Partial<SetScope> = {}): SetScope => ({
    type: 'SetScope', partnerId: 'NL-EMS', evseUids: ['CP-1-1'], locationIds: [], chargerIds: [], by: 'api', reason: '', planId: '', sourceEventId: '', now, ...override,
  });
  const fold = (commands: SetScope[]) => {
    let state = scopeDecider.initialState();
    let last: readonly unknown[] = [];
    for (const c of commands) {
      last = scopeDecider.decide(c, state);
      for (const e of last) state = scopeDecider.evolve(state, e as never);
    }
    return { state, last };
  };

  it('records a scope once, normalised; the same scope again records nothing', () => {
    const { state, last } = fold([set({ evseUids: ['CP-1-2', 'CP-1-1', 'CP-1-2'] }), set({ evseUids: ['CP-1-1', 'CP-1-2'] })]);
    assert.deepEqual(last, []);
    assert.deepEqual(state.evseUids, ['CP-1-1', 'CP-1-2']);
    assert.throws(() => fold([set({ locationIds: ['ok', 'not ok'] })]), (e: unknown) => e instanceof ScopeError && e.field === 'location_ids[1]');
  });

  it('lets through an EVSE named by uid, location or charger; an unscoped partner gets the default', () => {
    const { state } = fold([set({ evseUids: ['CP-1-1'], locationIds: ['LOC-2'], chargerIds: ['CP-3'] })]);
    const at = (uid: string, locationId: string, chargerId: string) => inScope(state, { uid, locationId, chargerId }, true);
    assert.deepEqual([at('CP-1-1', 'LOC-1', 'CP-1'), at('CP-2-1', 'LOC-2', 'CP-2'), at('CP-3-1', 'LOC-9', 'CP-3'), at('CP-1-2', 'LOC-1', 'CP-1')], [true, true, true, false]);
    assert.equal(inScope(scopeDecider.initialState(), { uid: 'x', locationId: 'y', chargerId: 'z' }, false), false);
    assert.equal(inScope(fold([set({ evseUids: [] })]).state, { uid: 'x', locationId: 'y', chargerId: 'z' }, true), false, 'an empty scope shows nothing');
  });
});
