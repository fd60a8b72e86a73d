/** A CSV row, or the reason a physical line could not be read, with the 1-based line it starts on. */
export type CsvRow = { readonly line: number; readonly fields: string[] } | { readonly line: number; readonly error: string; readonly raw: string };

/** A quoted field may span lines, but not without bound: an unbalanced quote must not swallow the file. */
const MAX_QUOTED_RECORD_CHARS = 1 << 16;
const QUOTE = 34;
const CR = 13;
const LF = 10;

/**
 * RFC 4180 rows from text arriving in chunks of any size: quoted fields with doubled quotes, commas
 * and line breaks inside quotes, CRLF or LF. Lines without a quote take the fast path (indexOf and
 * split). A malformed line becomes an error row and reading resumes at the next line.
 */
export class CsvSplitter {
  private buffer = '';
  private line = 1;
  private started = false;

  constructor(private readonly delimiter = ',') {
    if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
      throw new RangeError(`CSV delimiter must be one character other than a quote or line break, got ${JSON.stringify(delimiter)}`);
    }
  }

  push(chunk: string): CsvRow[] {
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    this.buffer = this.buffer.length ? this.buffer + chunk : chunk;
    return this.drain(false);
  }

  end(): CsvRow[] {
    const rows = this.drain(true);
    this.buffer = '';
    return rows;
  }

  private drain(final: boolean): CsvRow[] {
    const rows: CsvRow[] = [];
    const text = this.buffer;
    const delimiter = this.delimiter;
    let pos = 0;
    let quote = text.indexOf('"');
    while (pos < text.length) {
      let nl = text.indexOf('\n', pos);
      if (nl < 0) {
        if (!final) break;
        nl = text.length;
      }
      const lineEnd = nl > pos && text.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
      if (quote >= 0 && quote < pos) quote = text.indexOf('"', pos);
      if (quote < 0 || quote >= lineEnd) {
        if (lineEnd > pos) rows.push({ line: this.line, fields: text.slice(pos, lineEnd).split(delimiter) });
        this.line++;
        pos = nl + 1;
        continue;
      }
      // The fields before the first quoted one take the fast path; the quoted rest is read by hand.
      const from = quote > pos && text.charCodeAt(quote - 1) === delimiter.charCodeAt(0) ? quote : pos;
      const quoted = readQuotedRecord(text, from, delimiter, final);
      if (quoted === undefined) break;
      if (from > pos && !('error' in quoted)) {
        const fields = text.slice(pos, from - 1).split(delimiter);
        for (const field of quoted.fields) fields.push(field);
        quoted.fields = fields;
      }
      if ('error' in quoted) {
        rows.push({ line: this.line, error: quoted.error, raw: text.slice(pos, Math.min(lineEnd, pos + 200)) });
        this.line++;
        pos = nl + 1;
        continue;
      }
      rows.push({ line: this.line, fields: quoted.fields });
      this.line += quoted.lines;
      pos = quoted.next;
    }
    this.buffer = pos >= text.length ? '' : text.slice(pos);
    return rows;
  }
}

type Quoted = { fields: string[]; next: number; lines: number } | { error: string };

/** One record starting at `start` that contains a quote; undefined when more text is needed. */
function readQuotedRecord(text: string, start: number, delimiter: string, final: boolean): Quoted | undefined {
  const delim = delimiter.charCodeAt(0);
  const fields: string[] = [];
  let lines = 1;
  let i = start;
  const n = text.length;
  let nextNl = -2;
  let nextQuote = -2;
  for (;;) {
    if (i - start > MAX_QUOTED_RECORD_CHARS) return { error: `unterminated quoted field: no closing quote within ${MAX_QUOTED_RECORD_CHARS} characters` };
    if (i < n && text.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      let j = from;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) {
          if (!final && n - start <= MAX_QUOTED_RECORD_CHARS) return undefined;
          return { error: 'unterminated quoted field' };
        }
        if (q + 1 >= n && !final) return undefined;
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += text.slice(from, q + 1);
          j = from = q + 2;
          continue;
        }
        value += text.slice(from, q);
        i = q + 1;
        break;
      }
      for (let k = value.indexOf('\n'); k >= 0; k = value.indexOf('\n', k + 1)) lines++;
      fields.push(value);
    } else {
      if (nextNl < i) nextNl = text.indexOf('\n', i);
      if (nextQuote < i && nextQuote !== -1) nextQuote = text.indexOf('"', i);
      let j = text.indexOf(delimiter, i);
      if (j < 0 || (nextNl >= 0 && nextNl < j)) j = nextNl < 0 ? n : nextNl > i && text.charCodeAt(nextNl - 1) === CR ? nextNl - 1 : nextNl;
      if (j >= n && !final) return undefined;
      if (nextQuote >= 0 && nextQuote < j) return { error: 'a quote inside an unquoted field (RFC 4180 wants the field quoted and the quote doubled)' };
      fields.push(text.slice(i, j));
      i = j;
    }
    if (i >= n) {
      if (!final) return undefined;
      return { fields, next: n, lines };
    }
    const c = text.charCodeAt(i);
    if (c === delim) {
      i++;
      continue;
    }
    if (c === CR && i + 1 >= n && !final) return undefined;
    if (c === LF) return { fields, next: i + 1, lines };
    if (c === CR && text.charCodeAt(i + 1) === LF) return { fields, next: i + 2, lines };
    return { error: `unexpected ${JSON.stringify(text[i])} after a closing quote` };
  }
}
