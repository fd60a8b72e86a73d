import { parseOcpiDateTime, ZoneClock } from '@roamgate/domain-tariffs';
import { microOf, minorDigits, shiftLeft } from '../decimal.js';
import type { ColumnMapping, ParseError, PartnerField, PartnerFileFormat, PartnerRecord } from '../model.js';
import { batched, type Batched } from '../batches.js';
import { instantMs } from '../time.js';
import { CsvSplitter, type CsvRow } from './csv.js';
import { JsonArraySplitter, JsonLinesSplitter, type JsonItem } from './json.js';

export const PARTNER_FIELDS: readonly PartnerField[] = [
  'ref',
  'cdrId',
  'sessionId',
  'authorizationReference',
  'evseUid',
  'tokenUid',
  'start',
  'end',
  'kwh',
  'amountExclVat',
  'amountInclVat',
  'currency',
  'tariffId',
  'tariffVersion',
];
export const REQUIRED_PARTNER_FIELDS: readonly PartnerField[] = ['start', 'end', 'kwh', 'amountExclVat'];

/** Position of each field in the values array a record is built from. */
const F = Object.fromEntries(PARTNER_FIELDS.map((field, i) => [field, i])) as Record<PartnerField, number>;

type Raw = unknown;

/**
 * Partner records from a settlement file arriving as text chunks (a file stream with utf8 encoding,
 * an upload, a string). Every unreadable line, element or value becomes a ParseError with its line
 * and field; reading goes on with the next record.
 */
export function parsePartnerRecords(
  chunks: AsyncIterable<string> | Iterable<string>,
  format: PartnerFileFormat,
  mapping: ColumnMapping,
): Batched<PartnerRecord | ParseError> {
  return batched(() => partnerRecordBatches(chunks, format, mapping));
}

async function* partnerRecordBatches(
  chunks: AsyncIterable<string> | Iterable<string>,
  format: PartnerFileFormat,
  mapping: ColumnMapping,
): AsyncGenerator<(PartnerRecord | ParseError)[]> {
  const build = recordBuilder(mapping);
  if (format === 'csv') {
    const splitter = new CsvSplitter(mapping.delimiter ?? ',');
    const header: CsvHeader = {};
    for await (const chunk of chunks) yield csvOutcomes(splitter.push(chunk), header, mapping, build);
    const last = csvOutcomes(splitter.end(), header, mapping, build);
    if (header.columns === undefined) last.push({ kind: 'parse-error', line: 1, message: 'empty file: expected a header line' });
    yield last;
    return;
  }
  const splitter = format === 'json' ? new JsonArraySplitter(mapping.recordsPath) : new JsonLinesSplitter();
  const paths = PARTNER_FIELDS.map((f) => mapping.fields[f]?.split('.'));
  for await (const chunk of chunks) yield jsonOutcomes(splitter.push(chunk), paths, build);
  yield jsonOutcomes(splitter.end(), paths, build);
}

interface CsvHeader {
  columns?: (number | undefined)[];
  /** Fields a line needs to reach every mapped column. */
  width?: number;
  failed?: boolean;
}

function csvOutcomes(rows: CsvRow[], header: CsvHeader, mapping: ColumnMapping, build: RecordBuilder): (PartnerRecord | ParseError)[] {
  const out: (PartnerRecord | ParseError)[] = [];
  const values: Raw[] = new Array(PARTNER_FIELDS.length);
  for (const row of rows) {
    if (header.failed) break;
    if ('error' in row) {
      out.push({ kind: 'parse-error', line: row.line, message: row.error, raw: row.raw });
      continue;
    }
    if (header.columns === undefined) {
      const names = row.fields.map((name) => name.trim());
      const columns = PARTNER_FIELDS.map((field) => {
        const column = mapping.fields[field];
        if (column === undefined) return undefined;
        const at = names.indexOf(column);
        return at < 0 ? -1 : at;
      });
      header.columns = columns;
      header.width = Math.max(0, ...columns.map((c) => c ?? 0)) + 1;
      const missing = PARTNER_FIELDS.filter((_, i) => columns[i] === -1).map((f) => `${f} ("${mapping.fields[f]}")`);
      if (missing.length) {
        header.failed = true;
        out.push({ kind: 'parse-error', line: row.line, field: 'header', message: `the header lacks the mapped column(s) ${missing.join(', ')}`, raw: row.fields.join(',').slice(0, 200) });
      }
      continue;
    }
    const fields = row.fields;
    if (fields.length === 1 && fields[0]!.trim() === '') continue;
    if (fields.length < header.width!) {
      out.push({ kind: 'parse-error', line: row.line, message: `the line has ${fields.length} fields; the mapped columns need ${header.width}`, raw: fields.join(mapping.delimiter ?? ',').slice(0, 200) });
      continue;
    }
    const columns = header.columns;
    for (let i = 0; i < columns.length; i++) {
      const at = columns[i];
      values[i] = at === undefined ? undefined : fields[at];
    }
    out.push(build(values, row.line));
  }
  return out;
}

