import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ColumnMapping, ParseError, PartnerRecord } from '../model.js';
import { ourCdrFromJson, validatePartnerProfile } from './inputs.js';
import { parsePartnerRecords } from './partner-records.js';

const collect = async (text: string, format: 'csv' | 'json' | 'jsonl', mapping: ColumnMapping, chunk = 5) => {
  const chunks = Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => text.slice(i * chunk, i * chunk + chunk));
  const out: (PartnerRecord | ParseError)[] = [];
  for await (const item of parsePartnerRecords(chunks, format, mapping)) out.push(item);
  return out;
};
const errors = (items: (PartnerRecord | ParseError)[]) => items.filter((i): i is ParseError => i.kind === 'parse-error').map((e) => `${e.line}:${e.field ?? ''}`);
const records = (items: (PartnerRecord | ParseError)[]) => items.filter((i): i is PartnerRecord => i.kind === 'record');

const CSV_MAPPING: ColumnMapping = { fields: { cdrId: 'id', start: 'from', end: 'to', kwh: 'kwh', amountExclVat: 'net', amountInclVat: 'gross', currency: 'cur' } };

describe('parsePartnerRecords', () => {
  it('maps CSV columns by header name, in any order, and normalises values', async () => {
    const [record] = records(await collect('cur,to,from,id,net,gross,kwh\nEUR,2026-10-01T10:00:00+02:00,2026-10-01T09:00:00+02:00, C1 ,1.5,1.82,7\n', 'csv', CSV_MAPPING));
    assert.equal(record?.cdrId, 'C1');
    assert.equal(record?.start, '2026-10-01T07:00:00Z');
    assert.equal(record?.end, '2026-10-01T08:00:00Z');
    assert.equal(record?.kwh, '7');
    assert.equal(record?.ref, 'line:2');
  });

  it('turns every unreadable value into a ParseError with its line and field, and goes on', async () => {
    const text = [
      'id,from,to,kwh,net,gross,cur',
      'C1,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,7,1.5,1.82,EUR',
      'C2,yesterday,2026-10-01T10:00:00Z,7,1.5,1.82,EUR',
      'C3,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,7,1.5e3,1.82,EUR',
      'C4,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,,1.5,1.82,EUR',
      'C5,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,7,1.5,1.82,euro',
      'C6,2026-02-30T09:00:00Z,2026-10-01T10:00:00Z,7,1.5,1.82,EUR',
      'C7,2026-10-01T09:00:00Z',
      'C8,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,7,1.5,1.82,EUR',
    ].join('\n');
    const out = await collect(text, 'csv', CSV_MAPPING);
    assert.deepEqual(errors(out), ['3:start', '4:amountExclVat', '5:kwh', '6:currency', '7:start', '8:']);
    assert.deepEqual(records(out).map((r) => r.cdrId), ['C1', 'C8']);
  });

  it('reports a header that lacks a mapped column once, naming it', async () => {
    const out = await collect('id,from,kwh\nC1,2026-10-01T09:00:00Z,7\n', 'csv', CSV_MAPPING);
    assert.equal(out.length, 1);
    assert.match((out[0] as ParseError).message, /end \("to"\)/);
  });

  it('reads decimal commas, thousands separators, Wh, cents and epoch seconds', async () => {
    const mapping: ColumnMapping = {
      fields: { cdrId: 'id', start: 'from', end: 'to', kwh: 'wh', amountExclVat: 'net' },
      delimiter: ';',
      decimalSeparator: ',',
      thousandsSeparator: '.',
      energyUnit: 'Wh',
      amountUnit: 'minor',
      timestampFormat: 'epoch-s',
      currency: 'JPY',
    };
    const [record] = records(await collect('id;from;to;wh;net\nC1;1790000000;1790003600;12.345,6;1.234\n', 'csv', mapping));
    assert.equal(record?.kwh, '12.3456');
    assert.equal(record?.amountExclVat, '1234', 'JPY has no minor unit: 1.234 (thousands) yen stay 1234');
    assert.equal(record?.start, '2026-09-21T14:13:20Z');
    assert.equal(record?.currency, 'JPY');
  });

  it('reads local times in the partner zone across a DST change', async () => {
    const mapping: ColumnMapping = { fields: { cdrId: 'id', start: 'from', end: 'to', kwh: 'kwh', amountExclVat: 'net' }, timestampFormat: 'local', timeZone: 'Europe/Amsterdam', currency: 'EUR' };
    const [summer, winter] = records(await collect('id,from,to,kwh,net\nA,2026-10-24 12:00,2026-10-24 13:00:30,1,1\nB,2026-10-26 12:00:00,2026-10-26 13:00:00,1,1\n', 'csv', mapping));
    assert.equal(summer?.start, '2026-10-24T10:00:00Z');
    assert.equal(summer?.end, '2026-10-24T11:00:30Z');
    assert.equal(winter?.start, '2026-10-26T11:00:00Z');
  });

  it('reads a JSON array element by element with dotted paths, and reports broken elements by line', async () => {
    const mapping: ColumnMapping = { fields: { cdrId: 'id', start: 'period.start', end: 'period.end', kwh: 'energy', amountExclVat: 'cost.excl', currency: 'cost.currency' } };
    const element = (id: string) => `{"id":"${id}","period":{"start":"2026-10-01T09:00:00Z","end":"2026-10-01T10:00:00Z"},"energy":7.5,"cost":{"excl":2.25,"currency":"EUR","note":"a ] and a } in a string"}}`;
    const text = `[\n  ${element('A')},\n  {"id": "B", "period": tru},\n  "not an object",\n  ${element('C')}\n]\n`;
    const out = await collect(text, 'json', mapping, 3);
    assert.deepEqual(records(out).map((r) => [r.cdrId, r.kwh, r.amountExclVat]), [['A', '7.5', '2.25'], ['C', '7.5', '2.25']]);
    assert.deepEqual(errors(out), ['3:', '4:']);
  });

  it('reports a truncated JSON array and a file that is not an array', async () => {
    const mapping: ColumnMapping = { fields: { cdrId: 'id', start: 's', end: 'e', kwh: 'k', amountExclVat: 'a' }, currency: 'EUR' };
    const [truncated] = await collect('[{"id":"A"', 'json', mapping);
    assert.equal(truncated?.kind, 'parse-error');
    assert.match((truncated as ParseError).message, /ends inside the array/);
    assert.deepEqual(errors(await collect('"records"', 'json', mapping)), ['1:']);
    assert.deepEqual(errors(await collect('{"count": 0, "data": {}}', 'json', mapping)), ['1:']);
  });

  it('reads the array of records out of a wrapper object, at recordsPath or the first array member, skipping the rest as it streams', async () => {
    const fields = { cdrId: 'id', start: 's', end: 'e', kwh: 'k', amountExclVat: 'a' };
    const record = (id: string) => `{"id":"${id}","s":"2026-10-01T09:00:00Z","e":"2026-10-01T10:00:00Z","k":"1","a":"2"}`;
    const wrapped = `{\n "meta": {"note": "a ] } , \\" [ in a string", "n": [1, {"x": [2]}]},\n "count": 2,\n "ok": true,\n "records": [\n  ${record('A')},\n  ${record('B')}\n ],\n "tail": [1]\n}\n`;
    for (const chunk of [1, 4, 1000]) {
      const auto = await collect(wrapped, 'json', { fields, currency: 'EUR' }, chunk);
      assert.deepEqual(errors(auto), [], `chunks of ${chunk}`);
      assert.deepEqual(records(auto).map((r) => [r.cdrId, r.line]), [['A', 6], ['B', 7]], `chunks of ${chunk}`);
    }
    const nested = `{"version": "2.2.1", "data": {"total": 1, "list": [0], "cdrs": [${record('C')}]}, "status_code": 1000}`;
    const explicit = await collect(nested, 'json', { fields, currency: 'EUR', recordsPath: 'data.cdrs' }, 3);
    assert.deepEqual(records(explicit).map((r) => r.cdrId), ['C']);
    assert.deepEqual(errors(explicit), []);
    const missing = await collect(nested, 'json', { fields, currency: 'EUR', recordsPath: 'data.items' }, 3);
    assert.equal(records(missing).length, 0);
    assert.match((missing[0] as ParseError).message, /no member "items" at data \(members: total, list, cdrs\); set mapping.recordsPath/);
    const scalar = await collect(nested, 'json', { fields, currency: 'EUR', recordsPath: 'version' }, 3);
    assert.match((scalar[0] as ParseError).message, /"version" is not an array/);
    const truncated = await collect('{"meta": {"a": 1}, "rec', 'json', { fields, currency: 'EUR' }, 3);
    assert.match((truncated[0] as ParseError).message, /ends before the array of records/);
    assert.deepEqual(validatePartnerProfile({ partnerId: 'p', format: 'json', mapping: { fields, currency: 'EUR', recordsPath: 'data..x' }, tolerances: { amountMinor: 1, energyWh: 1, timeS: 1 } }), {
      ok: false,
      errors: ['mapping.recordsPath: expected dotted member names such as "records" or "data.cdrs"'],
    });
  });

  it('reads JSON Lines and skips blank lines', async () => {
    const mapping: ColumnMapping = { fields: { cdrId: 'id', start: 's', end: 'e', kwh: 'k', amountExclVat: 'a' }, currency: 'EUR' };
    const out = await collect('{"id":"A","s":"2026-10-01T09:00:00Z","e":"2026-10-01T10:00:00Z","k":"1","a":"2"}\n\n{oops\n', 'jsonl', mapping);
    assert.deepEqual(records(out).map((r) => r.line), [1]);
    assert.deepEqual(errors(out), ['3:']);
  });
});

