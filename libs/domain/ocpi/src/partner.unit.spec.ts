import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CredentialsInitiator } from '@roamgate/contracts';
import { inboundTokenKind, partnerDecider, type PartnerEvent } from './partner.js';
import { aParty, given, someCredentials } from './testing/index.js';

const now = new Date('2025-03-01T09:00:00Z');
const decideOne = (history: readonly PartnerEvent[], command: Parameters<typeof partnerDecider.decide>[0]) => {
  const events = given(...history).when(command);
  let out: readonly PartnerEvent[] = [];
  events.then((e) => (out = e));
  return out;
};
const invite = { type: 'InvitePartner', partnerId: 'NL-EMS', party: aParty(), tokenAHash: 'sha256:a', acceptsUnencodedTokens: false, now } as const;
const invited = () => decideOne([], invite);
const registeredByPartner = () => {
  const history = [...invited()];
  return [...history, ...decideOne(history, { type: 'AcceptRegistration', presentedTokenHash: 'sha256:a', credentials: someCredentials(), now })];
};

describe('partner decider', () => {
  it('invites a party with the hash of token A', () => {
    given().when(invite).then(([event]) => {
      assert.equal(event?.type, 'PartnerInvited');
      assert.equal(event.type === 'PartnerInvited' && event.data.tokenAHash, 'sha256:a');
    });
  });

  it('refuses a malformed party', () => {
    given().when({ ...invite, party: aParty({ partyId: 'TOOLONG' }) }).thenFails('INVALID_PARTY');
    given().when({ ...invite, party: aParty({ countryCode: 'N1' }) }).thenFails('INVALID_PARTY');
  });

  it('refuses a second invitation of a party already invited', () => {
    given(...invited()).when(invite).thenFails('PARTNER_EXISTS');
  });

  it('registers the partner that presents token A, keeping the invitation party and flag', () => {
    given(...decideOne([], { ...invite, acceptsUnencodedTokens: true }))
      .when({ type: 'AcceptRegistration', presentedTokenHash: 'sha256:a', credentials: someCredentials(), now })
      .then(([event]) => {
        assert.equal(event?.type, 'PartnerRegistered');
        if (event.type !== 'PartnerRegistered') return;
        assert.equal(event.data.initiatedBy, CredentialsInitiator.PARTNER);
        assert.equal(event.data.outboundTokenSealed, 'v1.sealed-b');
        assert.equal(event.data.outboundToken, '', 'the clear token never reaches an event');
        assert.equal(event.data.acceptsUnencodedTokens, true);
        assert.equal(event.data.party?.partyId, 'EMS');
      });
  });

  it('forgets token A once registered and accepts only C', () => {
    const state = given(...registeredByPartner()).state;
    assert.equal(state.status, 'REGISTERED');
    assert.equal(inboundTokenKind(state, 'sha256:a'), undefined);
    assert.equal(inboundTokenKind(state, 'sha256:c'), 'C');
  });

  it('refuses registration with another token than A', () => {
    given(...invited()).when({ type: 'AcceptRegistration', presentedTokenHash: 'sha256:x', credentials: someCredentials(), now }).thenFails('TOKEN_MISMATCH');
  });

  it('answers a second POST with already registered (HTTP 405 in OCPI)', () => {
    given(...registeredByPartner())
      .when({ type: 'AcceptRegistration', presentedTokenHash: 'sha256:c', credentials: someCredentials(), now })
      .thenFails('PARTNER_ALREADY_REGISTERED');
  });

  it('refuses credentials without a role or a token', () => {
    given(...invited())
      .when({ type: 'AcceptRegistration', presentedTokenHash: 'sha256:a', credentials: someCredentials({ roles: [] }), now })
      .thenFails('INVALID_CREDENTIALS');
    given(...invited())
      .when({ type: 'AcceptRegistration', presentedTokenHash: 'sha256:a', credentials: someCredentials({ outboundTokenSealed: '' }), now })
      .thenFails('INVALID_CREDENTIALS');
  });

  it('accepts the pending token B while we register with a partner, and C-side completes with it', () => {
    const start = decideOne([], {
      type: 'StartRegistration', partnerId: 'DE-CPX', party: aParty({ countryCode: 'DE', partyId: 'CPX' }), versionsUrl: 'https://p/versions',
      pendingTokenHash: 'sha256:b', acceptsUnencodedTokens: false, now,
    });
    assert.equal(inboundTokenKind(given(...start).state, 'sha256:b'), 'PENDING');
    given(...start).when({ type: 'CompleteRegistration', credentials: someCredentials({ inboundTokenHash: 'sha256:other' }), now }).thenFails('TOKEN_MISMATCH');
    const done = decideOne(start, { type: 'CompleteRegistration', credentials: someCredentials({ inboundTokenHash: 'sha256:b' }), now });
    const state = given(...start, ...done).state;
    assert.equal(state.status, 'REGISTERED');
    assert.equal(state.initiatedBy, 'CPO');
    assert.equal(inboundTokenKind(state, 'sha256:b'), 'C');
  });

  it('updates credentials from the partner only with its registered token', () => {
    const history = registeredByPartner();
    given(...history)
      .when({ type: 'UpdateCredentials', initiatedBy: 'PARTNER', presentedTokenHash: 'sha256:nope', credentials: someCredentials(), now })
      .thenFails('TOKEN_MISMATCH');
    const updated = decideOne(history, {
      type: 'UpdateCredentials', initiatedBy: 'PARTNER', presentedTokenHash: 'sha256:c', credentials: someCredentials({ inboundTokenHash: 'sha256:c2' }), now,
    });
    const state = given(...history, ...updated).state;
    assert.equal(inboundTokenKind(state, 'sha256:c'), undefined);
    assert.equal(inboundTokenKind(state, 'sha256:c2'), 'C');
  });

  it('rotates our token: the new one is valid while pending and the only one after', () => {
    const history = registeredByPartner();
    const started = decideOne(history, { type: 'StartTokenRotation', pendingTokenHash: 'sha256:c2', now });
    const during = given(...history, ...started).state;
    assert.equal(inboundTokenKind(during, 'sha256:c'), 'C');
    assert.equal(inboundTokenKind(during, 'sha256:c2'), 'PENDING');
    const updated = decideOne([...history, ...started], {
      type: 'UpdateCredentials', initiatedBy: 'CPO', credentials: someCredentials({ inboundTokenHash: 'sha256:c2', outboundTokenSealed: 'v1.sealed-b2' }), now,
    });
    const after = given(...history, ...started, ...updated).state;
    assert.equal(inboundTokenKind(after, 'sha256:c'), undefined);
    assert.equal(inboundTokenKind(after, 'sha256:c2'), 'C');
    assert.equal(after.outboundTokenSealed, 'v1.sealed-b2');
  });

  it('refuses PUT and rotation before registration', () => {
    given(...invited()).when({ type: 'UpdateCredentials', initiatedBy: 'PARTNER', presentedTokenHash: 'sha256:a', credentials: someCredentials(), now }).thenFails('PARTNER_NOT_REGISTERED');
    given(...invited()).when({ type: 'StartTokenRotation', pendingTokenHash: 'x', now }).thenFails('PARTNER_NOT_REGISTERED');
  });

  it('unregisters: no token works any more, and the party may be invited again', () => {
    const history = registeredByPartner();
    const gone = decideOne(history, { type: 'Unregister', initiatedBy: 'PARTNER', now });
    const state = given(...history, ...gone).state;
    assert.equal(state.status, 'UNREGISTERED');
    assert.equal(inboundTokenKind(state, 'sha256:c'), undefined);
    given(...history, ...gone).when({ type: 'Unregister', initiatedBy: 'PARTNER', now }).thenFails('PARTNER_NOT_REGISTERED');
    given(...history, ...gone).when(invite).then(([event]) => assert.equal(event?.type, 'PartnerInvited'));
  });

  it('lets the operator withdraw an invitation, but not the partner', () => {
    given(...invited()).when({ type: 'Unregister', initiatedBy: 'PARTNER', now }).thenFails('PARTNER_NOT_REGISTERED');
    given(...invited()).when({ type: 'Unregister', initiatedBy: 'CPO', now }).then(([event]) => assert.equal(event?.type, 'PartnerUnregistered'));
  });
});
