import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashPassword, verifyPassword } from './password';

describe('charger passwords', () => {
  it('stores scrypt$N$r$p$salt$hash with a fresh salt and verifies only the right password', async () => {
    const stored = await hashPassword('0123456789abcdef');
    assert.match(stored, /^scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    assert.notEqual(await hashPassword('0123456789abcdef'), stored, 'salted');
    assert.equal(await verifyPassword('0123456789abcdef', stored), true);
    assert.equal(await verifyPassword(Buffer.from('0123456789abcdef'), stored), true);
    assert.equal(await verifyPassword('0123456789abcdeF', stored), false);
    assert.equal(await verifyPassword('', stored), false);
  });

  it('refuses stored values it did not write', async () => {
    for (const stored of ['', 'plain', 'bcrypt$1$2$3$4$5', 'scrypt$x$8$1$c2FsdA$aGFzaA', 'scrypt$16384$8$1$c2FsdA$']) {
      assert.equal(await verifyPassword('anything', stored), false, stored);
    }
  });
});
