import { OcppVersion, timestampDate, type Timestamp } from '@roamgate/contracts';
import type { Protocol } from './documents';

/** The name of a generated enum value (`ConnectorStatus.CHARGING` -> "CHARGING"); null for UNSPECIFIED. */
export function label(enumObject: Readonly<Record<number, string>>, value: number): string | null {
  if (value === 0) return null;
  return enumObject[value] ?? String(value);
}

export function protocolLabel(version: OcppVersion): Protocol | null {
  if (version === OcppVersion.OCPP_VERSION_1_6) return 'ocpp1.6';
  if (version === OcppVersion.OCPP_VERSION_2_0_1) return 'ocpp2.0.1';
  return null;
}

export function iso(value: Timestamp | undefined): string | null {
  return value === undefined ? null : timestampDate(value).toISOString();
}

export const orNull = (text: string): string | null => (text === '' ? null : text);

/** The later of two ISO instants; all of them come from Date.toISOString, so text order is time order. */
export function laterIso(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return a >= b ? a : b;
}
