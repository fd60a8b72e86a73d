import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SimulatedCharger, startSimulatedCharger } from './charger';
import { type FakeCsms, startFakeCsms } from './testing/fake-csms';

let csms: FakeCsms;

before(async () => {
  csms = await startFakeCsms({ passwords: { 'SECURE-16': 's3cret:with:colons', 'SECURE-201': 'another-secret' } });
});
after(() => csms.close());

describe('HTTP Basic auth (security profile 1)', () => {
  for (const [id, protocol, password] of [
    ['SECURE-16', 'ocpp1.6', 's3cret:with:colons'],
    ['SECURE-201', 'ocpp2.0.1', 'another-secret'],
  ] as const) {
    it(`${protocol}: sends the charger id as user name and its password`, async () => {
      const charger = await startSimulatedCharger({ url: csms.url, id, protocol, password });
      await charger.whenBooted();
      await charger.stop();
      const connection = csms.connections.find((c) => c.chargerId === id)!;
      assert.equal(connection.password, password);
      assert.equal(connection.protocol, protocol);
    });
  }

  it('fails to start when the CSMS refuses the password', async () => {
    const charger = new SimulatedCharger({ url: csms.url, id: 'SECURE-16', protocol: 'ocpp1.6', password: 'wrong' });
    await assert.rejects(charger.start(), (error: Error & { code?: number }) => error.code === 401);
    assert.equal(charger.stats().errors, 1);
    await charger.stop();
  });
});
