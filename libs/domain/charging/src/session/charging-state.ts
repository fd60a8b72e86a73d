import { ChargingState, ConnectorStatus } from '@roamgate/contracts';
import { activePowerW, byTimestamp, isAbove, type MeterReading } from './meter.js';

/**
 * OCPP 1.6 has no charging state: during a transaction it follows the connector status.
 * Faulted, Unavailable and Reserved say nothing about the EV, so they give no state.
 */
export function chargingStateFromConnectorStatus(status: ConnectorStatus): ChargingState | undefined {
  switch (status) {
    case ConnectorStatus.CHARGING:
      return ChargingState.CHARGING;
    case ConnectorStatus.SUSPENDED_EV:
      return ChargingState.SUSPENDED_EV;
    case ConnectorStatus.SUSPENDED_EVSE:
      return ChargingState.SUSPENDED_EVSE;
    case ConnectorStatus.PREPARING:
    case ConnectorStatus.FINISHING:
    case ConnectorStatus.OCCUPIED:
      return ChargingState.EV_CONNECTED;
    case ConnectorStatus.AVAILABLE:
      return ChargingState.IDLE;
    default:
      return undefined;
  }
}

/** Default power above which the EV counts as charging: below it a charger's own draw and meter noise. */
export const DEFAULT_CHARGING_POWER_THRESHOLD_W = '50';

/**
 * For chargers whose status stays "Charging" while the EV draws nothing: the latest active power reading
 * decides between charging and suspended by the EV. No power measurand gives no state.
 */
export function chargingStateFromPower(
  readings: readonly MeterReading[],
  thresholdW: string = DEFAULT_CHARGING_POWER_THRESHOLD_W,
): { readonly state: ChargingState; readonly at: Date } | undefined {
  const latestFirst = [...readings].sort(byTimestamp).reverse();
  for (const reading of latestFirst) {
    const power = activePowerW(reading);
    if (power === undefined) continue;
    return { state: isAbove(power, thresholdW) ? ChargingState.CHARGING : ChargingState.SUSPENDED_EV, at: reading.timestamp };
  }
  return undefined;
}

/** Whether the time in this state is billed as charging time (the rest of a session is parking time). */
export function isCharging(state: ChargingState): boolean {
  return state === ChargingState.CHARGING;
}
