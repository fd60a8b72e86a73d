import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CdrIssuingFailure, timestampFromDate } from '@roamgate/contracts';
import { cdrIdOf } from './cdr-events';
import { cdrDecider, CdrNotIssuedError, type CdrCommand, type CdrState } from './cdr.decider';

const at = timestampFromDate(new Date('2025-03-03T11:00:00Z'));
const issue: CdrCommand = { type: 'IssueCdr', issued: { cdrId: 'C', sessionId: 'S', occurredAt: at, cdrJson: '{}' } };
const fail = (detail: string): CdrCommand => ({
  type: 'RecordIssuingFailure',
  failed: { cdrId: 'C', sessionId: 'S', occurredAt: at, reason: CdrIssuingFailure.NO_TARIFF_IN_FORCE, detail },
});
const replay: CdrCommand = { type: 'RecordReplay', replayed: { cdrId: 'C', sessionId: 'S', occurredAt: at, matches: true } };

function given(...commands: CdrCommand[]): CdrState {
  let state = cdrDecider.initialState();
  for (const command of commands) for (const event of cdrDecider.decide(command, state)) state = cdrDecider.evolve(state, event);
  return state;
}
const types = (command: CdrCommand, state: CdrState) => cdrDecider.decide(command, state).map((e) => e.type);

describe('cdr decider', () => {
  it('issues a CDR once: a second issue decides nothing', () => {
    assert.deepEqual(types(issue, given()), ['CdrIssued']);
    assert.deepEqual(types(issue, given(issue)), []);
  });

  it('records a failure once per reason and detail, and still issues after one', () => {
    assert.deepEqual(types(fail('no tariff'), given()), ['CdrIssuingFailed']);
    assert.deepEqual(types(fail('no tariff'), given(fail('no tariff'))), []);
    assert.deepEqual(types(fail('other'), given(fail('no tariff'))), ['CdrIssuingFailed']);
    assert.deepEqual(types(issue, given(fail('no tariff'))), ['CdrIssued']);
    assert.deepEqual(types(fail('no tariff'), given(issue)), []);
  });

  it('replays only an issued CDR, as often as asked', () => {
    assert.throws(() => types(replay, given()), CdrNotIssuedError);
    assert.throws(() => types(replay, given(fail('no tariff'))), /issuing failed/);
    assert.deepEqual(types(replay, given(issue, replay)), ['CdrReplayed']);
    assert.equal(given(issue, replay, replay).replays, 2);
  });
});

describe('cdr id', () => {
  it('is the name-based UUID (version 5) of the session id: the same for every attempt, another for another session', () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.UUID('93711333-0240-40e1-b6a0-2e0c58554143'), '0192f3a0-0000-7000-8000-000000000001'))"
    assert.equal(cdrIdOf('0192f3a0-0000-7000-8000-000000000001'), 'd358d852-dc43-5a83-bf98-7d5411409d24');
    assert.equal(cdrIdOf('S-1'), cdrIdOf('S-1'));
    assert.notEqual(cdrIdOf('S-1'), cdrIdOf('S-2'));
    assert.equal(cdrIdOf('S-1').length, 36);
  });
});
