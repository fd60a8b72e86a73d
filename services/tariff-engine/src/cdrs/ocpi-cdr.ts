import { formatOcpiDateTime, parseTariff, priceCdr, priceSession, type CdrTotals, type ChargingPeriod, type Price, type Tariff } from '@roamgate/domain-tariffs';
import { scaleDecimal, subtractDecimals } from '@roamgate/domain-charging';
import { timelineOf, type AuthMethod, type SessionFacts, type TimelineOptions } from './session-timeline';

/** OCPI 2.2.1 TokenType. */
export type OcpiTokenType = 'AD_HOC_USER' | 'APP_USER' | 'OTHER' | 'RFID';

/** OCPI 2.2.1 CdrToken. */
export interface CdrToken {
  readonly country_code: string;
  readonly party_id: string;
  readonly uid: string;
  readonly type: OcpiTokenType;
  readonly contract_id: string;
}

/**
 * OCPI 2.2.1 CdrLocation. Address, city, country, coordinates, evse_id and the connector's standard, format and power
 * type come from the location master data (EvsePlace); an EVSE attached to no location has only the three ids.
 */
export interface CdrLocation {
  readonly id: string;
  readonly name?: string;
  readonly address?: string;
  readonly city?: string;
  readonly postal_code?: string;
  readonly state?: string;
  readonly country?: string;
  readonly coordinates?: { readonly latitude: string; readonly longitude: string };
  readonly evse_uid: string;
  readonly evse_id?: string;
  readonly connector_id: string;
  readonly connector_standard?: string;
  readonly connector_format?: string;
  readonly connector_power_type?: string;
  readonly [field: string]: unknown;
}

/** The location master data of an EVSE (stream location-<id>): its site, and the EVSE with its connectors. */
export interface EvsePlace {
  readonly site: {
    readonly name: string;
    readonly address: string;
    readonly city: string;
    readonly postalCode: string;
    readonly state: string;
    readonly country: string;
    readonly latitude: string;
    readonly longitude: string;
    /** IANA zone: tariff times are local to it. */
    readonly timeZone: string;
  };
  readonly evse: {
    readonly uid: string;
    readonly locationId: string;
    readonly evseId: string;
    readonly connectors: readonly { readonly id: string; readonly ocppConnectorId: number; readonly standard: string; readonly format: string; readonly powerType: string }[];
  };
}

/** OCPI 2.2.1 CDR object, fields in the order of the spec's table. */
export interface OcpiCdr {
  readonly country_code: string;
  readonly party_id: string;
  readonly id: string;
  readonly start_date_time: string;
  readonly end_date_time: string;
  readonly session_id: string;
  readonly cdr_token: CdrToken;
  readonly auth_method: AuthMethod;
  readonly authorization_reference?: string;
  readonly cdr_location: CdrLocation;
  readonly currency: string;
  readonly tariffs: readonly Tariff[];
  readonly charging_periods: readonly ChargingPeriod[];
  readonly total_cost: Price;
  readonly total_fixed_cost: Price;
  readonly total_energy: number;
  readonly total_energy_cost: Price;
  readonly total_time: number;
  readonly total_time_cost: Price;
  readonly total_parking_time: number;
  readonly total_parking_cost: Price;
  readonly total_reservation_cost: Price;
  readonly last_updated: string;
}

/** Where the session took place in OCPI terms: from the OCPI START_SESSION that began it, else from the charger. */
export interface LocationFacts {
  readonly locationId: string;
  readonly evseUid: string;
  readonly connectorId: string;
}

export interface CdrInput {
  readonly cdrId: string;
  readonly facts: SessionFacts;
  /** The tariff version that prices the session: the one in force at its start. */
  readonly tariff: Tariff;
  /** IANA zone of the location, for the tariff's time and day restrictions. */
  readonly timeZone: string;
  readonly location: LocationFacts;
  /** The EVSE's location master data; absent when the EVSE is attached to no location (cdr_location has its ids only). */
  readonly place?: EvsePlace;
  /** CDR last_updated: when it was issued. */
  readonly issuedAt: Date;
  readonly timelineOptions?: TimelineOptions;
}

export interface ComposedCdr {
  readonly cdr: OcpiCdr;
  readonly totals: CdrTotals;
  /** The session's anomalies and the issuer's own, for the reconciler. */
  readonly anomalies: readonly string[];
}

const PARTNER_PARTY = /^([A-Za-z]{2})-([A-Za-z0-9]{3})$/;

function tokenTypeOf(type: string): OcpiTokenType {
  switch (type.toUpperCase()) {
    case 'RFID':
    case 'ISO14443':
    case 'ISO15693':
      return 'RFID';
    case 'APP_USER':
      return 'APP_USER';
    case 'AD_HOC_USER':
      return 'AD_HOC_USER';
    default:
      return 'OTHER';
  }
}

/**
 * The token as the session knows it. A partner's token names the partner's party (partner ids are
 * "<country_code>-<party_id>"); a local token the CPO's own. contract_id is the uid until the ocpi-connector,
 * which holds the partner's Token objects, replaces it.
 */