function jsonOutcomes(items: JsonItem[], paths: (string[] | undefined)[], build: RecordBuilder): (PartnerRecord | ParseError)[] {
  const out: (PartnerRecord | ParseError)[] = [];
  const values: Raw[] = new Array(PARTNER_FIELDS.length);
  for (const item of items) {
    if ('error' in item) {
      out.push({ kind: 'parse-error', line: item.line, message: item.error, raw: item.raw });
      continue;
    }
    if (item.value === null || typeof item.value !== 'object' || Array.isArray(item.value)) {
      out.push({ kind: 'parse-error', line: item.line, message: 'expected a JSON object per record', raw: JSON.stringify(item.value).slice(0, 200) });
      continue;
    }
    for (let i = 0; i < paths.length; i++) {
      const path = paths[i];
      if (path === undefined) {
        values[i] = undefined;
        continue;
      }
      let value: unknown = item.value;
      for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
      values[i] = value;
    }
    out.push(build(values, item.line));
  }
  return out;
}

type RecordBuilder = (values: Raw[], line: number) => PartnerRecord | ParseError;

class FieldError extends Error {
  constructor(
    readonly field: PartnerField,
    message: string,
    readonly raw: unknown,
  ) {
    super(message);
  }
}

function text(values: Raw[], field: number): string | undefined {
  const value = values[field];
  if (value === undefined || value === null) return undefined;
  const t = typeof value === 'string' ? value.trim() : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
  return t.length ? t : undefined;
}

function recordBuilder(mapping: ColumnMapping): RecordBuilder {
  const thousands = mapping.thousandsSeparator ?? '';
  const comma = mapping.decimalSeparator === ',';
  const energyInWh = mapping.energyUnit === 'Wh';
  const amountInMinor = mapping.amountUnit === 'minor';
  const instant = new InstantReader(mapping);

  const decimal = (values: Raw[], field: number, name: PartnerField): string | undefined => {
    let t = text(values, field);
    if (t === undefined) return undefined;
    if (thousands) t = t.split(thousands).join('');
    if (comma) t = t.replace(',', '.');
    if (Number.isNaN(microOf(t))) throw new FieldError(name, `${name} is not a decimal number${comma ? " (decimal separator ',')" : ''}`, values[field]);
    return t;
  };
  const required = <T>(value: T | undefined, name: PartnerField, values: Raw[], field: number): T => {
    if (value === undefined) throw new FieldError(name, `missing ${name}${mapping.fields[name] ? ` (${JSON.stringify(mapping.fields[name])})` : ''}`, values[field]);
    return value;
  };
  /** The instant's epoch ms in `lastMs` (read once: the matcher takes it from the record), its RFC 3339 UTC text returned. */
  let lastMs = Number.NaN;
  const timestamp = (values: Raw[], field: number, name: PartnerField): string => {
    const raw = required(text(values, field), name, values, field);
    lastMs = instant.read(raw);
    if (Number.isNaN(lastMs)) throw new FieldError(name, `${name} is not a ${mapping.timestampFormat ?? 'iso8601'} timestamp${mapping.timeZone ? ` (zone ${mapping.timeZone})` : ''}`, raw);
    return instant.canonical ? raw : isoOf(lastMs);
  };

  return (values, line) => {
    try {
      const currency = text(values, F.currency) ?? mapping.currency;
      if (currency === undefined) throw new FieldError('currency', 'missing currency (map a column or give the file currency in the mapping)', undefined);
      if (currency.length !== 3 || !/^[A-Z]{3}$/.test(currency)) throw new FieldError('currency', 'currency is not an ISO 4217 code such as EUR', currency);
      const start = timestamp(values, F.start, 'start');
      const startMs = lastMs;
      const end = timestamp(values, F.end, 'end');
      const endMs = lastMs;
      let kwh = required(decimal(values, F.kwh, 'kwh'), 'kwh', values, F.kwh);
      if (energyInWh) kwh = shiftLeft(kwh, 3);
      let amountExclVat = required(decimal(values, F.amountExclVat, 'amountExclVat'), 'amountExclVat', values, F.amountExclVat);
      let amountInclVat = decimal(values, F.amountInclVat, 'amountInclVat');
      if (amountInMinor) {
        amountExclVat = shiftLeft(amountExclVat, minorDigits(currency));
        if (amountInclVat !== undefined) amountInclVat = shiftLeft(amountInclVat, minorDigits(currency));
      }
      const record: PartnerRecord = {
        kind: 'record',
        line,
        ref: text(values, F.ref) ?? `line:${line}`,
        cdrId: text(values, F.cdrId),
        sessionId: text(values, F.sessionId),
        authorizationReference: text(values, F.authorizationReference),
        evseUid: text(values, F.evseUid),
        tokenUid: text(values, F.tokenUid),
        start,
        end,
        kwh,
        amountExclVat,
        amountInclVat,
        currency,
        tariffId: text(values, F.tariffId),
        tariffVersion: text(values, F.tariffVersion),
        startMs,
        endMs,
      };
      return record;
    } catch (error) {
      if (!(error instanceof FieldError)) throw error;
      const raw = error.raw === undefined ? undefined : String(typeof error.raw === 'object' ? JSON.stringify(error.raw) : error.raw).slice(0, 200);
      return { kind: 'parse-error', line, field: error.field, message: error.message, ...(raw === undefined ? {} : { raw }) };
    }
  };
}

