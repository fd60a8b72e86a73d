import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AuthorizationSource, AuthorizationStatus, create, TokenAuthorizationDecidedSchema, OcppVersion } from '@roamgate/contracts';
import type { RealtimeAnswer, RealtimeAuthorization, RealtimeQuestion } from './realtime-authorization';
import { RemoteStarts } from './remote-starts';
import { CachedTokenAuthorizer, type CachedToken, type TokenAuthorizationRequest, type TokenCache } from './token-authorizer';

const cachedToken = (whitelist: CachedToken['whitelist'], valid = true): CachedToken => ({ partnerId: 'NL-EMS', uid: 'TAG-1', type: 'RFID', valid, whitelist, contractId: 'C-1' });

/** The eMSP as the connector would relay it: an AllowedType, or silence until the deadline. */
function realtime(answer: { allowed: string; emspReached?: boolean; reference?: string } | 'silence', enabled = true) {
  const asked: { question: RealtimeQuestion; fallback: AuthorizationStatus }[] = [];
  const fake = {
    enabled,
    settings: { timeoutMs: enabled ? 1_000 : 0, reuseMs: 60_000, pollMs: 10 },
    async ask(question: RealtimeQuestion, fallback: AuthorizationStatus): Promise<RealtimeAnswer> {
      asked.push({ question, fallback });
      if (answer === 'silence') return { kind: 'timed-out', requestId: 'r' };
      const decided = create(TokenAuthorizationDecidedSchema, {
        requestId: 'r',
        partnerId: 'NL-EMS',
        allowed: answer.allowed,
        emspReached: answer.emspReached ?? true,
        authorizationReference: answer.reference ?? '',
      });
      return { kind: 'decided', requestId: 'r', decided };
    },
  };
  return { fake: fake as unknown as RealtimeAuthorization, asked };
}

function authorizer(tokens: CachedToken[], rt: RealtimeAuthorization, unknown: 'Accepted' | 'Invalid' = 'Invalid', remote = new RemoteStarts()) {
  const cache = { find: async (uid: string) => tokens.filter((t) => t.uid === uid) } as unknown as TokenCache;
  return new CachedTokenAuthorizer(cache, unknown, rt, remote);
}

const request = (action = 'Authorize', uid = 'TAG-1'): TokenAuthorizationRequest => ({ chargerId: 'CP-1', protocol: OcppVersion.OCPP_VERSION_1_6, idToken: { id: uid }, action, connectorId: 1 });

