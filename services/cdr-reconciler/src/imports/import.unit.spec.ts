import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findingOf, formatOf } from './import.service';
import { loadTimelineSettings } from '../timeline/timeline-settings';
import { loadConfig } from '@roamgate/config';

describe('recon import', () => {
  it('guesses the format from the file name', () => {
    assert.deepEqual(['a.CSV', 'b.json', 'c.jsonl', 'd.ndjson', 'e.txt'].map(formatOf), ['csv', 'json', 'jsonl', 'jsonl', undefined]);
  });

  it('keeps the evidence as text, the same exception id for the same finding, and the rule in words', () => {
    const e = {
      kind: 'exception' as const,
      key: 'NL-EMS/UNKNOWN_TO_US//line:3',
      partnerId: 'NL-EMS',
      type: 'UNKNOWN_TO_US' as const,
      owner: 'UNKNOWN' as const,
      rule: 'NO-RULE',
      facts: { sessionKnown: false, sessionCdrId: null, start: '2025-03-01T09:00:00Z', ids: ['a', 'b'] },
      partnerRef: 'line:3',
    };
    const a = findingOf('run-1', e, '2025-03-01T09:00:00Z');
    const b = findingOf('run-2', e, undefined);
    assert.equal(a.exceptionId, b.exceptionId);
    assert.deepEqual(a.facts, { sessionKnown: 'false', sessionCdrId: 'null', start: '2025-03-01T09:00:00Z', ids: '["a","b"]' });
    assert.match(a.detail, /partner record line:3: no ownership rule applies/);
  });

  it('points the timeline at its own port unless told otherwise, and refuses a URL that is not one', () => {
    const config = loadConfig({ PORT: '9090' });
    assert.equal(loadTimelineSettings(config, {}).gatewayUrl, 'http://127.0.0.1:9090');
    assert.equal(loadTimelineSettings(config, { RECON_OCPI_API_URL: 'http://ocpi:8082/' }).ocpiUrl, 'http://ocpi:8082');
    assert.throws(() => loadTimelineSettings(config, { RECON_TARIFF_API_URL: 'tariff-engine' }), /RECON_TARIFF_API_URL: must be an http\(s\) URL/);
  });
});
