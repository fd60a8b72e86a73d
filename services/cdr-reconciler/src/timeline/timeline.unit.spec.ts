import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ordered, renderTimeline, type Timeline } from './timeline.service';

describe('support timeline', () => {
  it('orders entries by time, keeps ties in the order added and puts undated entries last', () => {
    const entries = ordered([
      { at: null, source: 'RECON', summary: 'undated' },
      { at: '2025-03-01T10:00:00.000Z', source: 'CDR', summary: 'cdr' },
      { at: '2025-03-01T09:00:00.000Z', source: 'OCPP', summary: 'first' },
      { at: '2025-03-01T09:00:00.000Z', source: 'OCPI', summary: 'second' },
    ]);
    assert.deepEqual(entries.map((e) => e.summary), ['first', 'second', 'cdr', 'undated']);
  });

  it('says which sources did not answer', () => {
    const t: Timeline = {
      sessionId: 'S-1',
      partnerId: 'NL-EMS',
      chargerId: 'CP-1',
      cdrId: null,
      session: null,
      cdr: null,
      reconciliation: { matched: null, exceptions: [] },
      entries: [{ at: '2025-03-01T09:00:00.000Z', source: 'OCPP', summary: '<- StartTransaction' }],
      sources: [{ name: 'ocpi-connector calls', url: 'http://ocpi:8082/x', ok: false, error: 'ECONNREFUSED' }],
    };
    const text = renderTimeline(t);
    assert.match(text, /2025-03-01T09:00:00.000Z\s+OCPP\s+<- StartTransaction/);
    assert.match(text, /missing: ocpi-connector calls did not answer/);
    assert.match(text, /not reconciled yet/);
  });
});
