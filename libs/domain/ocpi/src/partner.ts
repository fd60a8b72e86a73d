import {
  CredentialsInitiator,
  domainEvent,
  InterfaceRole,
  PartyRoleKind,
  timestampDate,
  timestampFromDate,
  type DomainEvent,
  type Endpoint as EndpointMessage,
  type PartyRole as PartyRoleMessage,
} from '@roamgate/contracts';
import { OcpiDomainError } from './errors.js';

export const partnerStreamName = (partnerId: string): string => `partner-${partnerId}`;
export const ocpiCallStreamName = (partnerId: string): string => `ocpi-${partnerId}`;

/** Partner ids read like the party they name: `NL-EMS`. */
export const partnerIdOf = (party: { readonly countryCode: string; readonly partyId: string }): string =>
  `${party.countryCode.toUpperCase()}-${party.partyId.toUpperCase()}`;

export const PARTY_ROLES = ['CPO', 'EMSP', 'HUB', 'NAP', 'NSP', 'SCSP', 'OTHER'] as const;
export type PartyRoleName = (typeof PARTY_ROLES)[number];
export type InterfaceRoleName = 'SENDER' | 'RECEIVER';
export type Initiator = 'PARTNER' | 'CPO';

export interface Party {
  readonly countryCode: string;
  readonly partyId: string;
  readonly role: PartyRoleName;
  readonly name?: string;
}

export interface PartnerEndpoint {
  readonly identifier: string;
  readonly role: InterfaceRoleName;
  readonly url: string;
}

/** What one credentials exchange settles: the partner's version and endpoints, and the token of each side. */
export interface PartnerCredentials {
  readonly version: string;
  readonly versionsUrl: string;
  readonly endpoints: readonly PartnerEndpoint[];
  readonly roles: readonly Party[];
  /** The token we present to the partner, sealed by the service; the domain never sees it in clear. */
  readonly outboundTokenSealed: string;
  readonly inboundTokenHash: string;
}

export type PartnerStatus = 'NEW' | 'INVITED' | 'REGISTERING' | 'REGISTERED' | 'UNREGISTERED';

export interface PartnerState {
  readonly status: PartnerStatus;
  readonly partnerId: string;
  readonly party: Party | undefined;
  readonly acceptsUnencodedTokens: boolean;
  readonly tokenAHash: string | undefined;
  /** A token we handed over (registration or rotation) whose exchange has not completed yet. */
  readonly pendingTokenHash: string | undefined;
  readonly inboundTokenHash: string | undefined;
  readonly outboundTokenSealed: string | undefined;
  readonly initiatedBy: Initiator | undefined;
  readonly version: string | undefined;
  readonly versionsUrl: string | undefined;
  readonly endpoints: readonly PartnerEndpoint[];
  readonly roles: readonly Party[];
  readonly invitedAt: string | undefined;
  readonly registeredAt: string | undefined;
  readonly updatedAt: string | undefined;
}

export type InvitePartner = Readonly<{ type: 'InvitePartner'; partnerId: string; party: Party; tokenAHash: string; acceptsUnencodedTokens: boolean; now: Date }>;
/** The partner POSTed its credentials with the token A we issued. */
export type AcceptRegistration = Readonly<{ type: 'AcceptRegistration'; presentedTokenHash: string; credentials: PartnerCredentials; now: Date }>;
/** We register with a partner: our token B is valid from here, before the partner calls us with it. */
export type StartRegistration = Readonly<{
  type: 'StartRegistration';
  partnerId: string;
  party: Party;
  versionsUrl: string;
  pendingTokenHash: string;
  acceptsUnencodedTokens: boolean;
  now: Date;
}>;
export type CompleteRegistration = Readonly<{ type: 'CompleteRegistration'; credentials: PartnerCredentials; now: Date }>;
export type StartTokenRotation = Readonly<{ type: 'StartTokenRotation'; pendingTokenHash: string; now: Date }>;
export type UpdateCredentials = Readonly<{
  type: 'UpdateCredentials';
  initiatedBy: Initiator;
  /** For a partner's PUT: the hash of the token it authenticated with. */
  presentedTokenHash?: string;
  credentials: PartnerCredentials;
  now: Date;
}>;
export type Unregister = Readonly<{ type: 'Unregister'; initiatedBy: Initiator; now: Date }>;

