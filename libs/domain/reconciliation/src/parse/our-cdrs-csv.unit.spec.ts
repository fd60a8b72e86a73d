import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { OurCdr, ParseError } from '../model.js';
import { ourCdrFromJson } from './inputs.js';
import { OUR_CDR_CSV_HEADER, ourCdrCsvLine, parseOurCdrsCsv } from './our-cdrs-csv.js';

const fixtures = path.join(__dirname, '..', '..', 'fixtures');
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

async function read(text: string, chunk: number): Promise<(OurCdr | ParseError)[]> {
  const chunks = Array.from({ length: Math.ceil(text.length / chunk) }, (_, i) => text.slice(i * chunk, i * chunk + chunk));
  const out: (OurCdr | ParseError)[] = [];
  for await (const item of parseOurCdrsCsv(chunks)) out.push(item);
  return out;
}

describe('our CDRs as compact CSV (the bulk format)', () => {
  it('writes and reads back every CDR of the fixtures, nested facts included, whatever the chunk size', async () => {
    const cdrs: OurCdr[] = [];
    for (const dir of readdirSync(fixtures)) {
      for (const json of JSON.parse(readFileSync(path.join(fixtures, dir, 'ours.json'), 'utf8')) as unknown[]) {
        const cdr = ourCdrFromJson(json);
        assert.ok(cdr.ok);
        cdrs.push(cdr.value);
      }
    }
    assert.ok(cdrs.some((c) => c.charger !== undefined) && cdrs.some((c) => c.deliveryFacts !== undefined) && cdrs.some((c) => c.replay?.matches === false) && cdrs.some((c) => c.sessionPushes !== undefined));
    const text = OUR_CDR_CSV_HEADER + cdrs.map(ourCdrCsvLine).join('');
    for (const chunk of [7, 1000, text.length]) assert.deepEqual(plain(await read(text, chunk)), plain(cdrs), `chunks of ${chunk}`);
  });

  it('finds columns by header name and turns a bad line into a ParseError naming the field', async () => {
    const header = 'delivery,cdr_id,session_id,partner_id,evse_uid,token_uid,start,end,kwh,amount_excl_vat,amount_incl_vat,currency';
    const good = 'PENDING,C1,S1,P,E1,T1,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,1.5,2.00,2.42,EUR';
    const lines = [header, good, 'SENT,C2,S2,P,E1,T1,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,1,1,1,EUR', 'PENDING,,S3,P,E1,T1,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,1,1,1,EUR', ''];
    const out = await read(lines.join('\n'), 5);
    assert.equal((out[0] as OurCdr).cdrId, 'C1');
    assert.equal((out[0] as OurCdr).replay, undefined);
    assert.deepEqual(out.slice(1).map((e) => `${(e as ParseError).line}:${(e as ParseError).field}`), ['3:delivery', '4:cdrId']);
    const facts = await read(`${OUR_CDR_CSV_HEADER}C1,S1,,P,E1,T1,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,1,1,1,EUR,,,FAILED,true,{oops\n`, 1000);
    assert.deepEqual([(facts[0] as ParseError).field, (facts[0] as ParseError).line], ['facts', 2]);
    const missing = await read('cdr_id,start\nC1,2026-10-01T09:00:00Z\n', 1000);
    assert.equal(missing.length, 1);
    assert.match((missing[0] as ParseError).message, /the header lacks session_id, partner_id/);
  });
});
