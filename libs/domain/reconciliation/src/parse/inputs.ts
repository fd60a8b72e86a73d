import { ZoneClock } from '@roamgate/domain-tariffs';
import { microOf } from '../decimal.js';
import type { OurCdr, ParseError, PartnerField, PartnerProfile } from '../model.js';
import { batched, type Batched } from '../batches.js';
import { JsonLinesSplitter, type JsonItem } from './json.js';
import { PARTNER_FIELDS, REQUIRED_PARTNER_FIELDS } from './partner-records.js';

export type Validated<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly errors: string[] };

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const nonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A partner profile (mapping.json) checked field by field; errors name the field path. */
export function validatePartnerProfile(input: unknown): Validated<PartnerProfile> {
  const errors: string[] = [];
  if (!isRecord(input)) return { ok: false, errors: ['profile: expected an object with partnerId, format, mapping, tolerances'] };
  if (typeof input['partnerId'] !== 'string' || input['partnerId'].length === 0) errors.push('partnerId: expected a non-empty string');
  if (!['csv', 'json', 'jsonl'].includes(input['format'] as string)) errors.push('format: expected "csv", "json" or "jsonl"');
  if (input['windowS'] !== undefined && !(nonNegative(input['windowS']) && input['windowS'] > 0)) errors.push('windowS: expected seconds > 0');
  const tolerances = input['tolerances'];
  if (!isRecord(tolerances)) errors.push('tolerances: expected {amountMinor, energyWh, timeS}');
  else for (const key of ['amountMinor', 'energyWh', 'timeS']) if (!nonNegative(tolerances[key])) errors.push(`tolerances.${key}: expected a number >= 0`);
  const mapping = input['mapping'];
  if (!isRecord(mapping)) errors.push('mapping: expected an object with fields');
  else {
    const fields = mapping['fields'];
    if (!isRecord(fields)) errors.push('mapping.fields: expected an object naming a column or JSON path per field');
    else {
      for (const [key, value] of Object.entries(fields)) {
        if (!PARTNER_FIELDS.includes(key as PartnerField)) errors.push(`mapping.fields.${key}: unknown field; known: ${PARTNER_FIELDS.join(', ')}`);
        else if (typeof value !== 'string' || value.length === 0) errors.push(`mapping.fields.${key}: expected a column name or JSON path`);
      }
      for (const key of REQUIRED_PARTNER_FIELDS) if (fields[key] === undefined) errors.push(`mapping.fields.${key}: required`);
      if (fields['currency'] === undefined && typeof mapping['currency'] !== 'string') errors.push('mapping.currency: required when mapping.fields.currency is absent');
      if (fields['cdrId'] === undefined && fields['sessionId'] === undefined && fields['authorizationReference'] === undefined && (fields['evseUid'] === undefined || fields['tokenUid'] === undefined)) {
        errors.push('mapping.fields: map at least one id (cdrId, sessionId, authorizationReference) or both evseUid and tokenUid');
      }
    }
    const delimiter = mapping['delimiter'];
    if (delimiter !== undefined && (typeof delimiter !== 'string' || delimiter.length !== 1 || '"\r\n'.includes(delimiter))) errors.push('mapping.delimiter: expected one character other than a quote or line break');
    const recordsPath = mapping['recordsPath'];
    if (recordsPath !== undefined && (typeof recordsPath !== 'string' || recordsPath.split('.').some((part) => part === ''))) errors.push('mapping.recordsPath: expected dotted member names such as "records" or "data.cdrs"');
    if (mapping['decimalSeparator'] !== undefined && !['.', ','].includes(mapping['decimalSeparator'] as string)) errors.push('mapping.decimalSeparator: expected "." or ","');
    if (mapping['thousandsSeparator'] !== undefined && typeof mapping['thousandsSeparator'] !== 'string') errors.push('mapping.thousandsSeparator: expected a string');
    if (mapping['energyUnit'] !== undefined && !['kWh', 'Wh'].includes(mapping['energyUnit'] as string)) errors.push('mapping.energyUnit: expected "kWh" or "Wh"');
    if (mapping['amountUnit'] !== undefined && !['major', 'minor'].includes(mapping['amountUnit'] as string)) errors.push('mapping.amountUnit: expected "major" or "minor"');
    if (mapping['timestampFormat'] !== undefined && !['iso8601', 'local', 'epoch-s', 'epoch-ms'].includes(mapping['timestampFormat'] as string)) {
      errors.push('mapping.timestampFormat: expected "iso8601", "local", "epoch-s" or "epoch-ms"');
    }
    if (mapping['timeZone'] !== undefined && (typeof mapping['timeZone'] !== 'string' || !ZoneClock.isKnown(mapping['timeZone']))) errors.push('mapping.timeZone: expected an IANA time zone such as Europe/Amsterdam');
    if (mapping['currency'] !== undefined && (typeof mapping['currency'] !== 'string' || !/^[A-Z]{3}$/.test(mapping['currency']))) errors.push('mapping.currency: expected an ISO 4217 code such as EUR');
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: input as unknown as PartnerProfile };
}

