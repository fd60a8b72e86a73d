import type { Business, ConnectorData, EvseState, GeoPoint, LocationState } from './location.js';

/** The OCPI 2.2.1 Location object as it goes on the wire (snake_case, optional fields absent rather than null). */
export type OcpiConnector = {
  id: string;
  standard: string;
  format: string;
  power_type: string;
  max_voltage: number;
  max_amperage: number;
  max_electric_power?: number;
  tariff_ids?: string[];
  terms_and_conditions?: string;
  last_updated: string;
};

export type OcpiEvse = {
  uid: string;
  evse_id?: string;
  status: string;
  capabilities?: string[];
  connectors: OcpiConnector[];
  floor_level?: string;
  coordinates?: GeoPoint;
  physical_reference?: string;
  parking_restrictions?: string[];
  last_updated: string;
};

export type OcpiLocation = {
  country_code: string;
  party_id: string;
  id: string;
  publish: boolean;
  name?: string;
  address: string;
  city: string;
  postal_code?: string;
  state?: string;
  country: string;
  coordinates: GeoPoint;
  parking_type?: string;
  evses?: OcpiEvse[];
  operator?: Business;
  suboperator?: Business;
  owner?: Business;
  facilities?: string[];
  time_zone: string;
  opening_times?: Record<string, unknown>;
  charging_when_closed?: boolean;
  last_updated: string;
};

const list = <T>(values: readonly T[]): T[] | undefined => (values.length ? [...values] : undefined);

function defined<T extends Record<string, unknown>>(object: T): T {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as T;
}

function connectorOf(k: ConnectorData, lastUpdated: string): OcpiConnector {
  return defined({
    id: k.id,
    standard: k.standard,
    format: k.format,
    power_type: k.powerType,
    max_voltage: k.maxVoltage,
    max_amperage: k.maxAmperage,
    max_electric_power: k.maxElectricPower,
    tariff_ids: list(k.tariffIds),
    terms_and_conditions: k.termsAndConditions,
    last_updated: lastUpdated,
  });
}

export function ocpiEvseOf(e: EvseState): OcpiEvse {
  return defined({
    uid: e.uid,
    evse_id: e.evseId,
    status: e.status,
    capabilities: list(e.capabilities),
    connectors: e.connectors.map((k) => connectorOf(k, e.connectorsUpdated[k.id] ?? e.lastUpdated)),
    floor_level: e.floorLevel,
    coordinates: e.coordinates,
    physical_reference: e.physicalReference,
    parking_restrictions: list(e.parkingRestrictions),
    last_updated: e.lastUpdated,
  });
}

/**
 * The Location as a partner sees it: only the EVSEs `visible` lets through. Its last_updated is the latest of the
 * location's own data and of the EVSEs shown, so a partner polling with date_from finds what changed for it.
 */
export function ocpiLocationOf(state: LocationState, visible: (evse: EvseState) => boolean = () => true): OcpiLocation {
  const d = state.details!;
  const evses = state.evses.filter(visible).map(ocpiEvseOf);
  const lastUpdated = [state.detailsUpdated, ...evses.map((e) => e.last_updated)].sort().at(-1)!;
  return defined({
    country_code: d.countryCode,
    party_id: d.partyId,
    id: state.locationId,
    publish: d.publish,
    name: d.name,
    address: d.address,
    city: d.city,
    postal_code: d.postalCode,
    state: d.state,
    country: d.country,
    coordinates: d.coordinates,
    parking_type: d.parkingType,
    evses: list(evses),
    operator: d.operator,
    suboperator: d.suboperator,
    owner: d.owner,
    facilities: list(d.facilities),
    time_zone: d.timeZone,
    opening_times: d.openingTimes ? { ...d.openingTimes } : undefined,
    charging_when_closed: d.chargingWhenClosed,
    last_updated: lastUpdated,
  });
}

/** One push to a partner's locations receiver: `path` is "", "/<evse_uid>" or "/<evse_uid>/<connector_id>" after the location URL. */
export interface LocationPush {
  readonly method: 'PUT' | 'PATCH';
  readonly path: string;
  readonly body: Readonly<Record<string, unknown>>;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const without = <T extends Record<string, unknown>>(object: T, ...keys: string[]) =>
  Object.fromEntries(Object.entries(object).filter(([k]) => !keys.includes(k)));
const segment = encodeURIComponent;

/**
 * What a partner needs to go from the Location it has (`before`, undefined when it has none) to the one it should
 * see (`after`, undefined when nothing of it may be shown any more), as mod_locations' receiver interface takes it:
 * a new location is PUT whole; changed location fields are PATCHed; a new EVSE is PUT, an EVSE whose status alone
 * changed is PATCHed, an EVSE gone from view is PATCHed to REMOVED (the spec never deletes), a changed connector is
 * PUT. A change that a PATCH cannot express (a field cleared, a connector removed) PUTs the enclosing object.
 */
export function locationPushes(before: OcpiLocation | undefined, after: OcpiLocation | undefined, removedAt: string): LocationPush[] {
  if (!before && !after) return [];
  if (!before) return [{ method: 'PUT', path: '', body: after! }];
  const removed = (uid: string): LocationPush => ({ method: 'PATCH', path: `/${segment(uid)}`, body: { status: 'REMOVED', last_updated: removedAt } });
  if (!after) return (before.evses ?? []).map((e) => removed(e.uid));

  const pushes: LocationPush[] = [];
  const ownBefore = without(before, 'evses', 'last_updated');
  const ownAfter = without(after, 'evses', 'last_updated');
  if (Object.keys(ownBefore).some((k) => !(k in ownAfter))) return [{ method: 'PUT', path: '', body: after }];
  const changed = Object.keys(ownAfter).filter((k) => !same(ownBefore[k], ownAfter[k]));
  if (changed.length) pushes.push({ method: 'PATCH', path: '', body: { ...Object.fromEntries(changed.map((k) => [k, ownAfter[k]])), last_updated: after.last_updated } });

  const evsesBefore = new Map((before.evses ?? []).map((e) => [e.uid, e]));
  const evsesAfter = new Map((after.evses ?? []).map((e) => [e.uid, e]));
  for (const [uid, evse] of evsesAfter) {
    const old = evsesBefore.get(uid);
    const path = `/${segment(uid)}`;
    if (!old) {
      pushes.push({ method: 'PUT', path, body: evse });
      continue;
    }
    if (same(old, evse)) continue;
    const restBefore = without(old, 'status', 'last_updated', 'connectors');
    const restAfter = without(evse, 'status', 'last_updated', 'connectors');
    const connectorsBefore = new Map(old.connectors.map((k) => [k.id, k]));
    const connectorRemoved = [...connectorsBefore.keys()].some((id) => !evse.connectors.some((k) => k.id === id));
    if (!same(restBefore, restAfter) || connectorRemoved) {
      pushes.push({ method: 'PUT', path, body: evse });
      continue;
    }
    if (old.status !== evse.status) pushes.push({ method: 'PATCH', path, body: { status: evse.status, last_updated: evse.last_updated } });
    for (const connector of evse.connectors) {
      if (!same(connectorsBefore.get(connector.id), connector)) pushes.push({ method: 'PUT', path: `${path}/${segment(connector.id)}`, body: connector });
    }
  }
  for (const uid of evsesBefore.keys()) if (!evsesAfter.has(uid)) pushes.push(removed(uid));
  return pushes;
}
