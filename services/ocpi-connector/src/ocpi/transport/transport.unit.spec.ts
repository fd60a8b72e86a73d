import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizationHeader, parseAuthorization } from './authorization';
import { redactBody, redactHeaders } from './call-recorder';
import { envelope, parseEnvelope } from './envelope';
import { pageHeaders, pageOf, parsePageQuery } from './pagination';
import { parseRoutingHeaders } from './routing';
import { newCredentialsToken, seal, tokenHash, unseal } from './secrets';
import { OcpiError } from './status';

describe('Authorization: Token', () => {
  it('decodes the Base64 token of 2.2.1', () => {
    assert.deepEqual(parseAuthorization(authorizationHeader('ebf3b399-779f-4497-9b9d-ac6ad3cc44d2')), {
      raw: 'ZWJmM2IzOTktNzc5Zi00NDk3LTliOWQtYWM2YWQzY2M0NGQy',
      decoded: 'ebf3b399-779f-4497-9b9d-ac6ad3cc44d2',
    });
  });

  it("reads the spec's own example, whose encoded token ends in a newline", () => {
    assert.equal(parseAuthorization('Token ZXhhbXBsZS10b2tlbgo=')?.decoded, 'example-token');
  });

  it('keeps the raw value of an unencoded 2.1.1 token, which does not decode', () => {
    const parsed = parseAuthorization('Token ebf3b399-779f-4497-9b9d-ac6ad3cc44d2');
    assert.equal(parsed?.decoded, undefined);
    assert.equal(parsed?.raw, 'ebf3b399-779f-4497-9b9d-ac6ad3cc44d2');
  });

  it('accepts any case of the scheme and rejects other schemes or a missing token', () => {
    assert.equal(parseAuthorization('token ZXhhbXBsZS10b2tlbg==')?.decoded, 'example-token');
    assert.equal(parseAuthorization('Bearer ZXhhbXBsZS10b2tlbg=='), undefined);
    assert.equal(parseAuthorization('Token'), undefined);
    assert.equal(parseAuthorization(undefined), undefined);
  });

  it('writes unencoded tokens only when asked', () => {
    assert.equal(authorizationHeader('abc', false), 'Token abc');
    assert.equal(authorizationHeader('abc'), 'Token YWJj');
  });
});

describe('response envelope', () => {
  const now = new Date('2025-03-01T09:00:00.123Z');
  it('has data, status_code, timestamp without fractions, and no data key when there is none', () => {
    assert.deepEqual(envelope({ a: 1 }, now), { data: { a: 1 }, status_code: 1000, timestamp: '2025-03-01T09:00:00Z' });
    assert.deepEqual(envelope(undefined, now, 2001, 'Missing required field: type'), {
      status_code: 2001,
      status_message: 'Missing required field: type',
      timestamp: '2025-03-01T09:00:00Z',
    });
  });

  it('parses a peer envelope and refuses what is none', () => {
    assert.equal(parseEnvelope({ status_code: 1000, timestamp: 'x' }).data, undefined);
    assert.throws(() => parseEnvelope([1]), /not an OCPI envelope/);
    assert.throws(() => parseEnvelope({ status_code: '1000' }), /status_code/);
  });
});

