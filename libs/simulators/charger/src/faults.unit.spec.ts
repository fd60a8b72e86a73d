import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createValidator } from 'ocpp-rpc';
import { BAD_FRAME_KINDS, badFrame, badFrameKind, skewed } from './faults';
import type { OcppProtocol } from './model';

const schemas: Record<OcppProtocol, object[]> = {
  'ocpp1.6': require('ocpp-rpc/lib/schemas/ocpp1_6.json'),
  'ocpp2.0.1': require('ocpp-rpc/lib/schemas/ocpp2_0_1.json'),
};

describe('bad frames', () => {
  for (const protocol of ['ocpp1.6', 'ocpp2.0.1'] as const) {
    const validator = createValidator(protocol, schemas[protocol]);
    for (const kind of BAD_FRAME_KINDS) {
      it(`${protocol} ${kind} is not a frame the schemas accept`, () => {
        const text = badFrame(protocol, kind, '2025-01-01T00:00:00.000Z', 'm1');
        if (kind === 'notJson') return assert.throws(() => JSON.parse(text));
        const [type, id, action, payload] = JSON.parse(text) as [number, string, string, unknown];
        assert.deepEqual([type, id], [2, 'm1']);
        assert.throws(() => validator.validate(`urn:${action}.req`, payload));
      });
    }
  }

  it('defaults to a wrong type', () => {
    assert.equal(badFrameKind({ badFrame: true }), 'wrongType');
    assert.equal(badFrameKind({ badFrame: { kind: 'notJson' } }), 'notJson');
    assert.equal(badFrameKind({}), undefined);
  });
});

describe('clock skew', () => {
  it('shifts every reading of the clock', () => {
    const clock = () => new Date('2025-01-01T00:00:00.000Z');
    assert.equal(skewed(clock, -90)().toISOString(), '2024-12-31T23:58:30.000Z');
    assert.equal(skewed(clock, 0), clock);
  });
});
