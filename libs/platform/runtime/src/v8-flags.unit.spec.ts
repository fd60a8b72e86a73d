import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ROAMGATE_V8_FLAGS, v8FlagsToSet } from './v8-flags';

describe('v8FlagsToSet', () => {
  it('sets every Roamgate flag when the operator gave none', () => {
    assert.deepEqual(v8FlagsToSet(ROAMGATE_V8_FLAGS, []), [...ROAMGATE_V8_FLAGS]);
    assert.deepEqual(v8FlagsToSet(ROAMGATE_V8_FLAGS, ['--enable-source-maps', '--max-old-space-size=2048']), [...ROAMGATE_V8_FLAGS]);
  });

  it("leaves a flag the operator set on node's command line, in any of the spellings V8 takes", () => {
    const defaults = ['--no-allocation-site-pretenuring', '--heap-growing-percent=700'];
    assert.deepEqual(v8FlagsToSet(defaults, ['--heap-growing-percent=100']), ['--no-allocation-site-pretenuring']);
    assert.deepEqual(v8FlagsToSet(defaults, ['--heap_growing_percent=0', '--trace-gc']), ['--no-allocation-site-pretenuring']);
    assert.deepEqual(v8FlagsToSet(defaults, ['--allocation-site-pretenuring']), ['--heap-growing-percent=700']);
    assert.deepEqual(v8FlagsToSet(defaults, ['--noallocation_site_pretenuring']), ['--heap-growing-percent=700']);
  });

  it('does not take an argument that is not a flag for one', () => {
    assert.deepEqual(v8FlagsToSet(['--heap-growing-percent=700'], ['heap-growing-percent']), ['--heap-growing-percent=700']);
  });
});