describe('pagination', () => {
  const url = new URL('https://cpo.example/ocpi/2.2.1/cdrs?date_from=2016-01-01T00:00:00Z&date_to=2016-12-31T23:59:59Z');

  it('caps limit at the server maximum and defaults offset to 0', () => {
    assert.deepEqual(parsePageQuery({ limit: '2000' }, 100), { offset: 0, limit: 100 });
    assert.deepEqual(parsePageQuery({ offset: '20', limit: '10' }, 100), { offset: 20, limit: 10 });
  });

  it('refuses malformed parameters naming them', () => {
    assert.throws(() => parsePageQuery({ offset: '-1' }, 100), (e: unknown) => e instanceof OcpiError && e.statusCode === 2001 && /offset/.test(e.message));
    assert.throws(() => parsePageQuery({ date_from: 'yesterday' }, 100), /date_from/);
    assert.throws(() => parsePageQuery({ limit: ['1', '2'] }, 100), /limit: must be given once/);
    assert.throws(() => parsePageQuery({ date_from: '2020-01-02T00:00:00Z', date_to: '2020-01-01T00:00:00Z' }, 100), /before date_to/);
  });

  it('reads date_from and date_to as UTC', () => {
    const page = parsePageQuery({ date_from: '2016-01-01T00:00:00', date_to: '2016-12-31T23:59:59Z' }, 100);
    assert.equal(page.dateFrom?.toISOString(), '2016-01-01T00:00:00.000Z');
  });

  it('links the next page with the original filters, and X-Limit is the server maximum', () => {
    const page = parsePageQuery({ date_from: '2016-01-01T00:00:00Z', date_to: '2016-12-31T23:59:59Z' }, 100);
    const headers = pageHeaders(url, page, 250, 100);
    assert.equal(headers['X-Total-Count'], '250');
    assert.equal(headers['X-Limit'], '100');
    assert.equal(
      headers.Link,
      '<https://cpo.example/ocpi/2.2.1/cdrs?offset=100&limit=100&date_from=2016-01-01T00%3A00%3A00Z&date_to=2016-12-31T23%3A59%3A59Z>; rel="next"',
    );
  });

  it('keeps the smaller limit a client asked for, and has no link on the last page', () => {
    const next = pageHeaders(new URL('https://cpo.example/x?offset=150&limit=50'), { offset: 150, limit: 50 }, 260, 100);
    assert.match(next.Link!, /offset=200&limit=50>; rel="next"$/);
    assert.equal(pageHeaders(url, { offset: 200, limit: 50 }, 250, 100).Link, undefined);
    assert.equal(pageHeaders(url, { offset: 200, limit: 100 }, 250, 100).Link, undefined);
  });

  it('filters by last_updated, from inclusive and to exclusive', () => {
    const items = [1, 2, 3, 4].map((d) => ({ d, at: new Date(`2020-01-0${d}T00:00:00Z`) }));
    const page = parsePageQuery({ date_from: '2020-01-02T00:00:00Z', date_to: '2020-01-04T00:00:00Z' }, 100);
    assert.deepEqual(pageOf(items, page, (i) => i.at), { items: [items[1], items[2]], total: 2 });
  });
});

describe('routing headers', () => {
  it('reads both parties and upper-cases the CiStrings', () => {
    assert.deepEqual(
      parseRoutingHeaders({ 'ocpi-from-country-code': 'nl', 'ocpi-from-party-id': 'ems', 'ocpi-to-country-code': 'NL', 'ocpi-to-party-id': 'RGT' }),
      { from: { countryCode: 'NL', partyId: 'EMS' }, to: { countryCode: 'NL', partyId: 'RGT' } },
    );
    assert.deepEqual(parseRoutingHeaders({}), {});
  });

  it('refuses half a party and malformed values, naming the header', () => {
    assert.throws(() => parseRoutingHeaders({ 'ocpi-from-country-code': 'NL' }), /ocpi-from-party-id: required together/);
    assert.throws(() => parseRoutingHeaders({ 'ocpi-to-country-code': 'NLD', 'ocpi-to-party-id': 'RGT' }), /ocpi-to-country-code: must be a CiString\(2\)/);
  });
});

describe('secrets', () => {
  it('hashes tokens with sha256 and seals outbound tokens for one partner only', () => {
    assert.match(tokenHash('x'), /^sha256:[0-9a-f]{64}$/);
    const key = Buffer.alloc(32, 7);
    const token = newCredentialsToken();
    assert.match(token, /^[\x21-\x7e]{43}$/);
    const sealed = seal(key, token, 'NL-EMS');
    assert.ok(!sealed.includes(token));
    assert.equal(unseal(key, sealed, 'NL-EMS'), token);
    assert.throws(() => unseal(key, sealed, 'DE-XYZ'));
    assert.throws(() => unseal(Buffer.alloc(32, 8), sealed, 'NL-EMS'));
  });

  it('keeps tokens and Authorization out of recorded calls', () => {
    assert.equal(redactHeaders({ Authorization: 'Token abc', 'X-Request-ID': '1' }).authorization, '[redacted]');
    const body = redactBody(JSON.stringify({ data: { token: 'secret', url: 'u' }, status_code: 1000 }));
    assert.ok(!body.includes('secret'));
    assert.match(body, /"url":"u"/);
  });
});
