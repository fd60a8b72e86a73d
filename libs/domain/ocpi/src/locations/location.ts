import {
  ConnectorStatus,
  domainEvent,
  timestampDate,
  timestampFromDate,
  type DomainEvent,
  type EvseDetails,
  type LocationDetails,
} from '@roamgate/contracts';
import { combinedEvseStatus, evseStatusOf, ocppStatusName, type EvseStatus } from './status.js';
import {
  CAPABILITIES,
  CONNECTOR_FORMATS,
  CONNECTOR_TYPES,
  FACILITIES,
  PARKING_RESTRICTIONS,
  PARKING_TYPES,
  POWER_TYPES,
} from './vocabulary.js';

export const locationStreamName = (locationId: string): string => `location-${locationId}`;

/** The OCPI evse_uid of a charger's EVSE: the address commands and sessions already use. */
export const evseUidFor = (chargerId: string, evse: number): string => `${chargerId}-${evse}`;

export type LocationErrorCode = 'LOCATION_EXISTS' | 'UNKNOWN_LOCATION' | 'UNKNOWN_EVSE' | 'INVALID_LOCATION' | 'INVALID_EVSE';

/** A rule of the location model refused a command; `field` names the offending input for a 400. */
export class LocationError extends Error {
  constructor(
    readonly code: LocationErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(field ? `${field}: ${message}` : message);
    this.name = 'LocationError';
  }
}

export interface GeoPoint {
  readonly latitude: string;
  readonly longitude: string;
}

export interface Business {
  readonly name: string;
  readonly website?: string;
}

export interface LocationData {
  readonly countryCode: string;
  readonly partyId: string;
  readonly publish: boolean;
  readonly name?: string;
  readonly address: string;
  readonly city: string;
  readonly postalCode?: string;
  readonly state?: string;
  readonly country: string;
  readonly coordinates: GeoPoint;
  readonly parkingType?: string;
  readonly operator?: Business;
  readonly suboperator?: Business;
  readonly owner?: Business;
  readonly facilities: readonly string[];
  readonly timeZone: string;
  /** OCPI Hours, as given. */
  readonly openingTimes?: Readonly<Record<string, unknown>>;
  readonly chargingWhenClosed?: boolean;
}

export interface ConnectorData {
  readonly id: string;
  readonly ocppConnectorId: number;
  readonly standard: string;
  readonly format: string;
  readonly powerType: string;
  readonly maxVoltage: number;
  readonly maxAmperage: number;
  readonly maxElectricPower?: number;
  readonly tariffIds: readonly string[];
  readonly termsAndConditions?: string;
}

export interface EvseData {
  readonly chargerId: string;
  /** OCPP EVSE number: 2.0.1 evseId, 1.6 connector number. */
  readonly evse: number;
  readonly evseId?: string;
  readonly connectors: readonly ConnectorData[];
  readonly capabilities: readonly string[];
  readonly floorLevel?: string;
  readonly coordinates?: GeoPoint;
  readonly physicalReference?: string;
  readonly parkingRestrictions: readonly string[];
}

export interface EvseState extends EvseData {
  readonly uid: string;
  readonly status: EvseStatus;
  /** OCPI status of each reporting OCPP connector ("0": the whole 1.6 charger). */
  readonly connectorStatuses: Readonly<Record<string, EvseStatus>>;
  readonly lastUpdated: string;
  readonly connectorsUpdated: Readonly<Record<string, string>>;
}

export interface LocationState {
  readonly exists: boolean;
  readonly locationId: string;
  readonly details: LocationData | undefined;
  readonly evses: readonly EvseState[];
  readonly detailsUpdated: string;
  readonly lastUpdated: string;
}

export const initialLocationState = (): LocationState => ({ exists: false, locationId: '', details: undefined, evses: [], detailsUpdated: '', lastUpdated: '' });

