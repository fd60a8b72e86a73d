import type { Delivery, OurCdr, ParseError } from '../model.js';
import { batched, type Batched } from '../batches.js';
import { CsvSplitter, type CsvRow } from './csv.js';

/**
 * Our CDRs as compact CSV, for bulk runs (exports of millions of CDRs): one line per CDR, the
 * scalar fields as columns, and the facts that are nested or rare (delivery facts, replay
 * differences, charger readings, session pushes) as one JSON column that is empty when there are
 * none. Reading a line is a split and no JSON.parse for the common CDR: about three times cheaper
 * than JSON Lines. Columns are found by header name, so their order may change.
 */
export const OUR_CDR_CSV_COLUMNS = [
  'cdr_id',
  'session_id',
  'authorization_reference',
  'partner_id',
  'evse_uid',
  'token_uid',
  'start',
  'end',
  'kwh',
  'amount_excl_vat',
  'amount_incl_vat',
  'currency',
  'tariff_id',
  'tariff_version',
  'delivery',
  'replay_matches',
  'facts',
] as const;

type Column = (typeof OUR_CDR_CSV_COLUMNS)[number];
const OPTIONAL: ReadonlySet<Column> = new Set(['authorization_reference', 'tariff_id', 'tariff_version', 'replay_matches', 'facts']);
const DELIVERY: ReadonlySet<string> = new Set(['ACKNOWLEDGED', 'FAILED', 'PENDING']);
/** Shared by every CDR whose replay matched without differences (nearly all): no object per line. */
const REPLAY_MATCHES = Object.freeze({ matches: true, diffs: Object.freeze([]) as readonly never[] });
const REPLAY_DIFFERS = Object.freeze({ matches: false, diffs: Object.freeze([]) as readonly never[] });

/** The nested facts of the `facts` column. */
interface NestedFacts {
  deliveryFacts?: OurCdr['deliveryFacts'];
  replayDiffs?: NonNullable<OurCdr['replay']>['diffs'];
  charger?: OurCdr['charger'];
  sessionPushes?: OurCdr['sessionPushes'];
}

const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

export const OUR_CDR_CSV_HEADER = `${OUR_CDR_CSV_COLUMNS.join(',')}\n`;

/** One CSV line (with its line break) of OUR_CDR_CSV_COLUMNS for a CDR. */
export function ourCdrCsvLine(cdr: OurCdr): string {
  const nested: NestedFacts = {};
  if (cdr.deliveryFacts !== undefined) nested.deliveryFacts = cdr.deliveryFacts;
  if (cdr.replay !== undefined && cdr.replay.diffs.length > 0) nested.replayDiffs = cdr.replay.diffs;
  if (cdr.charger !== undefined) nested.charger = cdr.charger;
  if (cdr.sessionPushes !== undefined) nested.sessionPushes = cdr.sessionPushes;
  const facts = Object.keys(nested).length ? JSON.stringify(nested) : '';
  const cells = [
    cdr.cdrId,
    cdr.sessionId,
    cdr.authorizationReference ?? '',
    cdr.partnerId,
    cdr.evseUid,
    cdr.tokenUid,
    cdr.start,
    cdr.end,
    cdr.kwh,
    cdr.amountExclVat,
    cdr.amountInclVat,
    cdr.currency,
    cdr.tariff?.id ?? '',
    cdr.tariff?.version ?? '',
    cdr.delivery,
    cdr.replay === undefined ? '' : String(cdr.replay.matches),
    facts,
  ];
  return `${cells.map(csvField).join(',')}\n`;
}

/** Our CDRs from CSV text chunks (OUR_CDR_CSV_COLUMNS, by header name); bad lines become ParseErrors naming the field. */
export function parseOurCdrsCsv(chunks: AsyncIterable<string> | Iterable<string>): Batched<OurCdr | ParseError> {
  return batched(() => csvBatches(chunks));
}

async function* csvBatches(chunks: AsyncIterable<string> | Iterable<string>): AsyncGenerator<(OurCdr | ParseError)[]> {
  const splitter = new CsvSplitter(',');
  const reader = new LineReader();
  for await (const chunk of chunks) yield reader.read(splitter.push(chunk));
  const last = reader.read(splitter.end());
  if (reader.at === undefined) last.push({ kind: 'parse-error', line: 1, message: 'empty file: expected a header line' });
  yield last;
}

class LineReader {
  at: Int32Array | undefined;
  private failed = false;