describe('validatePartnerProfile and ourCdrFromJson', () => {
  it('names every wrong field of a profile', () => {
    const result = validatePartnerProfile({ partnerId: '', format: 'xml', mapping: { fields: { start: 's', colour: 'c' }, timeZone: 'Mars/Olympus' }, tolerances: { amountMinor: -1, energyWh: 10 } });
    assert.equal(result.ok, false);
    const text = result.ok ? '' : result.errors.join('\n');
    for (const field of ['partnerId', 'format', 'tolerances.amountMinor', 'tolerances.timeS', 'mapping.fields.colour', 'mapping.fields.end', 'mapping.currency', 'mapping.timeZone']) assert.match(text, new RegExp(field.replace('.', '\\.')));
  });

  it('turns JSON numbers into decimal text and names missing fields', () => {
    const ok = ourCdrFromJson({ cdrId: 'C', sessionId: 'S', partnerId: 'P', evseUid: 'E', tokenUid: 'T', start: '2026-10-01T09:00:00Z', end: '2026-10-01T10:00:00Z', kwh: 7.5, amountExclVat: '2.25', amountInclVat: 2.72, currency: 'EUR', delivery: 'ACKNOWLEDGED' });
    assert.ok(ok.ok);
    assert.equal(ok.value.kwh, '7.5');
    const bad = ourCdrFromJson({ cdrId: 'C', kwh: 'lots' });
    assert.ok(!bad.ok && bad.errors.some((e) => e.startsWith('kwh')) && bad.errors.some((e) => e.startsWith('delivery')));
  });
});
