import { invalid } from '@roamgate/runtime';

/** Partner ids as the OCPI connector names them: COUNTRY-PARTY, e.g. NL-EMS. The generic API input checks live in @roamgate/runtime. */
export function partnerId(value: unknown, field = 'partner'): string {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'is required (the partner id, e.g. NL-EMS)');
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(value)) throw invalid(field, `must be letters, digits, '-', '_' or '.', at most 64, got "${value}"`);
  return value.toUpperCase();
}
