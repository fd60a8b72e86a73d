import { OcpiError } from './status';

export interface PartyAddress {
  readonly countryCode: string;
  readonly partyId: string;
}

export interface RoutingHeaders {
  readonly from?: PartyAddress;
  readonly to?: PartyAddress;
}

export const ROUTING_HEADERS = {
  fromCountryCode: 'ocpi-from-country-code',
  fromPartyId: 'ocpi-from-party-id',
  toCountryCode: 'ocpi-to-country-code',
  toPartyId: 'ocpi-to-party-id',
} as const;

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) throw OcpiError.invalid(`${name}: must be given once`);
  return value === undefined || value === '' ? undefined : value.trim();
}

function address(headers: Headers, side: 'from' | 'to'): PartyAddress | undefined {
  const countryName = side === 'from' ? ROUTING_HEADERS.fromCountryCode : ROUTING_HEADERS.toCountryCode;
  const partyName = side === 'from' ? ROUTING_HEADERS.fromPartyId : ROUTING_HEADERS.toPartyId;
  const countryCode = header(headers, countryName);
  const partyId = header(headers, partyName);
  if (countryCode === undefined && partyId === undefined) return undefined;
  if (countryCode === undefined || partyId === undefined) {
    throw OcpiError.invalid(`${countryCode === undefined ? countryName : partyName}: required together with ${countryCode === undefined ? partyName : countryName}`);
  }
  if (!/^[A-Za-z]{2}$/.test(countryCode)) throw OcpiError.invalid(`${countryName}: must be a CiString(2) country code, got "${countryCode}"`);
  if (!/^[A-Za-z0-9]{3}$/.test(partyId)) throw OcpiError.invalid(`${partyName}: must be a CiString(3) party id, got "${partyId}"`);
  return { countryCode: countryCode.toUpperCase(), partyId: partyId.toUpperCase() };
}

/** OCPI-from/to-country-code and -party-id (transport_and_format, message routing); CiStrings compare case-insensitively. */
export function parseRoutingHeaders(headers: Headers): RoutingHeaders {
  const from = address(headers, 'from');
  const to = address(headers, 'to');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

export const sameParty = (a: PartyAddress, b: PartyAddress): boolean =>
  a.countryCode.toUpperCase() === b.countryCode.toUpperCase() && a.partyId.toUpperCase() === b.partyId.toUpperCase();

export function routingHeaderValues(routing: RoutingHeaders): Record<string, string> {
  return {
    ...(routing.from ? { [ROUTING_HEADERS.fromCountryCode]: routing.from.countryCode, [ROUTING_HEADERS.fromPartyId]: routing.from.partyId } : {}),
    ...(routing.to ? { [ROUTING_HEADERS.toCountryCode]: routing.to.countryCode, [ROUTING_HEADERS.toPartyId]: routing.to.partyId } : {}),
  };
}
