import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { meetsGatewayTarget, type GatewayRun } from './gateway-target';
import { percentile } from './stats';

describe('gateway bench: nearest-rank percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('takes the value at rank ceil(p% of n)', () => {
    assert.equal(percentile(hundred, 50), 50);
    assert.equal(percentile(hundred, 99), 99);
    assert.equal(percentile(hundred, 100), 100);
    assert.equal(percentile([1, 2, 3], 50), 2);
    // 1% of 60,000 acks above it: the 59,400th value.
    const sixtyThousand = Array.from({ length: 60_000 }, (_, i) => i);
    assert.equal(percentile(sixtyThousand, 99), 59_399);
  });

  it('stays inside the samples at the extremes, and is NaN without any', () => {
    assert.equal(percentile(hundred, 0), 1);
    assert.equal(percentile([7], 99), 7);
    assert.ok(Number.isNaN(percentile([], 50)));
  });
});

describe('gateway bench: issue 3 target check', () => {
  const met: GatewayRun = {
    chargers: 5_000,
    connectionsHeld: 5_000,
    offeredPerSec: 3_000,
    measuredSeconds: 20,
    windowMeterValuesSent: 60_000,
    windowMeterValuesNotAcked: 0,
    ackP99Ms: 42.5,
  };

  it('is met with every connection held, the full rate offered and acknowledged, and p99 under 50 ms', () => {
    assert.equal(meetsGatewayTarget(met), true);
    assert.equal(meetsGatewayTarget({ ...met, windowMeterValuesSent: 59_400 }), true, 'a late last tick leaves up to 1% after the window');
  });

  it('is not met by a p99 of 50 ms or more', () => {
    assert.equal(meetsGatewayTarget({ ...met, ackP99Ms: 50 }), false);
    assert.equal(meetsGatewayTarget({ ...met, ackP99Ms: Number.NaN }), false, 'no latencies at all');
  });

  it('is not met when a single MeterValues of the window went unacknowledged', () => {
    assert.equal(meetsGatewayTarget({ ...met, windowMeterValuesNotAcked: 1 }), false);
  });

  it('is not met when less was offered or sent than the target asks', () => {
    assert.equal(meetsGatewayTarget({ ...met, offeredPerSec: 2_999 }), false, 'offered below 3,000/s');
    assert.equal(meetsGatewayTarget({ ...met, windowMeterValuesSent: 59_399 }), false, 'the generators fell behind the offered load');
  });

  it('is not met with fewer than 5,000 chargers run or held', () => {
    assert.equal(meetsGatewayTarget({ ...met, chargers: 4_999, connectionsHeld: 4_999 }), false);
    assert.equal(meetsGatewayTarget({ ...met, connectionsHeld: 4_999 }), false, 'one connection lost');
  });
});