export type PartnerCommand = InvitePartner | AcceptRegistration | StartRegistration | CompleteRegistration | StartTokenRotation | UpdateCredentials | Unregister;

export type PartnerEvent = DomainEvent<
  | 'PartnerInvited'
  | 'PartnerRegistrationStarted'
  | 'PartnerRegistered'
  | 'PartnerTokenRotationStarted'
  | 'PartnerCredentialsUpdated'
  | 'PartnerUnregistered'
>;

const COUNTRY_CODE = /^[A-Za-z]{2}$/;
const PARTY_ID = /^[A-Za-z0-9]{3}$/;

export function validateParty(party: Party): void {
  if (!COUNTRY_CODE.test(party.countryCode)) throw new OcpiDomainError('INVALID_PARTY', `country code must be 2 letters (ISO 3166 alpha-2), got "${party.countryCode}"`);
  if (!PARTY_ID.test(party.partyId)) throw new OcpiDomainError('INVALID_PARTY', `party id must be 3 letters or digits, got "${party.partyId}"`);
  if (!PARTY_ROLES.includes(party.role)) throw new OcpiDomainError('INVALID_PARTY', `role must be one of ${PARTY_ROLES.join(', ')}, got "${party.role}"`);
}

function validateCredentials(credentials: PartnerCredentials): void {
  const missing = (['version', 'versionsUrl', 'outboundTokenSealed', 'inboundTokenHash'] as const).filter((key) => !credentials[key]);
  if (missing.length) throw new OcpiDomainError('INVALID_CREDENTIALS', `credentials lack ${missing.join(', ')}`);
  if (credentials.roles.length === 0) throw new OcpiDomainError('INVALID_CREDENTIALS', 'credentials name no role');
}

export const initialPartnerState = (): PartnerState => ({
  status: 'NEW',
  partnerId: '',
  party: undefined,
  acceptsUnencodedTokens: false,
  tokenAHash: undefined,
  pendingTokenHash: undefined,
  inboundTokenHash: undefined,
  outboundTokenSealed: undefined,
  initiatedBy: undefined,
  version: undefined,
  versionsUrl: undefined,
  endpoints: [],
  roles: [],
  invitedAt: undefined,
  registeredAt: undefined,
  updatedAt: undefined,
});

