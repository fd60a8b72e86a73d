import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadLaunchSettings } from './evaluation.scheduler';

describe('LAUNCH_EVALUATION_INTERVAL_SECONDS', () => {
  it('defaults to hourly; 0 turns the schedule off', () => {
    assert.equal(loadLaunchSettings({}).evaluationIntervalSeconds, 3600);
    assert.equal(loadLaunchSettings({ LAUNCH_EVALUATION_INTERVAL_SECONDS: '0' }).evaluationIntervalSeconds, 0);
    assert.equal(loadLaunchSettings({ LAUNCH_EVALUATION_INTERVAL_SECONDS: '900' }).evaluationIntervalSeconds, 900);
  });

  it('refuses a value it cannot use, naming the variable', () => {
    for (const value of ['5', '-1', '1.5', 'hourly', '700000']) {
      assert.throws(() => loadLaunchSettings({ LAUNCH_EVALUATION_INTERVAL_SECONDS: value }), /^Error: LAUNCH_EVALUATION_INTERVAL_SECONDS: must be 0 \(off\) or a whole number/, value);
    }
  });
});
