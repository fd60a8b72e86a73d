import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Configuration } from './configuration';

const configuration = () => new Configuration({ heartbeatIntervalS: 300, meterValueIntervalS: 60, connectors: 2 });

describe('configuration', () => {
  it('changes writable keys and tells listeners', () => {
    const config = configuration();
    const changes: string[] = [];
    config.onChange((key, value) => changes.push(`${key}=${value}`));
    assert.equal(config.set('HeartbeatInterval', '30'), 'Accepted');
    assert.equal(config.number('HeartbeatInterval'), 30);
    assert.deepEqual(changes, ['HeartbeatInterval=30']);
  });

  it('rejects read-only keys and invalid values, and does not support unknown keys', () => {
    const config = configuration();
    assert.equal(config.set('NumberOfConnectors', '4'), 'Rejected');
    assert.equal(config.set('HeartbeatInterval', 'often'), 'Rejected');
    assert.equal(config.set('HeartbeatInterval', '-1'), 'Rejected');
    assert.equal(config.set('AuthorizeRemoteTxRequests', 'yes'), 'Rejected');
    assert.equal(config.set('FreeVend', 'true'), 'NotSupported');
    assert.equal(config.get('NumberOfConnectors'), '2');
  });
});