export type CreateLocation = Readonly<{ type: 'CreateLocation'; locationId: string; details: LocationData; by: string; now: Date }>;
export type UpdateLocation = Readonly<{ type: 'UpdateLocation'; details: LocationData; by: string; now: Date }>;
export type AttachEvse = Readonly<{ type: 'AttachEvse'; evse: EvseData; by: string; now: Date }>;
export type DetachEvse = Readonly<{ type: 'DetachEvse'; evseUid: string; by: string; now: Date }>;
/** A charger reported a connector status; `ocppConnectorId` 0 is the whole charger (OCPP 1.6 connector 0). */
export type RecordConnectorStatus = Readonly<{
  type: 'RecordConnectorStatus';
  evseUid: string;
  ocppConnectorId: number;
  status: ConnectorStatus;
  sourceEventId: string;
  now: Date;
}>;
/** The charger of the EVSE stayed disconnected past the grace period (online=false), or came back (online=true). */
export type RecordChargerLink = Readonly<{ type: 'RecordChargerLink'; evseUid: string; online: boolean; sourceEventId: string; now: Date }>;
export type LocationCommand = CreateLocation | UpdateLocation | AttachEvse | DetachEvse | RecordConnectorStatus | RecordChargerLink;

/** The pseudo-connector that carries the charger's link in connectorStatuses (ocpp_connector_id -1 in the event). */
const LINK = 'link';
const keyOf = (ocppConnectorId: number): string => (ocppConnectorId === -1 ? LINK : String(ocppConnectorId));

export type LocationEvent = DomainEvent<'LocationCreated' | 'LocationUpdated' | 'EvseAttached' | 'EvseDetached' | 'EvseStatusChanged'>;

const LOCATION_ID = /^[A-Za-z0-9][A-Za-z0-9._:*-]{0,35}$/;
const LATITUDE = /^-?[0-9]{1,2}\.[0-9]{5,7}$/;
const LONGITUDE = /^-?[0-9]{1,3}\.[0-9]{5,7}$/;
const EMI3_EVSE_ID = /^[A-Z]{2}\*?[A-Z0-9]{3}\*?E[A-Z0-9*]{1,30}$/i;

function text(value: string | undefined, field: string, max: number, required: boolean, code: LocationErrorCode): void {
  if (value === undefined || value === '') {
    if (required) throw new LocationError(code, 'is required', field);
    return;
  }
  if (value.length > max) throw new LocationError(code, `must be ${max} characters at most`, field);
}

function oneOf(value: string | undefined, allowed: readonly string[], field: string, code: LocationErrorCode): void {
  if (value !== undefined && value !== '' && !allowed.includes(value)) throw new LocationError(code, `must be one of ${allowed.join(', ')}`, field);
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/') || zone === 'UTC';
  } catch {
    return false;
  }
}

function point(value: GeoPoint | undefined, field: string, code: LocationErrorCode, required: boolean): void {
  if (!value) {
    if (required) throw new LocationError(code, 'is required', field);
    return;
  }
  if (!LATITUDE.test(value.latitude)) throw new LocationError(code, 'must be decimal degrees with 5 to 7 decimals, e.g. "51.047599"', `${field}.latitude`);
  if (!LONGITUDE.test(value.longitude)) throw new LocationError(code, 'must be decimal degrees with 5 to 7 decimals, e.g. "3.729944"', `${field}.longitude`);
}

