import { Inject, Injectable, Logger } from '@nestjs/common';
import { PartnerRepository } from '../../partners/partner.repository';
import type { PartnerDocument } from '../../partners/partner-documents';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { OcpiCallError, OcpiClient } from '../transport/ocpi-client';
import type { OcpiRequestContext } from '../transport/request-context';
import { unseal } from '../transport/secrets';
import { OcpiError, OcpiStatus } from '../transport/status';
import { validateBody } from '../transport/validation';
import { TokenRepository, UnknownTokenError, type TokenKey } from './token.repository';
import { AuthorizationInfoDto, TOKEN_TYPES, TokenDto, TokenPatchDto, type AllowedType, type OcpiToken, type TokenType } from './tokens.dto';

export interface LocationReferences {
  readonly location_id: string;
  readonly evse_uids?: readonly string[];
}

/** How a decision was reached: the stored token alone, the eMSP in real time, or the stored token because the eMSP was unreachable. */
export type AuthorizationSourceName = 'WHITELIST' | 'REAL_TIME' | 'ALLOWED_OFFLINE' | 'NONE';

export interface TokenAuthorizationDecision {
  /** UNKNOWN: no eMSP pushed this token, so nobody can be asked. */
  readonly allowed: AllowedType | 'UNKNOWN';
  readonly source: AuthorizationSourceName;
  readonly partnerId?: string;
  readonly authorizationReference?: string;
  readonly reason?: string;
  /** Whether the eMSP answered; false when the whitelist rule decided without it. */
  readonly emspReached: boolean;
}

export function tokenTypeOf(value: unknown): TokenType {
  const type = value === undefined || value === '' ? 'RFID' : String(value);
  if (!(TOKEN_TYPES as readonly string[]).includes(type)) throw OcpiError.invalid(`type: must be one of ${TOKEN_TYPES.join(', ')}`);
  return type as TokenType;
}

/**
 * mod_tokens, receiver interface: eMSPs PUT and PATCH their tokens here, each under its own country/party, and
 * read them back with GET. `authorize` is the CPO's real-time authorization following the token's whitelist type.
 */
@Injectable()
export class TokensService {
  private readonly logger = new Logger('OcpiTokens');

  constructor(
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
    private readonly tokens: TokenRepository,
    private readonly partners: PartnerRepository,
    private readonly client: OcpiClient,
  ) {}

  async put(ocpi: OcpiRequestContext, path: { countryCode: string; partyId: string; uid: string }, type: unknown, body: unknown): Promise<void> {
    const key = this.keyOf(ocpi, path, tokenTypeOf(type));
    const dto = validateBody(TokenDto, body);
    const mismatch = (['country_code', 'party_id', 'uid', 'type'] as const).find(
      (field) => String(dto[field]).toUpperCase() !== String({ country_code: key.countryCode, party_id: key.partyId, uid: key.uid, type: key.type }[field]).toUpperCase(),
    );
    if (mismatch) throw OcpiError.invalid(`${mismatch}: must match the URL (${field(key, mismatch)})`);
    await this.tokens.put(key, body as OcpiToken);
  }

  async patch(ocpi: OcpiRequestContext, path: { countryCode: string; partyId: string; uid: string }, type: unknown, body: unknown): Promise<void> {
    const key = this.keyOf(ocpi, path, tokenTypeOf(type));
    validateBody(TokenPatchDto, body);
    const identity = ['country_code', 'party_id', 'uid', 'type'].find((name) => Object.hasOwn(body as object, name));
    if (identity) throw OcpiError.invalid(`${identity}: the identity of a token cannot be patched; it is given by the URL`);
    try {
      await this.tokens.patch(key, body as Partial<OcpiToken>);
    } catch (error) {
      if (error instanceof UnknownTokenError) throw new OcpiError(404, OcpiStatus.UNKNOWN_TOKEN, error.message);
      throw error;
    }
  }

  async get(ocpi: OcpiRequestContext, path: { countryCode: string; partyId: string; uid: string }, type: unknown): Promise<OcpiToken> {
    const key = this.keyOf(ocpi, path, tokenTypeOf(type));
    const token = await this.tokens.get(key);
    if (!token) throw new OcpiError(404, OcpiStatus.UNKNOWN_TOKEN, `unknown token ${key.uid} (${key.type})`);
    return token;
  }

