import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { authorizationHeader, nextLinkOf, nextPageUrl, pageOf, redactedHeaders, tokenOfAuthorization } from './transport';

describe('Authorization: Token', () => {
  it('sends base64 in 2.2.1 and reads it back', () => {
    const header = authorizationHeader('ebf3b399-779f-4497-9b9d-ac6ad3cc44d2', 'base64');
    assert.equal(header, 'Token ZWJmM2IzOTktNzc5Zi00NDk3LTliOWQtYWM2YWQzY2M0NGQy');
    assert.equal(tokenOfAuthorization(header, 'base64'), 'ebf3b399-779f-4497-9b9d-ac6ad3cc44d2');
  });

  it('sends and reads unencoded tokens for older peers', () => {
    assert.equal(authorizationHeader('abc-123', 'plain'), 'Token abc-123');
    assert.equal(tokenOfAuthorization('Token abc-123', 'plain'), 'abc-123');
  });

  it('refuses an unencoded token when base64 is expected, and anything that is not a Token header', () => {
    assert.equal(tokenOfAuthorization('Token abc-123', 'base64'), undefined);
    assert.equal(tokenOfAuthorization('Bearer abc', 'base64'), undefined);
    assert.equal(tokenOfAuthorization(undefined, 'plain'), undefined);
  });
});

describe('pagination', () => {
  it('finds the next link among several', () => {
    assert.equal(nextLinkOf('<https://a.example/x?offset=50&limit=50>; rel="next"'), 'https://a.example/x?offset=50&limit=50');
    assert.equal(nextLinkOf('<https://a.example/p>; rel="prev", <https://a.example/n?a=1,2>; rel=next'), 'https://a.example/n?a=1,2');
    assert.equal(nextLinkOf('<https://a.example/p>; rel="prev"'), undefined);
    assert.equal(nextLinkOf(null), undefined);
  });

  it('caps the limit at the server maximum and stops at the last page', () => {
    assert.deepEqual(pageOf(25, {}, 10), { offset: 0, limit: 10, nextOffset: 10 });
    assert.deepEqual(pageOf(25, { offset: 20, limit: 50 }, 10), { offset: 20, limit: 10 });
    assert.deepEqual(pageOf(25, { offset: 10, limit: 5 }, 10), { offset: 10, limit: 5, nextOffset: 15 });
    assert.deepEqual(pageOf(0, {}, 10), { offset: 0, limit: 10 });
  });

  it('keeps the filters of the request in the next link', () => {
    const request = new URL('http://h/ocpi/emsp/2.2.1/tokens?date_from=2024-01-01T00:00:00Z&limit=50');
    const next = new URL(nextPageUrl(request, pageOf(25, { limit: 50 }, 10))!);
    assert.equal(next.searchParams.get('date_from'), '2024-01-01T00:00:00Z');
    assert.equal(next.searchParams.get('offset'), '10');
    assert.equal(next.searchParams.get('limit'), '10');
  });
});

describe('call records', () => {
  it('never keep the token', () => {
    assert.deepEqual(redactedHeaders(Object.entries({ Authorization: 'Token c2VjcmV0', 'X-Request-ID': '1' })), {
      authorization: '[redacted]',
      'x-request-id': '1',
    });
  });
});