export function validateLocationData(d: LocationData): void {
  const c: LocationErrorCode = 'INVALID_LOCATION';
  if (!/^[A-Z]{2}$/.test(d.countryCode)) throw new LocationError(c, 'must be 2 capital letters', 'country_code');
  if (!/^[A-Z0-9]{3}$/.test(d.partyId)) throw new LocationError(c, 'must be 3 capital letters or digits', 'party_id');
  text(d.name, 'name', 255, false, c);
  text(d.address, 'address', 45, true, c);
  text(d.city, 'city', 45, true, c);
  text(d.postalCode, 'postal_code', 10, false, c);
  text(d.state, 'state', 20, false, c);
  if (!/^[A-Z]{3}$/.test(d.country)) throw new LocationError(c, 'must be an ISO 3166-1 alpha-3 code, e.g. "NLD"', 'country');
  point(d.coordinates, 'coordinates', c, true);
  oneOf(d.parkingType, PARKING_TYPES, 'parking_type', c);
  for (const [name, business] of [['operator', d.operator], ['suboperator', d.suboperator], ['owner', d.owner]] as const) {
    if (business) text(business.name, `${name}.name`, 100, true, c);
  }
  d.facilities.forEach((f, i) => oneOf(f, FACILITIES, `facilities[${i}]`, c));
  if (!d.timeZone) throw new LocationError(c, 'is required (IANA zone, e.g. "Europe/Amsterdam")', 'time_zone');
  if (!validTimeZone(d.timeZone)) throw new LocationError(c, `"${d.timeZone}" is not an IANA time zone`, 'time_zone');
  if (d.openingTimes !== undefined && typeof d.openingTimes['twentyfourseven'] !== 'boolean') {
    throw new LocationError(c, 'must be an OCPI Hours object with a boolean twentyfourseven', 'opening_times');
  }
}

export function validateEvseData(e: EvseData): void {
  const c: LocationErrorCode = 'INVALID_EVSE';
  if (!e.chargerId || e.chargerId.length > 30) throw new LocationError(c, 'is required (1 to 30 characters)', 'charger_id');
  if (!Number.isInteger(e.evse) || e.evse < 1 || e.evse > 999_999) throw new LocationError(c, 'must be the OCPP EVSE number (1.6: connector number), 1 or more', 'evse');
  if (evseUidFor(e.chargerId, e.evse).length > 36) throw new LocationError(c, 'the evse_uid <charger_id>-<evse> must be 36 characters at most', 'charger_id');
  if (e.evseId !== undefined && e.evseId !== '' && !EMI3_EVSE_ID.test(e.evseId)) throw new LocationError(c, 'must be an eMI3 EVSE id, e.g. "NL*RGT*E12345*1"', 'evse_id');
  if (e.connectors.length === 0) throw new LocationError(c, 'at least one connector is required', 'connectors');
  const ids = new Set<string>();
  e.connectors.forEach((k, i) => {
    const at = `connectors[${i}]`;
    if (!/^[A-Za-z0-9._-]{1,36}$/.test(k.id)) throw new LocationError(c, 'must be 1 to 36 letters, digits, ".", "_" or "-"', `${at}.id`);
    if (ids.has(k.id)) throw new LocationError(c, `duplicate connector id ${k.id}`, `${at}.id`);
    ids.add(k.id);
    if (!Number.isInteger(k.ocppConnectorId) || k.ocppConnectorId < 1) throw new LocationError(c, 'must be the OCPP connector number, 1 or more', `${at}.ocpp_connector_id`);
    if (!CONNECTOR_TYPES.includes(k.standard)) throw new LocationError(c, `must be an OCPI ConnectorType, e.g. IEC_62196_T2`, `${at}.standard`);
    oneOf(k.format, CONNECTOR_FORMATS, `${at}.format`, c);
    if (!k.format) throw new LocationError(c, 'is required', `${at}.format`);
    oneOf(k.powerType, POWER_TYPES, `${at}.power_type`, c);
    if (!k.powerType) throw new LocationError(c, 'is required', `${at}.power_type`);
    for (const [name, value] of [['max_voltage', k.maxVoltage], ['max_amperage', k.maxAmperage]] as const) {
      if (!Number.isInteger(value) || value <= 0) throw new LocationError(c, 'must be a positive integer', `${at}.${name}`);
    }
    if (k.maxElectricPower !== undefined && (!Number.isInteger(k.maxElectricPower) || k.maxElectricPower <= 0)) {
      throw new LocationError(c, 'must be a positive integer (W)', `${at}.max_electric_power`);
    }
    k.tariffIds.forEach((t, j) => text(t, `${at}.tariff_ids[${j}]`, 36, true, c));
  });
  e.capabilities.forEach((v, i) => oneOf(v, CAPABILITIES, `capabilities[${i}]`, c));
  e.parkingRestrictions.forEach((v, i) => oneOf(v, PARKING_RESTRICTIONS, `parking_restrictions[${i}]`, c));
  text(e.floorLevel, 'floor_level', 4, false, c);
  text(e.physicalReference, 'physical_reference', 16, false, c);
  point(e.coordinates, 'coordinates', c, false);
}