const DELIVERY = new Set(['ACKNOWLEDGED', 'FAILED', 'PENDING']);
const decimalText = (v: unknown): string | undefined => {
  const t = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined;
  return t !== undefined && !Number.isNaN(microOf(t)) ? t : undefined;
};

/**
 * An OurCdr from its JSON form (fixtures, exports, the bench's JSON Lines): decimals may be JSON
 * numbers or decimal text and come out as decimal text; errors name the field. Timestamps are only
 * checked for shape here: the matcher reads them and reports one it cannot read as a ParseError.
 */
export function ourCdrFromJson(input: unknown): Validated<OurCdr> {
  if (!isRecord(input)) return { ok: false, errors: ['expected an object'] };
  const errors: string[] = [];
  for (const key of ['cdrId', 'sessionId', 'partnerId', 'evseUid', 'tokenUid', 'currency']) {
    if (typeof input[key] !== 'string' || (input[key] as string).length === 0) errors.push(`${key}: expected a non-empty string`);
  }
  for (const key of ['start', 'end']) if (typeof input[key] !== 'string' || (input[key] as string).length < 19) errors.push(`${key}: expected an RFC 3339 timestamp`);
  let decimals: Record<string, string> | undefined;
  for (const key of ['kwh', 'amountExclVat', 'amountInclVat']) {
    const t = decimalText(input[key]);
    if (t === undefined) errors.push(`${key}: expected a decimal number`);
    else if (t !== input[key]) (decimals ??= {})[key] = t;
  }
  if (!DELIVERY.has(input['delivery'] as string)) errors.push('delivery: expected ACKNOWLEDGED, FAILED or PENDING');
  if (input['authorizationReference'] !== undefined && typeof input['authorizationReference'] !== 'string') errors.push('authorizationReference: expected a string');
  if (input['tariff'] !== undefined && !(isRecord(input['tariff']) && typeof input['tariff']['id'] === 'string')) errors.push('tariff: expected {id, version?}');
  const replay = input['replay'];
  if (replay !== undefined && !(isRecord(replay) && typeof replay['matches'] === 'boolean' && Array.isArray(replay['diffs']))) errors.push('replay: expected {matches, diffs}');
  const charger = input['charger'];
  if (charger !== undefined && !(isRecord(charger) && typeof charger['meterStartWh'] === 'number')) errors.push('charger: expected {meterStartWh, ...}');
  if (input['deliveryFacts'] !== undefined && !isRecord(input['deliveryFacts'])) errors.push('deliveryFacts: expected an object');
  const pushes = input['sessionPushes'];
  if (pushes !== undefined && !(isRecord(pushes) && nonNegative(pushes['acknowledged']) && nonNegative(pushes['failedAttempts']))) errors.push('sessionPushes: expected {acknowledged, failedAttempts, lastFailure?}');
  if (errors.length) return { ok: false, errors };
  return { ok: true, value: decimals ? { ...(input as unknown as OurCdr), ...decimals } : (input as unknown as OurCdr) };
}

/** Our CDRs from JSON Lines text chunks (one OurCdr JSON per line); bad lines become ParseErrors. */
export function parseOurCdrs(chunks: AsyncIterable<string> | Iterable<string>): Batched<OurCdr | ParseError> {
  return batched(() => ourCdrBatches(chunks));
}

async function* ourCdrBatches(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<(OurCdr | ParseError)[]> {
  const splitter = new JsonLinesSplitter();
  const convert = (items: JsonItem[]): (OurCdr | ParseError)[] =>
    items.map((item) => {
      if ('error' in item) return { kind: 'parse-error', line: item.line, message: item.error, raw: item.raw };
      const cdr = ourCdrFromJson(item.value);
      return cdr.ok ? cdr.value : { kind: 'parse-error', line: item.line, message: cdr.errors.join('; ') };
    });
  for await (const chunk of chunks) yield convert(splitter.push(chunk));
  yield convert(splitter.end());
}
