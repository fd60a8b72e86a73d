import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DigestSet } from './digest-set.js';

const holds = (set: DigestSet, texts: readonly string[]) => texts.filter((text) => set.has(text));

describe('digest set', () => {
  it('leaves every earlier state as it was, whichever state is added to', () => {
    const all = ['a', 'b', 'c', 'd', 'e'];
    const empty = DigestSet.empty();
    const a = empty.with('a');
    const ab = a.with('b');
    const ac = a.with('c'); // a state that is not the newest one any more: copies what it sees
    const abd = ab.with('d', 'b', 'd');
    assert.deepEqual(
      [empty, a, ab, ac, abd].map((set) => [holds(set, all), set.size]),
      [
        [[], 0],
        [['a'], 1],
        [['a', 'b'], 2],
        [['a', 'c'], 2],
        [['a', 'b', 'd'], 3],
      ],
    );
    assert.equal(abd.with('a', 'd'), abd, 'nothing new: the same set');
    const ace = ac.with('e');
    assert.deepEqual(holds(ace, all), ['a', 'c', 'e']);
    assert.deepEqual(holds(ac, all), ['a', 'c'], 'adding to the copy leaves the set it was made from alone');
    assert.deepEqual(holds(ab, all), ['a', 'b']);
  });

  it('shares nothing between empty sets that anyone could append to', () => {
    const one = DigestSet.empty().with('x');
    const other = DigestSet.empty().with('y');
    assert.deepEqual([holds(one, ['x', 'y']), holds(other, ['x', 'y']), holds(DigestSet.empty(), ['x', 'y'])], [['x'], ['y'], []]);
  });

  it('keeps what every state sees while the table it shares grows many times', () => {
    const texts = Array.from({ length: 5_000 }, (_, i) => `1764201600000|${i}.5,Energy.Active.Import.Register,Wh,,Sample.Periodic,Outlet`);
    let set = DigestSet.empty();
    const states: DigestSet[] = [];
    for (const text of texts) {
      set = set.with(text);
      states.push(set);
    }
    assert.equal(set.size, 5_000);
    assert.equal(texts.every((text) => set.has(text)), true, 'the newest holds every one');
    assert.equal(set.has('1764201600000|5000.5,Energy.Active.Import.Register,Wh,,Sample.Periodic,Outlet'), false);
    const early = states[99]!;
    assert.deepEqual([early.size, early.has(texts[99]!), early.has(texts[100]!), early.has(texts[4_999]!)], [100, true, false, false], 'an early state sees its first 100 only');
    const branched = early.with(texts[4_999]!, 'other');
    assert.deepEqual([branched.size, branched.has(texts[50]!), branched.has(texts[4_999]!), branched.has(texts[150]!)], [102, true, true, false]);
    assert.equal(set.has('other'), false, 'the branch copied: the newest state is untouched');
  });

  it('folds n additions in linear time', () => {
    let set = DigestSet.empty();
    for (let i = 0; i < 200_000; i++) set = set.with(String(i));
    assert.equal(set.size, 200_000);
    assert.equal(set.has('199999'), true);
    assert.equal(set.has('200000'), false);
  });
});