function decide(command: LocationCommand, state: LocationState): readonly LocationEvent[] {
  const occurredAt = timestampFromDate(command.now);
  switch (command.type) {
    case 'CreateLocation': {
      if (state.exists) throw new LocationError('LOCATION_EXISTS', `location ${command.locationId} exists`);
      if (!LOCATION_ID.test(command.locationId)) throw new LocationError('INVALID_LOCATION', 'must be 1 to 36 letters, digits or ._:*- (OCPI CiString(36))', 'id');
      validateLocationData(command.details);
      return [domainEvent('LocationCreated', { locationId: command.locationId, occurredAt, details: detailsMessage(command.details), changedBy: command.by })];
    }
    case 'UpdateLocation': {
      requireExists(state);
      validateLocationData(command.details);
      if (sameJson(detailsMessage(command.details), detailsMessage(state.details!))) return [];
      return [domainEvent('LocationUpdated', { locationId: state.locationId, occurredAt, details: detailsMessage(command.details), changedBy: command.by })];
    }
    case 'AttachEvse': {
      requireExists(state);
      validateEvseData(command.evse);
      const uid = evseUidFor(command.evse.chargerId, command.evse.evse);
      const current = state.evses.find((e) => e.uid === uid);
      if (current && sameJson(evseMessage(uid, current), evseMessage(uid, command.evse))) return [];
      return [domainEvent('EvseAttached', { locationId: state.locationId, occurredAt, evse: evseMessage(uid, command.evse), changedBy: command.by })];
    }
    case 'DetachEvse': {
      evseAt(state, command.evseUid);
      return [domainEvent('EvseDetached', { locationId: state.locationId, occurredAt, evseUid: command.evseUid, changedBy: command.by })];
    }
    case 'RecordConnectorStatus': {
      const evse = evseAt(state, command.evseUid);
      const key = keyOf(command.ocppConnectorId);
      const connectorStatus = evseStatusOf(command.status);
      if (evse.connectorStatuses[key] === connectorStatus) return [];
      return [statusChanged(state, evse, command, key, connectorStatus, ocppStatusName(command.status))];
    }
    case 'RecordChargerLink': {
      const evse = evseAt(state, command.evseUid);
      const offline = evse.connectorStatuses[LINK] === 'UNKNOWN';
      if (offline !== command.online) return [];
      return [statusChanged(state, evse, command, LINK, command.online ? 'AVAILABLE' : 'UNKNOWN', command.online ? 'Online' : 'Offline')];
    }
  }
}

/** One connector (or the link) of the EVSE now reports `connectorStatus`; the event carries the EVSE status after it. */
function statusChanged(
  state: LocationState,
  evse: EvseState,
  command: RecordConnectorStatus | RecordChargerLink,
  key: string,
  connectorStatus: EvseStatus,
  ocppStatus: string,
): LocationEvent {
  return domainEvent('EvseStatusChanged', {
    locationId: state.locationId,
    occurredAt: timestampFromDate(command.now),
    evseUid: evse.uid,
    status: statusOf({ ...evse.connectorStatuses, [key]: connectorStatus }),
    ocppStatus,
    sourceEventId: command.sourceEventId,
    ocppConnectorId: key === LINK ? -1 : Number(key),
    connectorStatus,
  });
}

/**
 * An offline charger's EVSEs are UNKNOWN; connector 0 (the whole 1.6 charger) overrides only when it takes the
 * charger out of service; otherwise the connectors combine.
 */
