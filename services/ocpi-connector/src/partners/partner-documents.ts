import type { Party, PartnerEndpoint, PartnerState, PartnerStatus } from '@roamgate/domain-ocpi';

export const PARTNERS = { name: 'ocpi_partners', indexes: ['status', 'tokenAHash', 'pendingTokenHash', 'inboundTokenHash'] } as const;
export const CALLS = { name: 'ocpi_calls', indexes: ['partnerId', 'sessionId', 'direction', 'module', 'at'] } as const;

/** The partner as the OCPI layer and the operations API read it: secrets only as hashes or sealed. */
export type PartnerDocument = {
  readonly id: string;
  readonly status: PartnerStatus;
  readonly party: Party | null;
  readonly acceptsUnencodedTokens: boolean;
  readonly tokenAHash: string | null;
  readonly pendingTokenHash: string | null;
  readonly inboundTokenHash: string | null;
  readonly outboundTokenSealed: string | null;
  readonly initiatedBy: string | null;
  readonly version: string | null;
  readonly versionsUrl: string | null;
  readonly endpoints: readonly PartnerEndpoint[];
  readonly roles: readonly Party[];
  readonly invitedAt: string | null;
  readonly registeredAt: string | null;
  readonly updatedAt: string | null;
};

export function partnerDocument(state: PartnerState): PartnerDocument {
  return {
    id: state.partnerId,
    status: state.status,
    party: state.party ?? null,
    acceptsUnencodedTokens: state.acceptsUnencodedTokens,
    tokenAHash: state.tokenAHash ?? null,
    pendingTokenHash: state.pendingTokenHash ?? null,
    inboundTokenHash: state.inboundTokenHash ?? null,
    outboundTokenSealed: state.outboundTokenSealed ?? null,
    initiatedBy: state.initiatedBy ?? null,
    version: state.version ?? null,
    versionsUrl: state.versionsUrl ?? null,
    endpoints: state.endpoints,
    roles: state.roles,
    invitedAt: state.invitedAt ?? null,
    registeredAt: state.registeredAt ?? null,
    updatedAt: state.updatedAt ?? null,
  };
}

/** What the operations API shows: no hash, no sealed token. */
export function partnerView(doc: PartnerDocument) {
  return {
    id: doc.id,
    status: doc.status,
    party: doc.party,
    acceptsUnencodedTokens: doc.acceptsUnencodedTokens,
    initiatedBy: doc.initiatedBy,
    version: doc.version,
    versionsUrl: doc.versionsUrl,
    endpoints: doc.endpoints,
    roles: doc.roles,
    rotationPending: doc.pendingTokenHash !== null && doc.status === 'REGISTERED',
    invitedAt: doc.invitedAt,
    registeredAt: doc.registeredAt,
    updatedAt: doc.updatedAt,
  };
}
export type PartnerView = ReturnType<typeof partnerView>;
