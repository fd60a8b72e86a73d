import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuietStreams } from './quiet-streams';

describe('QuietStreams', () => {
  it('skips only the very next revision of a remembered stream, and follows the chain', () => {
    const quiet = new QuietStreams();
    assert.equal(quiet.skip('s-1', 1), false, 'nothing remembered yet');
    quiet.remember('s-1', 4);
    assert.equal(quiet.skip('s-1', 6), false, 'a gap: revision 5 was handled elsewhere');
    assert.equal(quiet.skip('s-1', 4), false, 'a redelivery');
    assert.equal(quiet.skip('s-1', 5), true);
    assert.equal(quiet.skip('s-1', 6), true);
    assert.equal(quiet.skip('s-2', 7), false, 'another stream');
    quiet.forget('s-1');
    assert.equal(quiet.skip('s-1', 7), false);
  });

  it('forgets the longest remembered stream past its capacity', () => {
    const quiet = new QuietStreams(2);
    quiet.remember('a', 0);
    quiet.remember('b', 0);
    quiet.remember('a', 1);
    quiet.remember('c', 0);
    assert.equal(quiet.size, 2);
    assert.equal(quiet.skip('a', 2), false, 'a was remembered first');
    assert.equal(quiet.skip('b', 1), true);
    assert.equal(quiet.skip('c', 1), true);
  });
});