describe('charger authorization by OCPI whitelist type', () => {
  it('answers ALWAYS tokens from the cache without asking the eMSP', async () => {
    const rt = realtime({ allowed: 'BLOCKED' });
    assert.equal((await authorizer([cachedToken('ALWAYS')], rt.fake).authorize(request())).status, AuthorizationStatus.ACCEPTED);
    assert.equal((await authorizer([cachedToken('ALWAYS', false)], rt.fake).authorize(request())).status, AuthorizationStatus.BLOCKED);
    assert.equal(rt.asked.length, 0);
  });

  it('asks the eMSP for a valid ALLOWED token and carries its authorization reference', async () => {
    const rt = realtime({ allowed: 'ALLOWED', reference: 'REF-9' });
    const decision = await authorizer([cachedToken('ALLOWED')], rt.fake).authorize(request());
    assert.deepEqual(decision, { status: AuthorizationStatus.ACCEPTED, source: AuthorizationSource.REAL_TIME, partnerId: 'NL-EMS', authorizationReference: 'REF-9' });
    assert.deepEqual(rt.asked[0]!.question, { chargerId: 'CP-1', connectorId: 1, partnerId: 'NL-EMS', uid: 'TAG-1', tokenType: 'RFID', whitelist: 2, action: 'Authorize' });
  });

  it('blocks an ALLOWED token the eMSP marked invalid without asking', async () => {
    const rt = realtime({ allowed: 'ALLOWED' });
    assert.equal((await authorizer([cachedToken('ALLOWED', false)], rt.fake).authorize(request())).status, AuthorizationStatus.BLOCKED);
    assert.equal(rt.asked.length, 0);
  });

  it('asks for ALLOWED_OFFLINE and NEVER tokens even when the cache says invalid, since their state may have changed', async () => {
    for (const whitelist of ['ALLOWED_OFFLINE', 'NEVER'] as const) {
      const rt = realtime({ allowed: 'ALLOWED' });
      assert.equal((await authorizer([cachedToken(whitelist, false)], rt.fake).authorize(request())).status, AuthorizationStatus.ACCEPTED, whitelist);
      assert.equal(rt.asked.length, 1);
    }
  });

  it('tells the charger what the eMSP answered', async () => {
    const cases: [string, AuthorizationStatus][] = [
      ['BLOCKED', AuthorizationStatus.BLOCKED],
      ['EXPIRED', AuthorizationStatus.EXPIRED],
      ['NO_CREDIT', AuthorizationStatus.NO_CREDIT],
      ['NOT_ALLOWED', AuthorizationStatus.NOT_AT_THIS_LOCATION],
      ['UNKNOWN', AuthorizationStatus.INVALID],
    ];
    for (const [allowed, status] of cases) {
      assert.equal((await authorizer([cachedToken('NEVER')], realtime({ allowed }).fake).authorize(request())).status, status, allowed);
    }
  });

  it('falls back by whitelist type when no answer comes in time: ALLOWED and ALLOWED_OFFLINE charge, NEVER does not', async () => {
    const answers = new Map<string, { status: AuthorizationStatus; source: AuthorizationSource }>();
    for (const whitelist of ['ALLOWED', 'ALLOWED_OFFLINE', 'NEVER'] as const) {
      const rt = realtime('silence');
      const decision = await authorizer([cachedToken(whitelist)], rt.fake).authorize(request());
      answers.set(whitelist, { status: decision.status, source: decision.source });
      assert.equal(rt.asked[0]!.fallback, decision.status, 'the timeout records what the charger was told');
    }
    assert.deepEqual(Object.fromEntries(answers), {
      ALLOWED: { status: AuthorizationStatus.ACCEPTED, source: AuthorizationSource.WHITELIST },
      ALLOWED_OFFLINE: { status: AuthorizationStatus.ACCEPTED, source: AuthorizationSource.ALLOWED_OFFLINE },
      NEVER: { status: AuthorizationStatus.INVALID, source: AuthorizationSource.WHITELIST },
    });
  });

  it('reports an eMSP the connector could not reach as ALLOWED_OFFLINE when the whitelist rule accepted', async () => {
    const decision = await authorizer([cachedToken('ALLOWED_OFFLINE')], realtime({ allowed: 'ALLOWED', emspReached: false }).fake).authorize(request());
    assert.equal(decision.source, AuthorizationSource.ALLOWED_OFFLINE);
  });

  it('reuses the answer to an Authorize for the start that follows, and never asks for a stop', async () => {
    const rt = realtime({ allowed: 'ALLOWED', reference: 'REF-1' });
    const subject = authorizer([cachedToken('NEVER')], rt.fake);
    await subject.authorize(request('Authorize'));
    const start = await subject.authorize(request('StartTransaction'));
    assert.equal(start.authorizationReference, 'REF-1');
    assert.equal(rt.asked.length, 1);
    assert.equal((await subject.authorize(request('StopTransaction'))).status, AuthorizationStatus.INVALID, 'a stop is answered from the cache: NEVER is not whitelisted');
    assert.equal(rt.asked.length, 1);
    await subject.authorize(request('Authorize'));
    assert.equal(rt.asked.length, 2, 'a new Authorize asks again');
  });

  it('answers by the whitelist rule, not with an error, when the request cannot be recorded', async () => {
    const failing = { enabled: true, settings: { timeoutMs: 1_000, reuseMs: 0, pollMs: 10 }, ask: async () => Promise.reject(new Error('disk full')) } as unknown as RealtimeAuthorization;
    assert.equal((await authorizer([cachedToken('ALLOWED_OFFLINE')], failing).authorize(request())).status, AuthorizationStatus.ACCEPTED);
    assert.equal((await authorizer([cachedToken('NEVER')], failing).authorize(request())).status, AuthorizationStatus.INVALID);
  });

  it('accepts the 1.6 start of a remote start the eMSP asked for without asking it again, even for a NEVER token', async () => {
    const rt = realtime({ allowed: 'BLOCKED' });
    const remote = new RemoteStarts();
    remote.expect16('CP-1', 'TAG-1', 1, 'cmd-1');
    const decision = await authorizer([cachedToken('NEVER')], rt.fake, 'Invalid', remote).authorize(request('StartTransaction'));
    assert.deepEqual(decision, { status: AuthorizationStatus.ACCEPTED, source: AuthorizationSource.REMOTE_START, partnerId: 'NL-EMS' });
    assert.equal(rt.asked.length, 0);
    assert.equal(remote.take16('CP-1', 'TAG-1', 1), 'cmd-1', 'the pending remote start is left for the handler to take');
    assert.equal((await authorizer([cachedToken('NEVER')], rt.fake, 'Invalid', remote).authorize(request('StartTransaction'))).status, AuthorizationStatus.BLOCKED);
  });

  it('keeps the cache behaviour when real-time authorization is turned off', async () => {
    const rt = realtime({ allowed: 'BLOCKED' }, false);
    assert.equal((await authorizer([cachedToken('ALLOWED')], rt.fake).authorize(request())).status, AuthorizationStatus.ACCEPTED);
    assert.equal((await authorizer([cachedToken('NEVER')], rt.fake).authorize(request())).status, AuthorizationStatus.INVALID);
    assert.equal(rt.asked.length, 0);
  });

  it('follows the unknown-token policy for tokens no eMSP pushed', async () => {
    const rt = realtime({ allowed: 'ALLOWED' });
    assert.equal((await authorizer([], rt.fake, 'Invalid').authorize(request())).status, AuthorizationStatus.INVALID);
    assert.equal((await authorizer([], rt.fake, 'Accepted').authorize(request())).status, AuthorizationStatus.ACCEPTED);
    assert.equal(rt.asked.length, 0);
  });
});
