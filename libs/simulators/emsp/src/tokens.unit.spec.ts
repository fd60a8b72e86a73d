import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Token } from './model';
import { fixture } from './testing/fixtures';
import { TokenBook } from './tokens';

const appUser = fixture<Token>('token_example_1_app_user');
const rfid = fixture<Token>('token_example_2_full_rfid');

describe('real-time authorization', () => {
  it('allows a valid token and gives an authorization reference', () => {
    const answer = new TokenBook([rfid]).authorize(rfid.uid, 'RFID', undefined);
    assert.equal(answer.kind, 'answered');
    assert.ok(answer.kind === 'answered' && answer.info.allowed === 'ALLOWED' && answer.info.authorization_reference.length <= 36);
  });

  it('matches uid case-insensitively but by type', () => {
    const book = new TokenBook([appUser]);
    assert.equal(book.authorize(appUser.uid.toUpperCase(), 'APP_USER', undefined).kind, 'answered');
    assert.equal(book.authorize(appUser.uid, 'RFID', undefined).kind, 'unknown-token');
  });

  it('blocks an invalid token and applies a configured decision', () => {
    const book = new TokenBook([{ ...rfid, valid: false }, appUser]);
    const blocked = book.authorize(rfid.uid, 'RFID', undefined);
    assert.ok(blocked.kind === 'answered' && blocked.info.allowed === 'BLOCKED');
    book.decide(appUser.uid, 'NO_CREDIT', 'APP_USER');
    const noCredit = book.authorize(appUser.uid, 'APP_USER', { location_id: 'LOC1' });
    assert.ok(noCredit.kind === 'answered' && noCredit.info.allowed === 'NO_CREDIT' && noCredit.info.location === undefined);
  });

  it('asks for LocationReferences when configured to (2002)', () => {
    const book = new TokenBook([rfid], true);
    assert.equal(book.authorize(rfid.uid, 'RFID', undefined).kind, 'needs-location');
    const answer = book.authorize(rfid.uid, 'RFID', { location_id: 'LOC1', evse_uids: ['3256'] });
    assert.ok(answer.kind === 'answered' && answer.info.location?.['location_id'] === 'LOC1');
  });
});

describe('token list', () => {
  it('filters on last_updated: date_from inclusive, date_to exclusive, oldest first', () => {
    const book = new TokenBook([
      { ...rfid, uid: 'b', last_updated: '2024-01-02T00:00:00Z' },
      { ...rfid, uid: 'a', last_updated: '2024-01-01T00:00:00Z' },
      { ...rfid, uid: 'c', last_updated: '2024-01-03T00:00:00Z' },
    ]);
    assert.deepEqual(book.list().map((token) => token.uid), ['a', 'b', 'c']);
    assert.deepEqual(book.list(new Date('2024-01-02T00:00:00Z'), new Date('2024-01-03T00:00:00Z')).map((token) => token.uid), ['b']);
  });
});
