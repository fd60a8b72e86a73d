import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PartnerRepository } from '../../partners/partner.repository';
import type { OcpiSettings } from '../../settings';
import { OcpiCallError, type OcpiClient, type OutboundRequest } from '../transport/ocpi-client';
import { seal } from '../transport/secrets';
import type { TokenRepository } from './token.repository';
import type { OcpiToken, WhitelistTypeName } from './tokens.dto';
import { TokensService } from './tokens.service';

const key = Buffer.alloc(32, 9);
const settings = { countryCode: 'NL', partyId: 'RGT', secretKey: key } as OcpiSettings;
const partner = {
  id: 'NL-EMS',
  status: 'REGISTERED',
  acceptsUnencodedTokens: false,
  outboundTokenSealed: seal(key, 'token-b', 'NL-EMS'),
  endpoints: [{ identifier: 'tokens', role: 'SENDER', url: 'http://emsp.test/ocpi/emsp/2.2.1/tokens' }],
};
const token = (whitelist: WhitelistTypeName, valid = true): OcpiToken => ({
  country_code: 'NL',
  party_id: 'EMS',
  uid: 'TAG-1',
  type: 'RFID',
  contract_id: 'NL-EMS-C1',
  issuer: 'eMSP',
  valid,
  whitelist,
  last_updated: '2025-01-01T00:00:00Z',
});

/** The eMSP's answer to POST .../authorize: AuthorizationInfo, or the error the client raises. */
function service(stored: OcpiToken | undefined, emsp: ((request: OutboundRequest) => unknown) | Error) {
  const calls: OutboundRequest[] = [];
  const tokens = { findByUid: async () => (stored ? [{ partnerId: 'NL-EMS', token: stored }] : []) } as unknown as TokenRepository;
  const partners = { get: async () => partner } as unknown as PartnerRepository;
  const client = {
    request: async (request: OutboundRequest) => {
      calls.push(request);
      if (emsp instanceof Error) throw emsp;
      return { httpStatus: 200, headers: new Headers(), envelope: { status_code: 1000, timestamp: '', data: emsp(request) } };
    },
  } as unknown as OcpiClient;
  return { subject: new TokensService(settings, tokens, partners, client), calls };
}

const allowed = (value: string) => (request: OutboundRequest) => ({ allowed: value, token: token('NEVER'), authorization_reference: 'REF-1', location: request.body });
const unreachable = new OcpiCallError('POST http://emsp.test: ECONNREFUSED', 0, undefined);

describe('real-time authorization rules of the connector (mod_tokens WhitelistType)', () => {
  it('answers ALWAYS from the stored token and never calls the eMSP', async () => {
    const { subject, calls } = service(token('ALWAYS', false), allowed('ALLOWED'));
    assert.deepEqual(await subject.authorize('TAG-1', 'RFID'), { allowed: 'BLOCKED', source: 'WHITELIST', partnerId: 'NL-EMS', emspReached: false });
    assert.equal(calls.length, 0);
  });

  it('POSTs LocationReferences to {tokens}/{uid}/authorize with the time that is left, and returns the reference', async () => {
    const { subject, calls } = service(token('NEVER'), allowed('ALLOWED'));
    const decision = await subject.authorize('TAG-1', 'RFID', { location_id: 'LOC-1', evse_uids: ['CP-1-1'] }, { partnerId: 'NL-EMS', timeoutMs: 1_500 });
    assert.deepEqual(decision, { allowed: 'ALLOWED', source: 'REAL_TIME', partnerId: 'NL-EMS', emspReached: true, authorizationReference: 'REF-1' });
    assert.equal(calls[0]!.url, 'http://emsp.test/ocpi/emsp/2.2.1/tokens/TAG-1/authorize?type=RFID');
    assert.deepEqual(calls[0]!.body, { location_id: 'LOC-1', evse_uids: ['CP-1-1'] });
    assert.equal(calls[0]!.timeoutMs, 1_500);
    assert.equal(calls[0]!.token, 'token-b');
  });

  it('asks for ALLOWED_OFFLINE and NEVER whatever valid says, and for ALLOWED only when valid', async () => {
    for (const [whitelist, valid, asks] of [
      ['ALLOWED_OFFLINE', false, true],
      ['NEVER', false, true],
      ['ALLOWED', true, true],
      ['ALLOWED', false, false],
    ] as const) {
      const { subject, calls } = service(token(whitelist, valid), allowed('ALLOWED'));
      await subject.authorize('TAG-1', 'RFID');
      assert.equal(calls.length, asks ? 1 : 0, `${whitelist} valid=${valid}`);
    }
  });

  it('falls back by whitelist type when the eMSP cannot be reached', async () => {
    const outcome = async (whitelist: WhitelistTypeName, valid = true) => {
      const { allowed, source, emspReached } = await service(token(whitelist, valid), unreachable).subject.authorize('TAG-1', 'RFID');
      return { allowed, source, emspReached };
    };
    assert.deepEqual(await outcome('NEVER'), { allowed: 'NOT_ALLOWED', source: 'NONE', emspReached: false });
    assert.deepEqual(await outcome('ALLOWED_OFFLINE'), { allowed: 'ALLOWED', source: 'ALLOWED_OFFLINE', emspReached: false });
    assert.deepEqual(await outcome('ALLOWED_OFFLINE', false), { allowed: 'BLOCKED', source: 'WHITELIST', emspReached: false });
    assert.deepEqual(await outcome('ALLOWED'), { allowed: 'ALLOWED', source: 'ALLOWED_OFFLINE', emspReached: false });
  });

  it('takes a 404 / 2004 as the eMSP saying the token is unknown, not as the eMSP being down', async () => {
    for (const error of [new OcpiCallError('HTTP 404', 404, 2004), new OcpiCallError('status 2004', 200, 2004)]) {
      const decision = await service(token('ALLOWED_OFFLINE'), error).subject.authorize('TAG-1', 'RFID');
      assert.equal(decision.allowed, 'UNKNOWN');
      assert.equal(decision.emspReached, true);
    }
  });

  it('treats an answer without a valid AuthorizationInfo as no answer', async () => {
    const decision = await service(token('NEVER'), () => ({ allowed: 'MAYBE' })).subject.authorize('TAG-1', 'RFID');
    assert.deepEqual([decision.allowed, decision.emspReached], ['NOT_ALLOWED', false]);
    assert.match(decision.reason ?? '', /allowed/);
  });

  it('knows no eMSP to ask for a token nobody pushed', async () => {
    const { subject, calls } = service(undefined, allowed('ALLOWED'));
    assert.equal((await subject.authorize('TAG-1', 'RFID')).allowed, 'UNKNOWN');
    assert.equal(calls.length, 0);
  });
});
