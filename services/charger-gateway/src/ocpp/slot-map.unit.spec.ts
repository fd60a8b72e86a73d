import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RPCClient } from 'ocpp-rpc';
import { keepPendingResponsesInSlots } from './ocpp-server';
import { SlotMap } from './slot-map';

describe('SlotMap', () => {
  it('answers like a Map through a cycle of one entry', () => {
    const map = new SlotMap<string, number>();
    assert.equal(map.size, 0);
    for (let i = 0; i < 3; i++) {
      map.set(`id-${i}`, i);
      assert.equal(map.size, 1);
      assert.equal(map.has(`id-${i}`), true);
      assert.equal(map.get(`id-${i}`), i);
      assert.equal(map.has(`id-${i + 1}`), false);
      assert.equal(map.delete(`id-${i}`), true);
      assert.equal(map.delete(`id-${i}`), false);
      assert.equal(map.size, 0);
      assert.equal(map.get(`id-${i}`), undefined);
    }
  });

  it('keeps further entries too, in insertion order after the first, and replaces a value under the same key', () => {
    const map = new SlotMap<string, string>();
    map.set('a', '1').set('b', '2').set('c', '3').set('b', '2b').set('a', '1a');
    assert.equal(map.size, 3);
    assert.deepEqual([...map], [['a', '1a'], ['b', '2b'], ['c', '3']]);
    assert.equal(map.delete('a'), true);
    assert.deepEqual([...map.keys()], ['b', 'c']);
    map.set('d', '4');
    assert.deepEqual([...map.entries()], [['d', '4'], ['b', '2b'], ['c', '3']]);
    const seen: string[] = [];
    map.forEach((value, key) => seen.push(`${key}=${value}`));
    assert.deepEqual(seen, ['d=4', 'b=2b', 'c=3']);
    assert.deepEqual([...map.values()], ['4', '2b', '3']);
    map.clear();
    assert.equal(map.size, 0);
    assert.deepEqual([...map], []);
  });

  it('tells keys apart the way a Map does', () => {
    const map = new SlotMap<unknown, string>();
    map.set(NaN, 'nan').set(0, 'zero').set('0', 'text');
    assert.equal(map.get(NaN), 'nan');
    assert.equal(map.get(0), 'zero');
    assert.equal(map.get('0'), 'text');
    assert.equal(map.size, 3);
  });
});

describe('keepPendingResponsesInSlots', () => {
  it("replaces the table of the ocpp-rpc version in use (a new version that renames it fails here, not silently)", () => {
    const client = new RPCClient({ identity: 'CP-1', endpoint: 'ws://127.0.0.1:1' } as never);
    assert.equal(keepPendingResponsesInSlots(client), true);
    assert.ok((client as unknown as { _pendingResponses: unknown })._pendingResponses instanceof SlotMap);
    assert.equal(keepPendingResponsesInSlots(client), false, 'only an empty Map is replaced');
  });
});