function statusOf(statuses: Readonly<Record<string, EvseStatus>>): EvseStatus {
  if (statuses[LINK] === 'UNKNOWN') return 'UNKNOWN';
  const whole = statuses['0'];
  if (whole === 'INOPERATIVE' || whole === 'OUTOFORDER') return whole;
  const own = Object.entries(statuses).filter(([k]) => k !== '0' && k !== LINK).map(([, v]) => v);
  return own.length ? combinedEvseStatus(own) : (whole ?? 'UNKNOWN');
}

function requireExists(state: LocationState): void {
  if (!state.exists) throw new LocationError('UNKNOWN_LOCATION', 'unknown location');
}

function evseAt(state: LocationState, uid: string): EvseState {
  requireExists(state);
  const evse = state.evses.find((e) => e.uid === uid);
  if (!evse) throw new LocationError('UNKNOWN_EVSE', `EVSE ${uid} is not at location ${state.locationId}`);
  return evse;
}

function evolve(state: LocationState, event: LocationEvent): LocationState {
  const at = event.data.occurredAt ? timestampDate(event.data.occurredAt).toISOString() : state.lastUpdated;
  switch (event.type) {
    case 'LocationCreated':
      return { ...initialLocationState(), exists: true, locationId: event.data.locationId, details: detailsOf(event.data.details), detailsUpdated: at, lastUpdated: at };
    case 'LocationUpdated':
      return { ...state, details: detailsOf(event.data.details), detailsUpdated: at, lastUpdated: at };
    case 'EvseAttached': {
      const data = evseDataOf(event.data.evse);
      const uid = event.data.evse?.uid ?? evseUidFor(data.chargerId, data.evse);
      const current = state.evses.find((e) => e.uid === uid);
      const connectorsUpdated = Object.fromEntries(
        data.connectors.map((k) => {
          const before = current?.connectors.find((c) => c.id === k.id);
          const unchanged = before && sameJson(before, k);
          return [k.id, unchanged ? (current!.connectorsUpdated[k.id] ?? at) : at];
        }),
      );
      const next: EvseState = {
        ...data,
        uid,
        status: current?.status ?? 'UNKNOWN',
        connectorStatuses: current?.connectorStatuses ?? {},
        lastUpdated: at,
        connectorsUpdated,
      };
      const evses = current ? state.evses.map((e) => (e.uid === uid ? next : e)) : [...state.evses, next];
      return { ...state, evses, lastUpdated: at };
    }
    case 'EvseDetached':
      return { ...state, evses: state.evses.filter((e) => e.uid !== event.data.evseUid), lastUpdated: at };
    case 'EvseStatusChanged': {
      const d = event.data;
      const evses = state.evses.map((e) => {
        if (e.uid !== d.evseUid) return e;
        const connectorStatuses = { ...e.connectorStatuses, [keyOf(d.ocppConnectorId)]: (d.connectorStatus || d.status) as EvseStatus };
        return { ...e, connectorStatuses, status: d.status as EvseStatus, lastUpdated: d.status === e.status ? e.lastUpdated : at };
      });
      const changed = evses.some((e, i) => e.status !== state.evses[i]!.status);
      return { ...state, evses, lastUpdated: changed ? at : state.lastUpdated };
    }
  }
}

export const locationDecider = { decide, evolve, initialState: initialLocationState };

const sameJson = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

const business = (b: Business | undefined) => (b ? { name: b.name, website: b.website ?? '' } : undefined);
const businessOf = (b: { name: string; website: string } | undefined): Business | undefined =>
  b ? { name: b.name, ...(b.website ? { website: b.website } : {}) } : undefined;

