import { OcppVersion } from '@roamgate/contracts';
import type { EventStore } from '@roamgate/event-store';

/**
 * THE mapping between OCPI addresses and chargers, until an OCPI location model exists:
 * - evse_uid     = `<chargerId>-<evseId>`: the charger id, a dash, the OCPP EVSE number (1.6: the connector number).
 *                  Charger ids may contain dashes; the EVSE number is what follows the last one.
 * - location_id  = the locationId the charger was registered with, or the charger id when it has none.
 * - connector_id = the OCPP connector number in decimal ("1"); 1.6 chargers have one connector per EVSE, so the
 *                  OCPP connectorId sent to a 1.6 charger is the EVSE number.
 * A START_SESSION without evse_uid needs a location that is one charger (its id, or its registered location);
 * the charger then picks the EVSE.
 */
export interface EvseAddress {
  readonly chargerId: string;
  readonly evseId: number;
}

export function evseUidOf(chargerId: string, evseId: number): string {
  return `${chargerId}-${evseId}`;
}

export function parseEvseUid(evseUid: string): EvseAddress | undefined {
  const dash = evseUid.lastIndexOf('-');
  if (dash <= 0) return undefined;
  const number = evseUid.slice(dash + 1);
  if (!/^[1-9]\d{0,5}$/.test(number)) return undefined;
  return { chargerId: evseUid.slice(0, dash), evseId: Number(number) };
}

export function locationIdOf(charger: ChargerFacts): string {
  return charger.locationId || charger.chargerId;
}

export interface ChargerFacts {
  readonly chargerId: string;
  readonly locationId: string;
  readonly protocol: OcppVersion;
}

/** The OCPP place a command addresses. */
export interface OcppTarget {
  readonly chargerId: string;
  readonly evseId: number;
  readonly connectorId: number;
}

export type Resolution = { readonly target: OcppTarget } | { readonly rejected: string };

/** Resolves location_id / evse_uid / connector_id to a charger place, or says why it cannot. */
export function resolveTarget(
  charger: ChargerFacts | undefined,
  request: { readonly locationId: string; readonly evseUid?: string; readonly connectorId?: string },
  evseRequired: boolean,
): Resolution {
  const evse = request.evseUid === undefined ? undefined : parseEvseUid(request.evseUid);
  if (request.evseUid !== undefined && !evse) return { rejected: `unknown EVSE ${request.evseUid}: EVSE uids are <charger id>-<EVSE number>` };
  if (evseRequired && !evse) return { rejected: 'evse_uid is required' };
  if (!charger) return { rejected: evse ? `unknown EVSE ${request.evseUid}` : `unknown location ${request.locationId}` };
  if (locationIdOf(charger) !== request.locationId) {
    return { rejected: evse ? `EVSE ${request.evseUid} is not at location ${request.locationId}` : `unknown location ${request.locationId}` };
  }
  let connectorId = 0;
  if (request.connectorId !== undefined) {
    if (!/^[1-9]\d{0,5}$/.test(request.connectorId)) return { rejected: `unknown connector ${request.connectorId}: connector ids are OCPP connector numbers` };
    connectorId = Number(request.connectorId);
  }
  const evseId = evse?.evseId ?? 0;
  if (charger.protocol === OcppVersion.OCPP_VERSION_1_6) {
    if (evse && connectorId > 1) return { rejected: `unknown connector ${request.connectorId} of EVSE ${request.evseUid}: a 1.6 EVSE has connector 1` };
    return { target: { chargerId: charger.chargerId, evseId, connectorId: evseId } };
  }
  return { target: { chargerId: charger.chargerId, evseId, connectorId: evse ? connectorId : 0 } };
}

/**
 * What the connector needs of a charger, read from the charger's stream in the shared store (the connector never
 * asks the gateway): registered at all, its location, the protocol of its last boot.
 */
export async function chargerFacts(store: EventStore, chargerId: string): Promise<ChargerFacts | undefined> {
  const events = await store.readStream(`charger-${chargerId}`);
  let registered = false;
  let locationId = '';
  let protocol = OcppVersion.OCPP_VERSION_UNSPECIFIED;
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    if (event.type === 'ChargerRegistered') {
      registered = true;
      locationId = String(data['locationId'] ?? '');
    } else if (event.type === 'ChargerBooted' || event.type === 'ChargerConnected') {
      protocol = protocolOf(data['protocol']);
    }
  }
  return registered ? { chargerId, locationId, protocol } : undefined;
}

/** The charger an OCPI address names: evse_uid first, else the location as a charger id. */
export async function chargerOfAddress(store: EventStore, locationId: string, evseUid: string | undefined): Promise<ChargerFacts | undefined> {
  const evse = evseUid === undefined ? undefined : parseEvseUid(evseUid);
  return chargerFacts(store, evse ? evse.chargerId : locationId);
}

function protocolOf(value: unknown): OcppVersion {
  if (value === 'OCPP_VERSION_1_6' || value === OcppVersion.OCPP_VERSION_1_6) return OcppVersion.OCPP_VERSION_1_6;
  if (value === 'OCPP_VERSION_2_0_1' || value === OcppVersion.OCPP_VERSION_2_0_1) return OcppVersion.OCPP_VERSION_2_0_1;
  return OcppVersion.OCPP_VERSION_UNSPECIFIED;
}
