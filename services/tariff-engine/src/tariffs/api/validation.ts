import { invalid } from '@roamgate/runtime';

/** OCPI CiString(36), as the tariff id in the path must be. The generic API input checks live in @roamgate/runtime. */
export function tariffIdOf(value: string): string {
  if (value.length === 0 || value.length > 36 || !/^[\x20-\x7e]+$/.test(value)) {
    throw invalid('id', `expected 1 to 36 printable ASCII characters (OCPI Tariff.id), got "${value}"`);
  }
  return value;
}
