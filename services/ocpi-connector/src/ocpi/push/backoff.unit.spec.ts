import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelayMs } from './backoff';
import { derivedEventId } from './derived-id';

describe('push backoff schedule', () => {
  const policy = { baseDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.2 };

  it('doubles from the base delay and stops at the cap', () => {
    const noJitter = { ...policy, jitter: 0 };
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8, 50].map((a) => backoffDelayMs(a, noJitter)), [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('draws the top jitter share at random, never above the capped delay', () => {
    assert.equal(backoffDelayMs(3, policy, () => 0), 3_200);
    assert.equal(backoffDelayMs(3, policy, () => 1), 4_000);
    assert.equal(backoffDelayMs(10, policy, () => 0.5), 54_000);
  });
});

describe('derived event ids', () => {
  it('are stable UUIDs of their seed', () => {
    const id = derivedEventId('push|e-1');
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(derivedEventId('push|e-1'), id);
    assert.notEqual(derivedEventId('push|e-2'), id);
  });
});
