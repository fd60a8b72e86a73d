import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OurCdr, PartnerRecord, ReconOptions } from './model.js';
import { anOurCdr, aPartnerRecordOf } from './testing/index.js';
import { reconcile, reconcileStream } from './stream.js';

const T0 = Date.UTC(2026, 9, 1);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const options: ReconOptions = { partnerId: 'P', tolerances: { amountMinor: 1, energyWh: 10, timeS: 60 }, windowS: 600 };
const theirsOf = aPartnerRecordOf;

async function* oursStream(n: number): AsyncGenerator<OurCdr> {
  for (let i = 0; i < n; i++) yield anOurCdr(i);
}
async function* theirsStream(n: number): AsyncGenerator<PartnerRecord> {
  for (let i = 0; i < n; i++) yield theirsOf(anOurCdr(i), i + 2);
}

describe('reconcile', () => {
  it('holds one window of records, however long the ordered inputs are', async () => {
    const held: number[] = [];
    for (const n of [2_000, 20_000]) {
      const run = reconcileStream(oursStream(n), theirsStream(n), options);
      let matched = 0;
      for await (const batch of run.batches()) matched += batch.filter((o) => o.kind === 'match').length;
      assert.equal(matched, n);
      held.push(run.peakHeld);
    }
    assert.equal(held[1], held[0], `peak records held at 2k and 20k pairs: ${held.join(', ')}`);
  });

  it('matches by id before EVSE + token + start, even when the id-less record comes first', async () => {
    const ours = [anOurCdr(1)];
    const idless = theirsOf(ours[0]!, 2, { cdrId: undefined, sessionId: undefined });
    const byId = theirsOf(ours[0]!, 3, { start: iso(T0 + 30_000 + 5_000) });
    const result = await reconcile(ours, [idless, byId], options);
    assert.deepEqual(result.matches.map((m) => [m.partnerRef, m.matchedBy]), [['line:3', 'cdrId']]);
    assert.deepEqual(result.exceptions.map((e) => [e.type, e.partnerRef]), [['UNKNOWN_TO_US', 'line:2']]);
  });

  it('sorts arrays by start, skips CDRs of other partners and counts amounts at risk per currency', async () => {
    const ours = [anOurCdr(3), anOurCdr(1), anOurCdr(2, { partnerId: 'OTHER' }), anOurCdr(4, { currency: 'CHF' })];
    const theirs = [theirsOf(anOurCdr(1), 2)];
    const { summary } = await reconcile(ours, theirs, options);
    assert.equal(summary.skippedOtherPartner, 1);
    assert.equal(summary.matched, 1);
    assert.equal(summary.exceptionsByType.MISSING_AT_PARTNER, 2);
    assert.deepEqual(summary.amountsAtRisk, { EUR: '6.05', CHF: '6.05' });
    assert.equal(summary.matchRate, 1 / 3);
  });

  it('counts records that arrive after their window closed', async () => {
    const late = anOurCdr(0);
    async function* outOfOrder(): AsyncGenerator<OurCdr> {
      for (let i = 1; i < 3_000; i++) yield anOurCdr(i);
      yield late;
    }
    const run = reconcileStream(outOfOrder(), [], options);
    for await (const batch of run.batches()) void batch;
    assert.equal(run.summary().outOfOrder, 1);
  });

  it('reports our CDR with an unreadable value as a parse error naming the field', async () => {
    const result = await reconcile([anOurCdr(1, { kwh: '10,5' })], [], options);
    assert.equal(result.parseErrors[0]?.field, 'kwh');
    assert.match(result.parseErrors[0]?.message ?? '', /C1/);
  });
});
