import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequestException } from '@nestjs/common';
import { choice, instant, integer, objectBody, optionalInteger, optionalString, optionalTime, queryChoice, requiredString, text } from './validation';

const refused = (run: () => unknown, message: RegExp) =>
  assert.throws(run, (error: unknown) => error instanceof BadRequestException && message.test(error.message));

describe('operations API input checks (shared)', () => {
  it('takes a body as an object, or a missing one as {} when asked', () => {
    assert.deepEqual(objectBody({ a: 1 }), { a: 1 });
    refused(() => objectBody(undefined), /^body: must be a JSON object/);
    refused(() => objectBody([1]), /^body: must be a JSON object/);
    assert.deepEqual(objectBody(undefined, { absentAsEmpty: true }), {});
  });

  it('reads text fields: empty is absent, required names the field, repeated query parameters are refused', () => {
    assert.equal(text({ a: '' }, 'a'), undefined);
    refused(() => text({}, 'a', { required: true }), /^a: is required$/);
    refused(() => text({ a: ['1', '2'] }, 'a'), /^a: must be given once/);
    refused(() => text({ a: 'x'.repeat(257) }, 'a'), /^a: must be at most 256 characters, got 257/);
    assert.equal(optionalString({ a: 'x' }, 'a'), 'x');
    refused(() => optionalString({ a: 5 }, 'a'), /^a: must be a string, got 5/);
    refused(() => requiredString({ a: '' }, 'a', 'the tariff id'), /^a: is required \(the tariff id\)/);
  });

  it('matches choices without regard to case, in bodies and queries alike', () => {
    assert.equal(choice({ s: 'open' }, 's', ['OPEN', 'CLOSED']), 'OPEN');
    assert.equal(queryChoice({ s: 'closed' }, 's', ['OPEN', 'CLOSED']), 'CLOSED');
    refused(() => choice({ s: 'x' }, 's', ['OPEN']), /^s: must be one of OPEN, got "x"/);
  });

  it('reads integers and times, naming the field and the range', () => {
    assert.equal(integer({}, 'limit', 1, 500, 50), 50);
    assert.equal(integer({ limit: '7' }, 'limit', 1, 500, 50), 7);
    refused(() => integer({ limit: '501' }, 'limit', 1, 500, 50), /^limit: must be an integer from 1 to 500, got "501"/);
    refused(() => optionalInteger({ n: -1 }, 'n'), /^n: must be an integer >= 0, got -1/);
    assert.equal(instant({ from: '2025-03-01' }, 'from')?.toISOString(), '2025-03-01T00:00:00.000Z');
    refused(() => instant({ from: 'March' }, 'from'), /^from: must be a date/);
    assert.equal(optionalTime({ t: '2025-03-01T10:00:00+01:00' }, 't')?.toISOString(), '2025-03-01T09:00:00.000Z');
    refused(() => optionalTime({ t: '2025-03-01' }, 't'), /^t: must be an RFC 3339 time/);
  });
});