function decide(command: PartnerCommand, state: PartnerState): PartnerEvent[] {
  const occurredAt = timestampFromDate(command.now);
  switch (command.type) {
    case 'InvitePartner': {
      if (state.status !== 'NEW' && state.status !== 'UNREGISTERED') {
        throw new OcpiDomainError('PARTNER_EXISTS', `partner ${command.partnerId} is ${state.status.toLowerCase()}; delete it before inviting again`);
      }
      validateParty(command.party);
      return [
        domainEvent('PartnerInvited', {
          partnerId: command.partnerId,
          occurredAt,
          party: partyMessage(command.party),
          tokenAHash: command.tokenAHash,
          acceptsUnencodedTokens: command.acceptsUnencodedTokens,
        }),
      ];
    }
    case 'AcceptRegistration': {
      if (state.status === 'REGISTERED') throw new OcpiDomainError('PARTNER_ALREADY_REGISTERED', `partner ${state.partnerId} is already registered; use PUT to update`);
      if (state.status !== 'INVITED') throw new OcpiDomainError('PARTNER_NOT_INVITED', 'no open invitation');
      if (command.presentedTokenHash !== state.tokenAHash) throw new OcpiDomainError('TOKEN_MISMATCH', 'the token presented is not the invitation token');
      validateCredentials(command.credentials);
      return [registered(state.partnerId, 'PARTNER', state.party!, state.acceptsUnencodedTokens, command.credentials, command.now)];
    }
    case 'StartRegistration': {
      if (state.status === 'REGISTERED') throw new OcpiDomainError('PARTNER_ALREADY_REGISTERED', `partner ${command.partnerId} is already registered`);
      if (state.status === 'INVITED') throw new OcpiDomainError('PARTNER_EXISTS', `partner ${command.partnerId} has an open invitation; delete it first`);
      validateParty(command.party);
      return [
        domainEvent('PartnerRegistrationStarted', {
          partnerId: command.partnerId,
          occurredAt,
          party: partyMessage(command.party),
          versionsUrl: command.versionsUrl,
          pendingTokenHash: command.pendingTokenHash,
          acceptsUnencodedTokens: command.acceptsUnencodedTokens,
        }),
      ];
    }
    case 'CompleteRegistration': {
      if (state.status !== 'REGISTERING') throw new OcpiDomainError('PARTNER_NOT_REGISTERING', `partner ${state.partnerId || '?'} is not registering`);
      if (command.credentials.inboundTokenHash !== state.pendingTokenHash) {
        throw new OcpiDomainError('TOKEN_MISMATCH', 'the registration completes with another token than the one handed over');
      }
      validateCredentials(command.credentials);
      return [registered(state.partnerId, 'CPO', state.party!, state.acceptsUnencodedTokens, command.credentials, command.now)];
    }
    case 'StartTokenRotation': {
      requireRegistered(state);
      return [domainEvent('PartnerTokenRotationStarted', { partnerId: state.partnerId, occurredAt, pendingTokenHash: command.pendingTokenHash })];
    }
    case 'UpdateCredentials': {
      requireRegistered(state);
      if (command.initiatedBy === 'PARTNER' && !acceptsInbound(state, command.presentedTokenHash)) {
        throw new OcpiDomainError('TOKEN_MISMATCH', 'the token presented is not the registered one');
      }
      validateCredentials(command.credentials);
      const c = command.credentials;
      return [
        domainEvent('PartnerCredentialsUpdated', {
          partnerId: state.partnerId,
          occurredAt,
          initiatedBy: INITIATORS[command.initiatedBy],
          version: c.version,
          versionsUrl: c.versionsUrl,
          endpoints: c.endpoints.map(endpointMessage),
          roles: c.roles.map(partyMessage),
          outboundTokenSealed: c.outboundTokenSealed,
          inboundTokenHash: c.inboundTokenHash,
        }),
      ];
    }
    case 'Unregister': {
      const open: PartnerStatus[] = command.initiatedBy === 'PARTNER' ? ['REGISTERED'] : ['INVITED', 'REGISTERING', 'REGISTERED'];
      if (!open.includes(state.status)) throw new OcpiDomainError('PARTNER_NOT_REGISTERED', `partner ${state.partnerId || '?'} is not registered`);
      return [domainEvent('PartnerUnregistered', { partnerId: state.partnerId, occurredAt, initiatedBy: INITIATORS[command.initiatedBy] })];
    }
  }
}

function requireRegistered(state: PartnerState): void {
  if (state.status !== 'REGISTERED') throw new OcpiDomainError('PARTNER_NOT_REGISTERED', `partner ${state.partnerId || '?'} is not registered`);
}

function acceptsInbound(state: PartnerState, hash: string | undefined): boolean {
  return hash !== undefined && (hash === state.inboundTokenHash || hash === state.pendingTokenHash);
}

function registered(partnerId: string, by: Initiator, party: Party, acceptsUnencodedTokens: boolean, c: PartnerCredentials, now: Date): PartnerEvent {
  return domainEvent('PartnerRegistered', {
    partnerId,
    occurredAt: timestampFromDate(now),
    initiatedBy: INITIATORS[by],
    version: c.version,
    versionsUrl: c.versionsUrl,
    endpoints: c.endpoints.map(endpointMessage),
    roles: c.roles.map(partyMessage),
    outboundTokenSealed: c.outboundTokenSealed,
    inboundTokenHash: c.inboundTokenHash,
    acceptsUnencodedTokens,
    party: partyMessage(party),
  });
}

