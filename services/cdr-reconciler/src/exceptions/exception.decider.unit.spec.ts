import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { statusEnum, type ReconEvent } from '../recon-events';
import { exceptionDecider, InvalidTransitionError, type ExceptionCommand, type ExceptionFinding, type ExceptionState } from './exception.decider';

const now = new Date('2025-03-02T10:00:00Z');
const finding: ExceptionFinding = {
  exceptionId: 'exc-1',
  runId: 'run-1',
  partnerId: 'NL-EMS',
  type: 'AMOUNT_MISMATCH',
  owner: 'PARTNER',
  rule: 'AMOUNT-REPLAYED',
  facts: { ourAmountExclVat: '12.34', partnerAmountExclVat: '13.34' },
  ourCdrId: 'CDR-1',
  sessionId: 'S-1',
  amountAtRisk: '1.00',
  currency: 'EUR',
  detail: 'CDR CDR-1: the partner priced it differently',
};

const given = (...commands: ExceptionCommand[]): ExceptionState => {
  let state = exceptionDecider.initialState();
  for (const command of commands) for (const event of exceptionDecider.decide(command, state)) state = exceptionDecider.evolve(state, event);
  return state;
};
const open: ExceptionCommand = { type: 'OpenException', finding, now };
const investigate: ExceptionCommand = { type: 'Investigate', note: 'asked', by: 'ops', now };
const resolve: ExceptionCommand = { type: 'Resolve', resolution: 'PARTNER_CORRECTED', note: 'fixed', by: 'ops', now };
const accept: ExceptionCommand = { type: 'Accept', note: 'within contract', by: 'ops', now };

const statusOf = (events: readonly ReconEvent[]) => events.map((e) => (e.type === 'ReconExceptionStatusChanged' ? `${statusEnum.toName(e.data.from)}->${statusEnum.toName(e.data.to)}` : e.type));

describe('exception workflow decider', () => {
  it('opens an exception with its owner, rule and evidence', () => {
    const [event] = exceptionDecider.decide(open, given());
    assert.equal(event?.type, 'ReconExceptionOpened');
    if (event?.type !== 'ReconExceptionOpened') return;
    assert.deepEqual({ ...event.data.facts }, finding.facts);
    assert.equal(event.data.rule, 'AMOUNT-REPLAYED');
    assert.equal(given(open).status, 'OPEN');
  });

  it('opens nothing when the exception exists, whatever its state: a re-import does not double it', () => {
    assert.deepEqual(exceptionDecider.decide(open, given(open)), []);
    assert.deepEqual(exceptionDecider.decide(open, given(open, resolve)), []);
  });

  it('goes OPEN -> INVESTIGATING -> RESOLVED with a resolution and note, or straight to ACCEPTED', () => {
    assert.deepEqual(statusOf(exceptionDecider.decide(investigate, given(open))), ['OPEN->INVESTIGATING']);
    assert.deepEqual(statusOf(exceptionDecider.decide(resolve, given(open, investigate))), ['INVESTIGATING->RESOLVED']);
    assert.deepEqual(statusOf(exceptionDecider.decide(accept, given(open))), ['OPEN->ACCEPTED']);
    const [resolved] = exceptionDecider.decide(resolve, given(open));
    assert.ok(resolved?.type === 'ReconExceptionStatusChanged' && resolved.data.resolution === 'PARTNER_CORRECTED' && resolved.data.note === 'fixed');
  });

  it('refuses transitions out of a final state and a second investigation, naming the states', () => {
    assert.throws(() => exceptionDecider.decide(accept, given(open, resolve)), (e: unknown) => e instanceof InvalidTransitionError && /already RESOLVED, a final state/.test(e.message));
    assert.throws(() => exceptionDecider.decide(investigate, given(open, investigate)), /from INVESTIGATING it can only become RESOLVED or ACCEPTED/);
    assert.throws(() => exceptionDecider.decide(investigate, given()), /no such exception/);
    assert.throws(() => exceptionDecider.decide({ ...resolve, resolution: ' ' }, given(open)), /resolution: required/);
  });
});
