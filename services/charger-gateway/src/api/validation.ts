import { invalid } from '@roamgate/runtime';

/**
 * The identity is the last segment of the OCPP-J URL and the HTTP Basic username, which ends at the
 * first ':'; OCPP 2.0.1 caps it at 48 characters (identityString). The generic API input checks live in
 * @roamgate/runtime (objectBody, optionalString, paging, queryChoice, ...).
 */
export function chargerIdentity(value: unknown, field = 'id'): string {
  if (typeof value !== 'string' || value === '') throw invalid(field, 'is required (the OCPP charge point identity)');
  if (value.length > 48) throw invalid(field, `must be at most 48 characters, got ${value.length}`);
  if (/[:/]/.test(value)) throw invalid(field, `must not contain ':' or '/', got "${value}"`);
  if (/[\s\p{Cc}]/u.test(value)) throw invalid(field, 'must not contain whitespace or control characters');
  return value;
}
