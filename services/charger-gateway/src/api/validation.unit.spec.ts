import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException } from '@nestjs/common';
import { optionalNumber, paging, queryBoolean, queryChoice } from '@roamgate/runtime';
import { chargerIdentity } from './validation';

const refused = (run: () => unknown, message: RegExp) =>
  assert.throws(run, (error: unknown) => error instanceof BadRequestException && message.test(error.message));

describe('operations API input checks', () => {
  it('accepts an OCPP identity of 1 to 48 characters without ":" "/" or whitespace, naming the field otherwise', () => {
    assert.equal(chargerIdentity('CP-0001_a.b'), 'CP-0001_a.b');
    assert.equal(chargerIdentity('x'.repeat(48)), 'x'.repeat(48));
    refused(() => chargerIdentity(''), /^id: is required/);
    refused(() => chargerIdentity(undefined), /^id: is required/);
    refused(() => chargerIdentity(42), /^id: is required/);
    refused(() => chargerIdentity('x'.repeat(49)), /^id: must be at most 48 characters, got 49/);
    refused(() => chargerIdentity('CP:1'), /^id: must not contain ':' or '\/'/);
    refused(() => chargerIdentity('CP/1'), /^id: must not contain/);
    refused(() => chargerIdentity('CP 1'), /^id: must not contain whitespace/);
  });

  it('pages with offset and limit, default 0 and 50, limit at most 500', () => {
    assert.deepEqual(paging({}), { offset: 0, limit: 50 });
    assert.deepEqual(paging({ offset: '10', limit: '500' }), { offset: 10, limit: 500 });
    refused(() => paging({ limit: '0' }), /^limit: must be between 1 and 500/);
    refused(() => paging({ limit: '501' }), /^limit: must be between 1 and 500/);
    refused(() => paging({ offset: '-1' }), /^offset: must be a non-negative integer/);
    refused(() => paging({ offset: ['1', '2'] }), /^offset: must be given once/);
  });

  it('reads booleans and choices from the query strictly', () => {
    assert.equal(queryBoolean({ connected: 'true' }, 'connected'), true);
    assert.equal(queryBoolean({ connected: 'false' }, 'connected'), false);
    assert.equal(queryBoolean({}, 'connected'), undefined);
    refused(() => queryBoolean({ connected: 'yes' }, 'connected'), /^connected: must be true or false/);
    assert.equal(queryChoice({ status: 'active' }, 'status', ['ACTIVE', 'COMPLETED']), 'ACTIVE');
    refused(() => queryChoice({ status: 'RUNNING' }, 'status', ['ACTIVE', 'COMPLETED']), /^status: must be one of ACTIVE, COMPLETED/);
  });

  it('bounds numbers in bodies', () => {
    assert.equal(optionalNumber({ timeoutSeconds: 5 }, 'timeoutSeconds', { min: 0, max: 3600, exclusiveMin: true }), 5);
    refused(() => optionalNumber({ timeoutSeconds: 0 }, 'timeoutSeconds', { min: 0, max: 3600, exclusiveMin: true }), /^timeoutSeconds: must be greater than 0/);
    refused(() => optionalNumber({ timeoutSeconds: '5' }, 'timeoutSeconds', { min: 0, max: 3600 }), /^timeoutSeconds: must be a number, got "5"/);
  });
});
