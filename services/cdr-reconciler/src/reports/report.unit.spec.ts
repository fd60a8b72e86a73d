import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ExceptionDocument } from '../exceptions/recon-documents';
import { buildReport, reportCsv, reportHtml } from './report';

const exception = (over: Partial<ExceptionDocument>): ExceptionDocument => ({
  id: 'e',
  partnerId: 'NL-EMS',
  runId: 'r',
  type: 'AMOUNT_MISMATCH',
  owner: 'PARTNER',
  rule: 'AMOUNT-REPLAYED',
  facts: {},
  ourCdrId: 'c',
  partnerRef: null,
  sessionId: 's',
  sessionStart: '2025-03-01T10:00:00.000Z',
  amountAtRisk: null,
  currency: null,
  detail: '',
  status: 'OPEN',
  openedAt: '2025-03-02T00:00:00.000Z',
  updatedAt: null,
  resolution: null,
  note: null,
  history: [],
  ...over,
});

const input = {
  partnerId: 'NL-EMS',
  from: new Date('2025-03-01T00:00:00Z'),
  to: new Date('2025-04-01T00:00:00Z'),
  generatedAt: new Date('2025-04-02T00:00:00Z'),
  cdrs: [
    { id: 'c1', matched: true, clean: true },
    { id: 'c2', matched: true, clean: false },
    { id: 'c3', matched: false, clean: false },
  ],
  exceptions: [
    exception({ id: 'e1', amountAtRisk: '0.10', currency: 'EUR' }),
    exception({ id: 'e2', amountAtRisk: '0.20', currency: 'EUR', status: 'RESOLVED' }),
    exception({ id: 'e3', type: 'UNKNOWN_TO_US', owner: 'UNKNOWN', amountAtRisk: '-5.5', currency: 'CHF' }),
  ],
  runs: [],
};

describe('reconciliation report', () => {
  it('gives match rate, exceptions by type, owner and status, and exact amounts at risk per currency', () => {
    const r = buildReport(input);
    assert.deepEqual([r.ourCdrs, r.matched, r.matchedClean, r.matchRate, r.cleanRate], [3, 2, 1, 0.6667, 0.3333]);
    assert.equal(r.byType.AMOUNT_MISMATCH, 2);
    assert.equal(r.byType.UNKNOWN_TO_US, 1);
    assert.equal(r.unknownToUs, 1);
    assert.deepEqual([r.byOwner.PARTNER, r.byOwner.UNKNOWN, r.byOwner.CHARGER], [2, 1, 0]);
    assert.deepEqual([r.byStatus.OPEN, r.byStatus.RESOLVED], [2, 1]);
    assert.deepEqual(r.amountsAtRisk, [
      { currency: 'CHF', open: '5.50', total: '5.50' },
      { currency: 'EUR', open: '0.10', total: '0.30' },
    ]);
    assert.deepEqual(r.byTypeAndOwner[0], { type: 'AMOUNT_MISMATCH', owner: 'PARTNER', count: 2 });
  });

  it('has no match rate for a period without CDRs', () => {
    assert.equal(buildReport({ ...input, cdrs: [] }).matchRate, null);
  });

  it('writes one metric per CSV row', () => {
    const csv = reportCsv(buildReport(input));
    assert.match(csv, /^metric,type,owner,currency,value\n/);
    assert.match(csv, /\nexceptions_by_owner,,UNKNOWN,,1\n/);
    assert.match(csv, /\namount_at_risk_total,,,EUR,0.30\n/);
  });

  it('renders self-contained HTML with inline SVG charts and escaped text', () => {
    const html = reportHtml(buildReport({ ...input, partnerId: 'NL-<b>' }));
    assert.match(html, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg" role="img"/);
    assert.match(html, /NL-&lt;b&gt;/);
    assert.doesNotMatch(html, /<script|<link|<img|url\(/);
  });
});