function cdrTokenOf(facts: SessionFacts, cpo: { country_code: string; party_id: string }): CdrToken {
  const token = facts.state.idToken;
  const party = PARTNER_PARTY.exec(facts.partnerId);
  const uid = token?.id ?? '';
  return {
    country_code: party ? party[1]!.toUpperCase() : cpo.country_code,
    party_id: party ? party[2]!.toUpperCase() : cpo.party_id,
    uid,
    type: tokenTypeOf(token?.type ?? ''),
    contract_id: uid,
  };
}

/** A session that ended where it started (or before) still gets one period: what its register says, no time. */
function instantPeriods(tariff: Tariff, start: Date, meterStartWh: string | undefined, meterStopWh: string | undefined): ChargingPeriod[] {
  const wh = meterStartWh !== undefined && meterStopWh !== undefined ? subtractDecimals(meterStopWh, meterStartWh) : '0';
  const kwh = Math.round(Number(scaleDecimal(wh, 1))) / 10_000;
  return [
    {
      start_date_time: formatOcpiDateTime(start.getTime()),
      dimensions: [
        { type: 'ENERGY', volume: kwh },
        { type: 'TIME', volume: 0 },
      ],
      tariff_id: tariff.id,
    },
  ];
}

/**
 * cdr_location from the master data: the location the EVSE is attached to (it wins over the id a START_SESSION named),
 * the connector the session ran on (by its OCPP number, else by the OCPI connector id). evse_id is required in a
 * CdrLocation but optional on an EVSE: without one, the EVSE uid stands in.
 */
export function cdrLocationOf(location: LocationFacts, place: EvsePlace | undefined, ocppConnectorId: number): CdrLocation {
  if (place === undefined) return { id: location.locationId, evse_uid: location.evseUid, connector_id: location.connectorId };
  const { site, evse } = place;
  const connector =
    evse.connectors.find((c) => c.ocppConnectorId === ocppConnectorId) ??
    evse.connectors.find((c) => c.id === location.connectorId) ??
    (evse.connectors.length === 1 ? evse.connectors[0] : undefined);
  return {
    id: evse.locationId,
    ...(site.name === '' ? {} : { name: site.name }),
    address: site.address,
    city: site.city,
    ...(site.postalCode === '' ? {} : { postal_code: site.postalCode }),
    ...(site.state === '' ? {} : { state: site.state }),
    country: site.country,
    coordinates: { latitude: site.latitude, longitude: site.longitude },
    evse_uid: evse.uid,
    evse_id: evse.evseId === '' ? evse.uid : evse.evseId,
    connector_id: connector?.id ?? location.connectorId,
    ...(connector === undefined ? {} : { connector_standard: connector.standard, connector_format: connector.format, connector_power_type: connector.powerType }),
  };
}

/**
 * The OCPI 2.2.1 CDR of a finished session under the tariff in force at its start: charging periods that
 * change whenever the active price component changes, priced as mod_tariffs says, with all totals. Pure:
 * issuing and replay both come here, so a replay that differs points at its inputs, never at two code paths.
 */
export function composeCdr(input: CdrInput): ComposedCdr {
  const { facts, timeZone } = input;
  const { state } = facts;
  // A tariff the book hands over is checked like one from a file: an invalid one must not price a CDR.
  const tariff = parseTariff(input.tariff);
  const { timeline, initiallyCharging, anomalies } = timelineOf(facts, input.timelineOptions);
  const start = new Date(timeline.startDateTime);
  const end = new Date(timeline.endDateTime);
  let priced: { chargingPeriods: ChargingPeriod[]; totals: CdrTotals };
  if (end.getTime() > start.getTime()) {
    priced = priceSession(tariff, timeline, { timeZone, initiallyCharging });
  } else {
    const chargingPeriods = instantPeriods(tariff, start, timeline.meterStartWh?.toString(), timeline.meterStopWh?.toString());
    priced = { chargingPeriods, totals: priceCdr(tariff, { chargingPeriods, startDateTime: start, endDateTime: end, timeZone }) };
  }
  const { totals } = priced;
  const cpo = { country_code: tariff.country_code, party_id: tariff.party_id };
  const cdr: OcpiCdr = {
    ...cpo,
    id: input.cdrId,
    start_date_time: formatOcpiDateTime(start.getTime()),
    end_date_time: formatOcpiDateTime(end.getTime()),
    session_id: state.sessionId,
    cdr_token: cdrTokenOf(facts, cpo),
    auth_method: facts.authMethod,
    ...(facts.authorizationReference === '' ? {} : { authorization_reference: facts.authorizationReference }),
    cdr_location: cdrLocationOf(input.location, input.place, state.connectorId),
    currency: tariff.currency,
    tariffs: [tariff],
    charging_periods: priced.chargingPeriods,
    total_cost: totals.total_cost,
    total_fixed_cost: totals.total_fixed_cost,
    total_energy: totals.total_energy,
    total_energy_cost: totals.total_energy_cost,
    total_time: totals.total_time,
    total_time_cost: totals.total_time_cost,
    total_parking_time: totals.total_parking_time,
    total_parking_cost: totals.total_parking_cost,
    total_reservation_cost: totals.total_reservation_cost,
    last_updated: formatOcpiDateTime(input.issuedAt.getTime()),
  };
  return { cdr, totals, anomalies: [...new Set([...state.anomalies, ...anomalies])] };
}