const HAS_OFFSET = /(?:Z|[+-]\d{2}:?\d{2})$/i;
const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?$/;

const isoOf = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/**
 * The reader of one mapping's timestamps: raw text → epoch ms (NaN when unreadable). `canonical`
 * says whether the last text read is already RFC 3339 UTC (`…Z`) and can be kept as it is.
 */
class InstantReader {
  canonical = false;
  readonly read: (raw: string) => number;

  constructor(mapping: ColumnMapping) {
    const format = mapping.timestampFormat ?? 'iso8601';
    const clock = mapping.timeZone && mapping.timeZone !== 'UTC' ? ZoneClock.for(mapping.timeZone) : undefined;
    const fromLocal = (raw: string): number => {
      const m = LOCAL.exec(raw);
      if (m === null) return Number.NaN;
      const wall = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), +(m[7] ?? '0').padEnd(3, '0'));
      const date = new Date(wall);
      if (date.getUTCDate() !== +m[3]! || date.getUTCMonth() !== +m[2]! - 1 || +m[4]! > 23 || +m[5]! > 59 || +(m[6] ?? 0) > 59) return Number.NaN;
      if (clock === undefined) return wall;
      return wall - clock.offsetAt(wall - clock.offsetAt(wall));
    };
    const finite = (ms: number) => (Number.isFinite(ms) ? ms : Number.NaN);
    switch (format) {
      case 'epoch-s':
      case 'epoch-ms': {
        const scale = format === 'epoch-s' ? 1000 : 1;
        this.read = (raw) => (/^\d+(\.\d+)?$/.test(raw) ? finite(Math.round(Number(raw) * scale)) : Number.NaN);
        break;
      }
      case 'local':
        this.read = (raw) => finite(fromLocal(raw));
        break;
      default:
        this.read = (raw) => {
          this.canonical = false;
          if (raw.charCodeAt(raw.length - 1) === 90) {
            const ms = instantMs(raw);
            if (!Number.isNaN(ms)) {
              this.canonical = true;
              return ms;
            }
          }
          if (HAS_OFFSET.test(raw) && raw.length >= 20 && raw.charCodeAt(10) === 84) {
            // Date.parse rolls 30 February over into March: check the calendar date first
            return Number.isNaN(parseOcpiDateTime(`${raw.slice(0, 10)}T00:00:00Z`)) ? Number.NaN : finite(Date.parse(raw));
          }
          return finite(fromLocal(raw));
        };
    }
  }
}