function evolve(state: PartnerState, event: PartnerEvent): PartnerState {
  const at = event.data.occurredAt ? timestampDate(event.data.occurredAt).toISOString() : undefined;
  switch (event.type) {
    case 'PartnerInvited': {
      const e = event.data;
      return {
        ...initialPartnerState(),
        status: 'INVITED',
        partnerId: e.partnerId,
        party: e.party ? partyOf(e.party) : undefined,
        tokenAHash: e.tokenAHash,
        acceptsUnencodedTokens: e.acceptsUnencodedTokens,
        invitedAt: at,
        updatedAt: at,
      };
    }
    case 'PartnerRegistrationStarted': {
      const e = event.data;
      return {
        ...initialPartnerState(),
        status: 'REGISTERING',
        partnerId: e.partnerId,
        party: e.party ? partyOf(e.party) : undefined,
        versionsUrl: e.versionsUrl,
        pendingTokenHash: e.pendingTokenHash,
        acceptsUnencodedTokens: e.acceptsUnencodedTokens,
        initiatedBy: 'CPO',
        updatedAt: at,
      };
    }
    case 'PartnerRegistered': {
      const e = event.data;
      return {
        ...state,
        status: 'REGISTERED',
        partnerId: e.partnerId,
        party: e.party ? partyOf(e.party) : state.party,
        acceptsUnencodedTokens: e.acceptsUnencodedTokens || state.acceptsUnencodedTokens,
        tokenAHash: undefined,
        pendingTokenHash: undefined,
        inboundTokenHash: e.inboundTokenHash,
        outboundTokenSealed: e.outboundTokenSealed || e.outboundToken,
        initiatedBy: initiatorOf(e.initiatedBy),
        version: e.version,
        versionsUrl: e.versionsUrl,
        endpoints: e.endpoints.map(endpointOf),
        roles: e.roles.map(partyOf),
        registeredAt: at,
        updatedAt: at,
      };
    }
    case 'PartnerTokenRotationStarted':
      return { ...state, pendingTokenHash: event.data.pendingTokenHash, updatedAt: at };
    case 'PartnerCredentialsUpdated': {
      const e = event.data;
      return {
        ...state,
        pendingTokenHash: undefined,
        inboundTokenHash: e.inboundTokenHash,
        outboundTokenSealed: e.outboundTokenSealed || e.outboundToken,
        version: e.version,
        versionsUrl: e.versionsUrl,
        endpoints: e.endpoints.map(endpointOf),
        roles: e.roles.map(partyOf),
        updatedAt: at,
      };
    }
    case 'PartnerUnregistered':
      return {
        ...state,
        status: 'UNREGISTERED',
        tokenAHash: undefined,
        pendingTokenHash: undefined,
        inboundTokenHash: undefined,
        outboundTokenSealed: undefined,
        updatedAt: at,
      };
    default:
      // Other events share the partner stream (PartnerScopeSet, the launch scope): not part of the credentials state.
      return state;
  }
}

export const partnerDecider = { decide, evolve, initialState: initialPartnerState };

const INITIATORS: Record<Initiator, CredentialsInitiator> = { PARTNER: CredentialsInitiator.PARTNER, CPO: CredentialsInitiator.CPO };
const initiatorOf = (value: CredentialsInitiator): Initiator | undefined =>
  value === CredentialsInitiator.PARTNER ? 'PARTNER' : value === CredentialsInitiator.CPO ? 'CPO' : undefined;

const ROLE_KINDS: Record<PartyRoleName, PartyRoleKind> = {
  CPO: PartyRoleKind.CPO,
  EMSP: PartyRoleKind.EMSP,
  HUB: PartyRoleKind.HUB,
  NAP: PartyRoleKind.NAP,
  NSP: PartyRoleKind.NSP,
  SCSP: PartyRoleKind.SCSP,
  OTHER: PartyRoleKind.OTHER,
};

export function partyMessage(party: Party) {
  return {
    countryCode: party.countryCode.toUpperCase(),
    partyId: party.partyId.toUpperCase(),
    role: ROLE_KINDS[party.role],
    name: party.name ?? '',
  };
}

export function partyOf(message: PartyRoleMessage): Party {
  const role = PARTY_ROLES.find((name) => ROLE_KINDS[name] === message.role) ?? 'OTHER';
  return { countryCode: message.countryCode, partyId: message.partyId, role, ...(message.name ? { name: message.name } : {}) };
}

function endpointMessage(endpoint: PartnerEndpoint) {
  return { identifier: endpoint.identifier, role: endpoint.role === 'SENDER' ? InterfaceRole.SENDER : InterfaceRole.RECEIVER, url: endpoint.url };
}

function endpointOf(message: EndpointMessage): PartnerEndpoint {
  return { identifier: message.identifier, role: message.role === InterfaceRole.RECEIVER ? 'RECEIVER' : 'SENDER', url: message.url };
}

/** Which kind of inbound token a hash is for this partner, deciding what it may call. */
export function inboundTokenKind(state: PartnerState, hash: string): 'A' | 'PENDING' | 'C' | undefined {
  if (state.status === 'INVITED' && hash === state.tokenAHash) return 'A';
  if (state.status === 'REGISTERED' && hash === state.inboundTokenHash) return 'C';
  if ((state.status === 'REGISTERING' || state.status === 'REGISTERED') && hash === state.pendingTokenHash) return 'PENDING';
  return undefined;
}
