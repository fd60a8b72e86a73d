import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { partitionOf } from './message-log';

describe('partitionOf', () => {
  it('keeps the partition every key had when existing bus files were written', () => {
    // A changed hash would send a key's new messages to another partition than its old ones,
    // breaking per-key order in every existing bus file.
    const keys = ['charger-CP-1', 'session-42', '', 'Zürich ⚡'];
    assert.deepEqual(
      keys.map((key) => partitionOf(key, 1_000_003)),
      [995831, 841347, 129763, 867288],
    );
  });

  it('spreads keys over every partition', () => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8_000; i++) counts[partitionOf(`session-${i}`, 8)]!++;
    for (const count of counts) assert.ok(count > 800 && count < 1_200, `uneven spread: ${counts.join(', ')}`);
  });
});
