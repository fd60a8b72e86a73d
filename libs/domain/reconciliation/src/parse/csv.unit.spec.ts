import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvSplitter, type CsvRow } from './csv.js';

function split(text: string, chunkSize = text.length || 1, delimiter = ','): CsvRow[] {
  const splitter = new CsvSplitter(delimiter);
  const rows: CsvRow[] = [];
  for (let i = 0; i < text.length; i += chunkSize) rows.push(...splitter.push(text.slice(i, i + chunkSize)));
  rows.push(...splitter.end());
  return rows;
}

const RFC4180 = 'id,name,remark\r\n1,"Smith, J.","said ""hi"""\r\n2,plain,"two\r\nlines"\r\n3,,""\r\n4,last,no newline at the end';

describe('CsvSplitter (RFC 4180)', () => {
  it('reads quoted fields with delimiters, doubled quotes and line breaks, and numbers rows by the line they start on', () => {
    assert.deepEqual(split(RFC4180), [
      { line: 1, fields: ['id', 'name', 'remark'] },
      { line: 2, fields: ['1', 'Smith, J.', 'said "hi"'] },
      { line: 3, fields: ['2', 'plain', 'two\r\nlines'] },
      { line: 5, fields: ['3', '', ''] },
      { line: 6, fields: ['4', 'last', 'no newline at the end'] },
    ]);
  });

  it('gives the same rows whatever the chunk boundaries', () => {
    const whole = split(RFC4180);
    for (let size = 1; size <= RFC4180.length; size++) assert.deepEqual(split(RFC4180, size), whole, `chunks of ${size}`);
  });

  it('skips blank lines, strips a byte order mark and reads another delimiter', () => {
    assert.deepEqual(split('\ufeffa;b\n\n1;"x;y"\n', 3, ';'), [
      { line: 1, fields: ['a', 'b'] },
      { line: 3, fields: ['1', 'x;y'] },
    ]);
  });

  it('turns a bare quote or text after a closing quote into an error row and reads on', () => {
    const rows = split('a,b\n1,say "hi"\n2,"ok"x\n3,fine\n');
    assert.deepEqual(rows.map((r) => ('error' in r ? `${r.line}: error` : `${r.line}: ${r.fields.join('|')}`)), ['1: a|b', '2: error', '3: error', '4: 3|fine']);
  });

  it('reports an unterminated quote at the end of the file instead of waiting forever', () => {
    const rows = split('a,b\n1,"never closed\n2,x\n', 4);
    assert.ok(rows.some((r) => 'error' in r && r.line === 2 && /unterminated/.test(r.error)), JSON.stringify(rows));
  });

  it('refuses a quote or a line break as delimiter', () => {
    assert.throws(() => new CsvSplitter('"'), RangeError);
    assert.throws(() => new CsvSplitter('\n'), RangeError);
  });
});
