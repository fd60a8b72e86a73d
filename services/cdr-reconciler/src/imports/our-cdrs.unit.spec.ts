import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyCdrFacts, emptySessionFacts, type SessionFacts } from '../facts/fact-documents';
import { ourCdrOf } from './our-cdrs';

describe("our CDR's charger facts", () => {
  const cdr = { ...emptyCdrFacts('cdr-1'), issued: true, sessionId: 's-1', partnerId: 'NL-EMS', start: '2025-03-01T10:00:00Z' };
  const session = (override: Partial<SessionFacts>): SessionFacts => ({ ...emptySessionFacts('s-1'), chargerId: 'CP-1', meterStartWh: '1000', ...override });

  it('has no missing stop for a session the charger stopped', () => {
    const ours = ourCdrOf(cdr, session({ stopped: true, meterStopWh: '9000' }), undefined);
    assert.equal(ours.charger?.stopMissing, undefined);
    assert.equal(ours.charger?.meterStopWh, 9000);
  });

  it('has a missing stop for a session still open, and for one the gateway closed because the charger never stopped it', () => {
    assert.equal(ourCdrOf(cdr, session({ stopped: false }), undefined).charger?.stopMissing, true);
    const closed = ourCdrOf(cdr, session({ stopped: true, meterStopWh: '4250', anomalies: ['STOP_MISSING'] }), undefined);
    assert.equal(closed.charger?.stopMissing, true);
    assert.equal(closed.charger?.meterStopWh, 4250);
  });
});
