import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatewayInstance, gatewayInstance, nameOfInstance } from './gateway-instance';

describe('gateway instance', () => {
  it('is named, unique per start, and owns only the earlier starts of its own name', () => {
    const started = new Date('2026-11-26T14:00:00Z');
    const earlier = new GatewayInstance('gw-1', new Date('2026-11-26T13:00:00Z'));
    const now = new GatewayInstance('gw-1', started);
    assert.match(now.id, /^gw-1@2026-11-26T14:00:00\.000Z\/[0-9a-f]{8}$/);
    assert.notEqual(new GatewayInstance('gw-1', started).id, now.id);
    assert.equal(nameOfInstance(now.id), 'gw-1');
    assert.equal(now.isPredecessor(earlier.id), true);
    assert.equal(now.isPredecessor(now.id), false);
    assert.equal(now.isPredecessor(new GatewayInstance('gw-10', started).id), false);
    assert.equal(now.isPredecessor(''), false, 'a connection an older gateway recorded has no known owner');
  });

  it('takes GATEWAY_NAME, else the host name, and refuses a name it could not tell apart', () => {
    assert.equal(gatewayInstance({ GATEWAY_NAME: ' edge-2 ' }).name, 'edge-2');
    assert.notEqual(gatewayInstance({}).name, '');
    assert.throws(() => gatewayInstance({ GATEWAY_NAME: 'a@b' }), /GATEWAY_NAME/);
  });
});