function detailsMessage(d: LocationData) {
  return {
    countryCode: d.countryCode,
    partyId: d.partyId,
    publish: d.publish,
    name: d.name ?? '',
    address: d.address,
    city: d.city,
    postalCode: d.postalCode ?? '',
    state: d.state ?? '',
    country: d.country,
    coordinates: { latitude: d.coordinates.latitude, longitude: d.coordinates.longitude },
    parkingType: d.parkingType ?? '',
    operator: business(d.operator),
    suboperator: business(d.suboperator),
    owner: business(d.owner),
    timeZone: d.timeZone,
    openingTimesJson: d.openingTimes ? JSON.stringify(d.openingTimes) : '',
    facilities: [...d.facilities],
    chargingWhenClosed: d.chargingWhenClosed ?? false,
  };
}

function detailsOf(m: LocationDetails | undefined): LocationData {
  if (!m) throw new LocationError('INVALID_LOCATION', 'event without details');
  return {
    countryCode: m.countryCode,
    partyId: m.partyId,
    publish: m.publish,
    ...(m.name ? { name: m.name } : {}),
    address: m.address,
    city: m.city,
    ...(m.postalCode ? { postalCode: m.postalCode } : {}),
    ...(m.state ? { state: m.state } : {}),
    country: m.country,
    coordinates: { latitude: m.coordinates?.latitude ?? '', longitude: m.coordinates?.longitude ?? '' },
    ...(m.parkingType ? { parkingType: m.parkingType } : {}),
    ...(m.operator ? { operator: businessOf(m.operator)! } : {}),
    ...(m.suboperator ? { suboperator: businessOf(m.suboperator)! } : {}),
    ...(m.owner ? { owner: businessOf(m.owner)! } : {}),
    facilities: [...m.facilities],
    timeZone: m.timeZone,
    ...(m.openingTimesJson ? { openingTimes: JSON.parse(m.openingTimesJson) as Record<string, unknown> } : {}),
    ...(m.chargingWhenClosed ? { chargingWhenClosed: true } : {}),
  };
}

/** The connector fields the event and the state share as they are. */
const connectorCore = (k: Omit<ConnectorData, 'maxElectricPower' | 'termsAndConditions'>) => ({
  id: k.id,
  ocppConnectorId: k.ocppConnectorId,
  standard: k.standard,
  format: k.format,
  powerType: k.powerType,
  maxVoltage: k.maxVoltage,
  maxAmperage: k.maxAmperage,
  tariffIds: [...k.tariffIds],
});

function evseMessage(uid: string, e: EvseData) {
  return {
    uid,
    evseId: e.evseId ?? '',
    chargerId: e.chargerId,
    evse: e.evse,
    connectors: e.connectors.map((k) => ({ ...connectorCore(k), maxElectricPower: k.maxElectricPower ?? 0, termsAndConditions: k.termsAndConditions ?? '' })),
    capabilities: [...e.capabilities],
    floorLevel: e.floorLevel ?? '',
    coordinates: e.coordinates ? { latitude: e.coordinates.latitude, longitude: e.coordinates.longitude } : undefined,
    physicalReference: e.physicalReference ?? '',
    parkingRestrictions: [...e.parkingRestrictions],
  };
}

function evseDataOf(m: EvseDetails | undefined): EvseData {
  if (!m) throw new LocationError('INVALID_EVSE', 'event without an EVSE');
  return {
    chargerId: m.chargerId,
    evse: m.evse,
    ...(m.evseId ? { evseId: m.evseId } : {}),
    connectors: m.connectors.map((k) => ({
      ...connectorCore(k),
      ...(k.maxElectricPower ? { maxElectricPower: k.maxElectricPower } : {}),
      ...(k.termsAndConditions ? { termsAndConditions: k.termsAndConditions } : {}),
    })),
    capabilities: [...m.capabilities],
    ...(m.floorLevel ? { floorLevel: m.floorLevel } : {}),
    ...(m.coordinates ? { coordinates: { latitude: m.coordinates.latitude, longitude: m.coordinates.longitude } } : {}),
    ...(m.physicalReference ? { physicalReference: m.physicalReference } : {}),
    parkingRestrictions: [...m.parkingRestrictions],
  };
}
