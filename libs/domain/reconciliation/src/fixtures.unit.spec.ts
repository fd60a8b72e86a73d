import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EXCEPTION_TYPES, OWNERS, type OurCdr, type PartnerFileFormat, type ReconLookup, type ReconResult } from './model.js';
import { ourCdrFromJson, validatePartnerProfile } from './parse/inputs.js';
import { parsePartnerRecords } from './parse/partner-records.js';
import { reconcile } from './stream.js';
import { decideOwner, NO_RULE, OWNERSHIP_RULES } from './rules.js';

const fixtures = path.join(__dirname, '..', 'fixtures');
const read = (dir: string, file: string) => readFileSync(path.join(fixtures, dir, file), 'utf8');
const partnerFile: Record<PartnerFileFormat, string> = { csv: 'partner.csv', json: 'partner.json', jsonl: 'partner.jsonl' };

interface Expected {
  matches: { ourCdrId: string; partnerRef: string; matchedBy: string; clean: boolean }[];
  exceptions: { type: string; owner: string; rule: string; ourCdrId?: string; partnerRef?: string }[];
  parseErrors: { line: number; field?: string }[];
}
interface LookupFile {
  sessions?: Record<string, { partnerId?: string; cdrId?: string }>;
  authorizations?: Record<string, { evseUid?: string; tokenUid?: string }>;
  ourEvses?: string[];
  issuedCdrs?: string[];
}

function lookupOf(file: LookupFile): ReconLookup {
  const evses = new Set(file.ourEvses ?? []);
  return {
    session: (id) => file.sessions?.[id],
    authorization: (ref) => file.authorizations?.[ref],
    evseIsOurs: (uid) => evses.has(uid),
    ...(file.issuedCdrs ? { cdrIssued: (id: string) => file.issuedCdrs!.includes(id) } : {}),
  };
}

function* chunksOf(text: string, size: number): Generator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
}

const sorted = <T>(items: T[]) => items.map((x) => JSON.stringify(x)).sort();

async function run(dir: string, chunkSize: number): Promise<ReconResult> {
  const profile = validatePartnerProfile(JSON.parse(read(dir, 'mapping.json')));
  assert.ok(profile.ok, `${dir}/mapping.json: ${profile.ok ? '' : profile.errors.join('; ')}`);
  const ours = (JSON.parse(read(dir, 'ours.json')) as unknown[]).map((json, i) => {
    const cdr = ourCdrFromJson(json);
    assert.ok(cdr.ok, `${dir}/ours.json[${i}]: ${cdr.ok ? '' : cdr.errors.join('; ')}`);
    return cdr.value as OurCdr;
  });
  const lookup = readdirSync(path.join(fixtures, dir)).includes('lookup.json') ? lookupOf(JSON.parse(read(dir, 'lookup.json')) as LookupFile) : undefined;
  const text = read(dir, partnerFile[profile.value.format]);
  const theirs = parsePartnerRecords(chunksOf(text, chunkSize), profile.value.format, profile.value.mapping);
  return reconcile(ours, theirs, { partnerId: profile.value.partnerId, tolerances: profile.value.tolerances, ...(lookup ? { lookup } : {}) });
}

const cases = readdirSync(fixtures, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('reconciliation scenarios (fixtures/<scenario>: ours.json + partner file + mapping.json → expected.json)', () => {
  for (const dir of cases) {
    it(dir, async () => {
      const expected = JSON.parse(read(dir, 'expected.json')) as Expected;
      const whole = await run(dir, 1 << 20);
      const matches = whole.matches.map((m) => ({ ourCdrId: m.ourCdrId, partnerRef: m.partnerRef, matchedBy: m.matchedBy, clean: m.clean }));
      assert.deepEqual(sorted(matches), sorted(expected.matches), 'matches');
      const exceptions = whole.exceptions.map((e) => ({
        type: e.type,
        owner: e.owner,
        rule: e.rule,
        ...(e.ourCdrId !== undefined ? { ourCdrId: e.ourCdrId } : {}),
        ...(e.partnerRef !== undefined && e.type !== 'CHARGER_ANOMALY' && e.type !== 'REPLAY_MISMATCH' ? { partnerRef: e.partnerRef } : {}),
      }));
      assert.deepEqual(sorted(exceptions), sorted(expected.exceptions), 'exceptions');
      const parseErrors = whole.parseErrors.map((p, i) => ({ line: p.line, ...(expected.parseErrors[i]?.field !== undefined && p.field !== undefined ? { field: p.field } : {}) }));
      assert.deepEqual(parseErrors, expected.parseErrors, `parse errors: ${JSON.stringify(whole.parseErrors)}`);
      for (const e of whole.exceptions) assert.deepEqual(decideOwner(e.type, e.facts), { owner: e.owner, rule: e.rule }, `${e.key}: the stored facts decide the stored owner`);
      assert.equal(new Set(whole.exceptions.map((e) => e.key)).size, whole.exceptions.length, 'exception keys are unique');

      const inSmallChunks = await run(dir, 7);
      assert.deepEqual(inSmallChunks, whole, 'the partner file read in 7-character chunks gives the same outcome');
    });
  }

  it('cover every exception type, every owner and every ownership rule', () => {
    const all = cases.flatMap((dir) => (JSON.parse(read(dir, 'expected.json')) as Expected).exceptions);
    assert.deepEqual([...new Set(all.map((e) => e.type))].sort(), [...EXCEPTION_TYPES].sort());
    assert.deepEqual([...new Set(all.map((e) => e.owner))].sort(), [...OWNERS].sort());
    assert.deepEqual([...new Set(all.map((e) => e.rule))].sort(), [...OWNERSHIP_RULES.map((r) => r.id), NO_RULE].sort());
  });

  it('docs/reconciliation.md names every ownership rule', (t) => {
    const docs = path.join(__dirname, '..', '..', '..', '..', 'docs', 'reconciliation.md');
    if (!existsSync(docs)) return t.skip('docs/reconciliation.md is not beside this checkout');
    const text = readFileSync(docs, 'utf8');
    for (const rule of OWNERSHIP_RULES) assert.ok(text.includes(`\`${rule.id}\``), `${rule.id} is not documented`);
  });
});