  /**
   * Real-time authorization (mod_tokens, WhitelistType). ALWAYS: the stored token decides, real time is not allowed.
   * ALLOWED: the CPO may choose; a valid token is asked in real time, one the eMSP marked invalid is BLOCKED without
   * asking. ALLOWED_OFFLINE and NEVER: always asked, whatever `valid` says ("the state of the Token might have
   * changed"). The eMSP answering 404 / 2004 is an answer: the token is UNKNOWN to it. When it cannot be reached
   * (network, timeout, 5xx, no usable AuthorizationInfo): NEVER is NOT_ALLOWED, ALLOWED and ALLOWED_OFFLINE follow
   * the stored token. `partnerId` picks the eMSP when several pushed the same uid.
   */
  async authorize(
    uid: string,
    type: TokenType,
    location?: LocationReferences,
    options: { readonly partnerId?: string; readonly timeoutMs?: number } = {},
  ): Promise<TokenAuthorizationDecision> {
    const found = await this.tokens.findByUid(uid, type);
    const stored = options.partnerId ? found.find((t) => t.partnerId === options.partnerId) : found[0];
    if (!stored) return { allowed: 'UNKNOWN', source: 'NONE', emspReached: false, reason: `no eMSP pushed token ${uid} (${type})` };
    const { token, partnerId } = stored;
    const whitelisted: TokenAuthorizationDecision = { allowed: token.valid ? 'ALLOWED' : 'BLOCKED', source: 'WHITELIST', partnerId, emspReached: false };
    if (token.whitelist === 'ALWAYS' || (token.whitelist === 'ALLOWED' && !token.valid)) return whitelisted;
    try {
      const info = await this.askEmsp(partnerId, token, location, options.timeoutMs);
      return { allowed: info.allowed, source: 'REAL_TIME', partnerId, emspReached: true, ...(info.authorization_reference ? { authorizationReference: info.authorization_reference } : {}) };
    } catch (error) {
      const reason = (error as Error).message;
      if (error instanceof OcpiCallError && (error.httpStatus === 404 || error.statusCode === OcpiStatus.UNKNOWN_TOKEN)) {
        return { allowed: 'UNKNOWN', source: 'REAL_TIME', partnerId, emspReached: true, reason: `the eMSP does not know token ${uid}: ${reason}` };
      }
      this.logger.warn(`real-time authorization of ${uid} with ${partnerId} failed: ${reason}`);
      if (token.whitelist === 'NEVER') return { allowed: 'NOT_ALLOWED', source: 'NONE', partnerId, emspReached: false, reason };
      return token.valid ? { allowed: 'ALLOWED', source: 'ALLOWED_OFFLINE', partnerId, emspReached: false, reason } : { ...whitelisted, reason };
    }
  }

  private async askEmsp(partnerId: string, token: OcpiToken, location: LocationReferences | undefined, timeoutMs: number | undefined): Promise<AuthorizationInfoDto> {
    const partner = await this.partners.get(partnerId);
    const endpoint = partner?.endpoints.find((e) => e.identifier === 'tokens' && e.role === 'SENDER');
    if (!partner || partner.status !== 'REGISTERED' || !endpoint || !partner.outboundTokenSealed) throw new Error(`partner ${partnerId} offers no tokens SENDER endpoint`);
    const url = `${endpoint.url.replace(/\/$/, '')}/${encodeURIComponent(token.uid)}/authorize?type=${token.type}`;
    const response = await this.client.request<unknown>({
      method: 'POST',
      url,
      token: unseal(this.settings.secretKey, partner.outboundTokenSealed, partner.id),
      encodeToken: !partner.acceptsUnencodedTokens,
      partnerId,
      module: 'tokens',
      routing: { from: this.settings, to: { countryCode: token.country_code, partyId: token.party_id } },
      ...(location ? { body: location } : {}),
      ...(timeoutMs === undefined ? {} : { timeoutMs }),
    });
    return validateBody(AuthorizationInfoDto, response.envelope.data, 'AuthorizationInfo');
  }

  /** The URL names whose token it is; a partner may only address its own parties (a hub may address any). */
  private keyOf(ocpi: OcpiRequestContext, path: { countryCode: string; partyId: string; uid: string }, type: TokenType): TokenKey {
    const partner = ocpi.partner!;
    const countryCode = path.countryCode.toUpperCase();
    const partyId = path.partyId.toUpperCase();
    if (!/^[A-Z]{2}$/.test(countryCode)) throw OcpiError.invalid('country_code: must be a CiString(2) country code');
    if (!/^[A-Z0-9]{3}$/.test(partyId)) throw OcpiError.invalid('party_id: must be a CiString(3) party id');
    if (path.uid.length === 0 || path.uid.length > 36) throw OcpiError.invalid('token_uid: must be a CiString(36)');
    if (!ownsParty(partner, countryCode, partyId)) {
      throw new OcpiError(403, OcpiStatus.CLIENT_ERROR, `partner ${partner.id} may not write tokens of ${countryCode}/${partyId}`);
    }
    return { partnerId: partner.id, countryCode, partyId, uid: path.uid, type };
  }
}

function ownsParty(partner: PartnerDocument, countryCode: string, partyId: string): boolean {
  if (partner.roles.some((r) => r.role === 'HUB')) return true;
  return [...partner.roles, ...(partner.party ? [partner.party] : [])].some((r) => r.countryCode.toUpperCase() === countryCode && r.partyId.toUpperCase() === partyId);
}

function field(key: TokenKey, name: 'country_code' | 'party_id' | 'uid' | 'type'): string {
  return { country_code: key.countryCode, party_id: key.partyId, uid: key.uid, type: key.type }[name];
}
