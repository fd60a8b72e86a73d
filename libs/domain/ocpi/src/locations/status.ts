import { ConnectorStatus } from '@roamgate/contracts';

export const EVSE_STATUSES = ['AVAILABLE', 'BLOCKED', 'CHARGING', 'INOPERATIVE', 'OUTOFORDER', 'PLANNED', 'REMOVED', 'RESERVED', 'UNKNOWN'] as const;
export type EvseStatus = (typeof EVSE_STATUSES)[number];

/**
 * OCPP connector status (1.6 ChargePointStatus, 2.0.1 ConnectorStatusEnumType) to OCPI EVSE Status
 * (mod_locations, Status enum). OCPI's CHARGING means "in use": a driver has the EVSE from Preparing (plugged in or
 * authorized) until the cable is taken out (Finishing ends when it is), so every state in between is CHARGING.
 * Occupied (2.0.1) is the same "in use". Unavailable is INOPERATIVE (switched off on purpose), Faulted OUTOFORDER.
 */
export function evseStatusOf(status: ConnectorStatus): EvseStatus {
  switch (status) {
    case ConnectorStatus.AVAILABLE:
      return 'AVAILABLE';
    case ConnectorStatus.PREPARING:
    case ConnectorStatus.CHARGING:
    case ConnectorStatus.SUSPENDED_EV:
    case ConnectorStatus.SUSPENDED_EVSE:
    case ConnectorStatus.FINISHING:
    case ConnectorStatus.OCCUPIED:
      return 'CHARGING';
    case ConnectorStatus.RESERVED:
      return 'RESERVED';
    case ConnectorStatus.UNAVAILABLE:
      return 'INOPERATIVE';
    case ConnectorStatus.FAULTED:
      return 'OUTOFORDER';
    default:
      return 'UNKNOWN';
  }
}

const OCPP_NAMES: Record<number, string> = {
  [ConnectorStatus.AVAILABLE]: 'Available',
  [ConnectorStatus.PREPARING]: 'Preparing',
  [ConnectorStatus.CHARGING]: 'Charging',
  [ConnectorStatus.SUSPENDED_EV]: 'SuspendedEV',
  [ConnectorStatus.SUSPENDED_EVSE]: 'SuspendedEVSE',
  [ConnectorStatus.FINISHING]: 'Finishing',
  [ConnectorStatus.RESERVED]: 'Reserved',
  [ConnectorStatus.UNAVAILABLE]: 'Unavailable',
  [ConnectorStatus.FAULTED]: 'Faulted',
  [ConnectorStatus.OCCUPIED]: 'Occupied',
};

export const ocppStatusName = (status: ConnectorStatus): string => OCPP_NAMES[status] ?? 'Unknown';

/** An EVSE of several connectors (2.0.1) takes the status of its busiest connector: one in use makes the EVSE in use. */
const PRECEDENCE: readonly EvseStatus[] = ['CHARGING', 'RESERVED', 'BLOCKED', 'AVAILABLE', 'INOPERATIVE', 'OUTOFORDER', 'PLANNED', 'UNKNOWN', 'REMOVED'];

export function combinedEvseStatus(connectorStatuses: readonly EvseStatus[]): EvseStatus {
  if (connectorStatuses.length === 0) return 'UNKNOWN';
  return [...connectorStatuses].sort((a, b) => PRECEDENCE.indexOf(a) - PRECEDENCE.indexOf(b))[0]!;
}
