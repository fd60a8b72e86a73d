import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppendOnlySet } from './append-only.js';

describe('append-only set', () => {
  it('leave every earlier state as it was, whichever state is added to', () => {
    const empty = AppendOnlySet.empty<string>();
    const a = empty.with('a');
    const ab = a.with('b');
    const ac = a.with('c'); // a state that is not the newest one any more: copies what it sees
    const abd = ab.with('d', 'b', 'd');
    assert.deepEqual([empty, a, ab, ac, abd].map((set) => set.toArray()), [[], ['a'], ['a', 'b'], ['a', 'c'], ['a', 'b', 'd']]);
    assert.deepEqual([a.has('b'), ab.has('b'), ac.has('b'), ac.has('c'), ab.has('c'), abd.has('d'), ab.has('d')], [false, true, false, true, false, true, false]);
    assert.equal(abd.with('a', 'd'), abd, 'nothing new: the same set');
    assert.deepEqual(ac.with('e').toArray(), ['a', 'c', 'e']);
    assert.deepEqual(ab.toArray(), ['a', 'b']);
  });

  it('share nothing between empty sets that anyone could append to', () => {
    const one = AppendOnlySet.empty<string>().with('x');
    const other = AppendOnlySet.empty<string>().with('y');
    assert.deepEqual([one.toArray(), other.toArray(), AppendOnlySet.empty<string>().toArray()], [['x'], ['y'], []]);
    assert.equal(AppendOnlySet.empty<string>().has('x'), false);
    assert.equal(other.has('x'), false);
  });

  it('fold n additions in linear time', () => {
    let set = AppendOnlySet.empty<number>();
    for (let i = 0; i < 200_000; i++) set = set.with(i);
    assert.equal(set.size, 200_000);
    assert.equal(set.has(199_999), true);
  });
});
