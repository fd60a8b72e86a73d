import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newEventId } from './event-id';

describe('newEventId', () => {
  it('is a version 7, variant 1 UUID carrying the given milliseconds', () => {
    const id = newEventId(0x0190_1234_5678);
    assert.match(id, /^01901234-5678-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts by creation time', () => {
    const ids = [1_000, 2_000, 3_000].map((ms) => newEventId(1_700_000_000_000 + ms));
    assert.deepEqual([...ids].sort(), ids);
  });

  it('is unique within one millisecond', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newEventId(1_700_000_000_000)));
    assert.equal(ids.size, 10_000);
  });
});