  read(rows: CsvRow[]): (OurCdr | ParseError)[] {
    const out: (OurCdr | ParseError)[] = [];
    for (const row of rows) {
      if ('error' in row) {
        out.push({ kind: 'parse-error', line: row.line, message: row.error, raw: row.raw });
        continue;
      }
      if (this.at === undefined) {
        this.header(row, out);
        continue;
      }
      if (this.failed) continue;
      if (row.fields.length === 1 && row.fields[0] === '') continue;
      out.push(this.cdr(row.fields, row.line));
    }
    return out;
  }

  private header(row: { line: number; fields: string[] }, out: (OurCdr | ParseError)[]): void {
    const names = row.fields.map((f) => f.trim());
    this.at = new Int32Array(OUR_CDR_CSV_COLUMNS.length);
    const missing: string[] = [];
    OUR_CDR_CSV_COLUMNS.forEach((column, i) => {
      this.at![i] = names.indexOf(column);
      if (this.at![i]! < 0 && !OPTIONAL.has(column)) missing.push(column);
    });
    if (missing.length) {
      this.failed = true;
      out.push({ kind: 'parse-error', line: row.line, message: `the header lacks ${missing.join(', ')}; expected ${OUR_CDR_CSV_COLUMNS.join(',')}`, raw: row.fields.join(',').slice(0, 200) });
    }
  }

  private cdr(fields: string[], line: number): OurCdr | ParseError {
    const at = this.at!;
    const cell = (i: number): string => {
      const k = at[i]!;
      return k < 0 ? '' : (fields[k] ?? '');
    };
    const fail = (field: string, message: string): ParseError => ({ kind: 'parse-error', line, field, message, raw: fields.join(',').slice(0, 200) });
    const cdrId = cell(0);
    const sessionId = cell(1);
    const partnerId = cell(3);
    const evseUid = cell(4);
    const tokenUid = cell(5);
    const start = cell(6);
    const end = cell(7);
    const currency = cell(11);
    const delivery = cell(14);
    if (cdrId === '') return fail('cdrId', 'missing cdr_id');
    if (sessionId === '') return fail('sessionId', 'missing session_id');
    if (partnerId === '') return fail('partnerId', 'missing partner_id');
    if (evseUid === '') return fail('evseUid', 'missing evse_uid');
    if (tokenUid === '') return fail('tokenUid', 'missing token_uid');
    if (start.length < 19) return fail('start', 'start is not an RFC 3339 timestamp');
    if (end.length < 19) return fail('end', 'end is not an RFC 3339 timestamp');
    if (currency === '') return fail('currency', 'missing currency');
    if (!DELIVERY.has(delivery)) return fail('delivery', 'delivery is not ACKNOWLEDGED, FAILED or PENDING');
    const replayMatches = cell(15);
    if (replayMatches !== '' && replayMatches !== 'true' && replayMatches !== 'false') return fail('replay', 'replay_matches is not true, false or empty');
    const factsText = cell(16);
    let nested: NestedFacts | undefined;
    if (factsText !== '') {
      try {
        nested = JSON.parse(factsText) as NestedFacts;
      } catch (error) {
        return fail('facts', `facts is not JSON: ${(error as Error).message}`);
      }
      if (nested === null || typeof nested !== 'object' || Array.isArray(nested)) return fail('facts', 'facts is not a JSON object');
    }
    const authorizationReference = cell(2);
    const tariffId = cell(12);
    const tariffVersion = cell(13);
    // Every key set (undefined when absent): one object shape for the million CDRs of a bulk run.
    return {
      cdrId,
      sessionId,
      authorizationReference: authorizationReference === '' ? undefined : authorizationReference,
      partnerId,
      evseUid,
      tokenUid,
      start,
      end,
      kwh: cell(8),
      amountExclVat: cell(9),
      amountInclVat: cell(10),
      currency,
      tariff: tariffId === '' ? undefined : { id: tariffId, version: tariffVersion === '' ? undefined : tariffVersion },
      delivery: delivery as Delivery,
      deliveryFacts: nested?.deliveryFacts,
      sessionPushes: nested?.sessionPushes,
      replay:
        replayMatches === ''
          ? undefined
          : nested?.replayDiffs !== undefined
            ? { matches: replayMatches === 'true', diffs: nested.replayDiffs }
            : replayMatches === 'true'
              ? REPLAY_MATCHES
              : REPLAY_DIFFERS,
      charger: nested?.charger,
    };
  }
}
