import { BadGatewayException, ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { OcpiDomainError, partnerIdOf, validateParty, type Party, type PartnerCredentials, type PartyRoleName } from '@roamgate/domain-ocpi';
import { PartnerRepository } from '../../partners/partner.repository';
import { partnerView, type PartnerDocument, type PartnerView } from '../../partners/partner-documents';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { OcpiModuleRegistry } from '../transport/module-registry';
import { OcpiCallError, OcpiClient } from '../transport/ocpi-client';
import type { OcpiRequestContext } from '../transport/request-context';
import { newCredentialsToken, seal, tokenHash, unseal } from '../transport/secrets';
import { OcpiError } from '../transport/status';
import { validateBody } from '../transport/validation';
import { CredentialsDto, type CredentialsRoleDto } from './credentials.dto';
import { PartnerVersions } from './partner-versions';

export interface Invitation {
  readonly partnerId: string;
  /** Token A in clear: shown once, only its hash is stored. */
  readonly token: string;
  readonly versionsUrl: string;
}

export interface InviteRequest {
  readonly countryCode: string;
  readonly partyId: string;
  readonly role: PartyRoleName;
  readonly name?: string;
  readonly acceptsUnencodedTokens?: boolean;
}

export interface RegisterRequest extends InviteRequest {
  readonly versionsUrl: string;
  /** The partner's token A. */
  readonly token: string;
}

const toParty = (role: CredentialsRoleDto): Party => ({ countryCode: role.country_code, partyId: role.party_id, role: role.role, name: role.business_details.name });

/**
 * The credentials module in both directions (credentials.asciidoc). When the partner registers with us it
 * presents token A and hands us B; we read its versions with B, answer with C, and from then on call it with B
 * and accept only C. When we register with a partner the roles flip: we call it with its A, hand it our B and
 * keep its C for our calls.
 */
@Injectable()
export class CredentialsService {
  constructor(
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
    private readonly partners: PartnerRepository,
    private readonly versions: PartnerVersions,
    private readonly client: OcpiClient,
    private readonly registry: OcpiModuleRegistry,
  ) {}

  ourCredentials(token: string) {
    return {
      token,
      url: this.registry.versionsUrl,
      roles: [{ role: 'CPO', party_id: this.settings.partyId, country_code: this.settings.countryCode, business_details: { name: this.settings.businessName } }],
    };
  }

  // --- the partner calls us -------------------------------------------------------------------------------

  async acceptRegistration(ocpi: OcpiRequestContext, body: unknown) {
    const partner = ocpi.partner!;
    if (ocpi.tokenKind !== 'A') throw OcpiError.notAllowed(`partner ${partner.id} is already registered (or registering); use PUT to update its credentials`);
    const credentials = validateBody(CredentialsDto, body);
    const invited = partner.party;
    if (invited && !credentials.roles.some((r) => r.country_code.toUpperCase() === invited.countryCode && r.party_id.toUpperCase() === invited.partyId)) {
      throw OcpiError.invalid(`roles: the invitation was issued to ${invited.countryCode}/${invited.partyId}, which none of the roles names`);
    }
    const remote = await this.versions.fetch(credentials.url, this.access(partner, credentials.token, ocpi));
    const tokenC = newCredentialsToken();
    await this.partners.handle(partner.id, () => ({
      type: 'AcceptRegistration',
      presentedTokenHash: tokenHash(ocpi.token!),
      credentials: this.settled(partner.id, remote.version, credentials, remote.endpoints, tokenC),
      now: new Date(),
    }));
    return this.ourCredentials(tokenC);
  }

  async acceptUpdate(ocpi: OcpiRequestContext, body: unknown) {
    const partner = ocpi.partner!;
    if (partner.status !== 'REGISTERED') throw OcpiError.notAllowed(`partner ${partner.id} is not registered yet; use POST to register`);
    const credentials = validateBody(CredentialsDto, body);
    const remote = await this.versions.fetch(credentials.url, this.access(partner, credentials.token, ocpi));
    const tokenC = newCredentialsToken();
    await this.partners.handle(partner.id, () => ({
      type: 'UpdateCredentials',
      initiatedBy: 'PARTNER',
      presentedTokenHash: tokenHash(ocpi.token!),
      credentials: this.settled(partner.id, remote.version, credentials, remote.endpoints, tokenC),
      now: new Date(),
    }));
    return this.ourCredentials(tokenC);
  }

  async acceptUnregistration(ocpi: OcpiRequestContext): Promise<void> {
    const partner = ocpi.partner!;
    if (partner.status !== 'REGISTERED') throw OcpiError.notAllowed(`partner ${partner.id} is not registered`);
    await this.partners.handle(partner.id, () => ({ type: 'Unregister', initiatedBy: 'PARTNER', now: new Date() }));
  }

  // --- we act (operations API, CLI) -----------------------------------------------------------------------

  async invite(request: InviteRequest): Promise<Invitation> {
    const party: Party = { countryCode: request.countryCode, partyId: request.partyId, role: request.role, ...(request.name ? { name: request.name } : {}) };
    validateParty(party);
    const partnerId = partnerIdOf(party);
    const token = newCredentialsToken();
    await this.partners.handle(partnerId, () => ({
      type: 'InvitePartner',
      partnerId,
      party,
      tokenAHash: tokenHash(token),
      acceptsUnencodedTokens: request.acceptsUnencodedTokens ?? false,
      now: new Date(),
    }));
    return { partnerId, token, versionsUrl: this.registry.versionsUrl };
  }

  async register(request: RegisterRequest): Promise<PartnerView> {
    const party: Party = { countryCode: request.countryCode, partyId: request.partyId, role: request.role, ...(request.name ? { name: request.name } : {}) };
    validateParty(party);
    const partnerId = partnerIdOf(party);
    const existing = await this.partners.get(partnerId);
    if (existing?.status === 'REGISTERED') throw new ConflictException(`partner ${partnerId} is already registered`);
    const encodeToken = !request.acceptsUnencodedTokens;
    const remote = await this.gateway(() => this.versions.fetch(request.versionsUrl, { token: request.token, encodeToken, partnerId }));
    const endpoint = remote.endpoints.find((e) => e.identifier === 'credentials');
    if (!endpoint) throw new BadGatewayException(`the partner's ${remote.version} details list no credentials endpoint`);
    const tokenB = newCredentialsToken();
    await this.partners.handle(partnerId, () => ({
      type: 'StartRegistration',
      partnerId,
      party,
      versionsUrl: request.versionsUrl,
      pendingTokenHash: tokenHash(tokenB),
      acceptsUnencodedTokens: request.acceptsUnencodedTokens ?? false,
      now: new Date(),
    }));
    const answer = await this.gateway(() =>
      this.client.request({ method: 'POST', url: endpoint.url, token: request.token, encodeToken, partnerId, module: 'credentials', body: this.ourCredentials(tokenB) }),
    );
    const theirs = this.answeredCredentials(answer.envelope.data);
    const state = await this.partners.handle(partnerId, () => ({
      type: 'CompleteRegistration',
      credentials: this.settled(partnerId, remote.version, theirs, remote.endpoints, tokenB, request.versionsUrl),
      now: new Date(),
    }));
    return partnerView((await this.partners.get(state.partnerId))!);
  }

  async rotate(partnerId: string): Promise<PartnerView> {
    const partner = await this.registered(partnerId);
    const endpoint = this.credentialsEndpoint(partner);
    const outbound = this.outboundToken(partner);
    const encodeToken = !partner.acceptsUnencodedTokens;
    const tokenB = newCredentialsToken();
    await this.partners.handle(partnerId, () => ({ type: 'StartTokenRotation', pendingTokenHash: tokenHash(tokenB), now: new Date() }));
    const answer = await this.gateway(() =>
      this.client.request({ method: 'PUT', url: endpoint.url, token: outbound, encodeToken, partnerId, module: 'credentials', body: this.ourCredentials(tokenB) }),
    );
    const theirs = this.answeredCredentials(answer.envelope.data);
    const remote = await this.gateway(() => this.versions.fetch(theirs.url, { token: theirs.token, encodeToken, partnerId }));
    await this.partners.handle(partnerId, () => ({
      type: 'UpdateCredentials',
      initiatedBy: 'CPO',
      credentials: this.settled(partnerId, remote.version, theirs, remote.endpoints, tokenB),
      now: new Date(),
    }));
    return partnerView((await this.partners.get(partnerId))!);
  }

  /** Tells a registered partner (DELETE on its credentials endpoint) and ends the registration here either way. */
  async remove(partnerId: string): Promise<{ partner: PartnerView; partnerNotified: boolean; notifyError?: string }> {
    const partner = await this.partners.get(partnerId);
    if (!partner || partner.status === 'NEW') throw new NotFoundException(`no partner ${partnerId}`);
    let notifyError: string | undefined;
    if (partner.status === 'REGISTERED') {
      try {
        const endpoint = this.credentialsEndpoint(partner);
        await this.client.request({ method: 'DELETE', url: endpoint.url, token: this.outboundToken(partner), encodeToken: !partner.acceptsUnencodedTokens, partnerId, module: 'credentials' });
      } catch (error) {
        notifyError = (error as Error).message;
      }
    }
    await this.partners.handle(partnerId, () => ({ type: 'Unregister', initiatedBy: 'CPO', now: new Date() }));
    return { partner: partnerView((await this.partners.get(partnerId))!), partnerNotified: partner.status === 'REGISTERED' && !notifyError, ...(notifyError ? { notifyError } : {}) };
  }

  /** The token we present to a registered partner, for the modules that push to it. */
  outboundToken(partner: PartnerDocument): string {
    if (!partner.outboundTokenSealed) throw new ConflictException(`partner ${partner.id} has no token for our calls`);
    return unseal(this.settings.secretKey, partner.outboundTokenSealed, partner.id);
  }

  private async registered(partnerId: string): Promise<PartnerDocument> {
    const partner = await this.partners.get(partnerId);
    if (!partner) throw new NotFoundException(`no partner ${partnerId}`);
    if (partner.status !== 'REGISTERED') throw new ConflictException(`partner ${partnerId} is ${partner.status.toLowerCase()}, not registered`);
    return partner;
  }

  private credentialsEndpoint(partner: PartnerDocument) {
    const endpoint = partner.endpoints.find((e) => e.identifier === 'credentials');
    if (!endpoint) throw new ConflictException(`partner ${partner.id} lists no credentials endpoint`);
    return endpoint;
  }

  private access(partner: PartnerDocument, token: string, ocpi: OcpiRequestContext) {
    return { token, encodeToken: !partner.acceptsUnencodedTokens, partnerId: partner.id, correlationId: ocpi.correlationId };
  }

  private answeredCredentials(data: unknown): CredentialsDto {
    try {
      return validateBody(CredentialsDto, data, 'credentials');
    } catch (error) {
      throw new BadGatewayException(`the partner answered invalid credentials: ${(error as Error).message}`);
    }
  }

  private settled(partnerId: string, version: string, credentials: CredentialsDto, endpoints: PartnerCredentials['endpoints'], inboundToken: string, versionsUrl?: string): PartnerCredentials {
    return {
      version,
      versionsUrl: credentials.url || versionsUrl || '',
      endpoints,
      roles: credentials.roles.map(toParty),
      outboundTokenSealed: seal(this.settings.secretKey, credentials.token, partnerId),
      inboundTokenHash: tokenHash(inboundToken),
    };
  }

  /** Errors met while we drive a handshake surface in the operations API as 502 with the partner's answer. */
  private async gateway<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof OcpiCallError || error instanceof OcpiError) throw new BadGatewayException(error.message);
      if (error instanceof OcpiDomainError) throw new ConflictException(error.message);
      throw error;
    }
  }
}
