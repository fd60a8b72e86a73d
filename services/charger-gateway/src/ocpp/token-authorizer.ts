import { Controller, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { AuthorizationSource, AuthorizationStatus, decodeEventBinary, WhitelistType, type OcppVersion } from '@roamgate/contracts';
import type { AuthorizationDecision } from '@roamgate/domain-charging';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_HEADERS } from '@roamgate/relay';
import { EventPattern, Payload, READ_MODELS, type BusConsumerOptions } from '@roamgate/runtime';
import { RealtimeAuthorization, statusOfAllowed, type RealtimeAnswer } from './realtime-authorization';
import { RemoteStarts } from './remote-starts';

/** Injection token of the TokenAuthorizer the OCPP handlers ask. */
export const TOKEN_AUTHORIZER = Symbol('roamgate.charger-gateway.token-authorizer');

export interface TokenAuthorizationRequest {
  readonly chargerId: string;
  readonly protocol: OcppVersion;
  readonly idToken: { readonly id: string; readonly type?: string };
  readonly evseId?: number;
  readonly connectorId?: number;
  /** Authorize, StartTransaction or TransactionEvent. */
  readonly action: string;
}

export interface TokenAuthorization extends AuthorizationDecision {
  readonly source: AuthorizationSource;
  /** The eMSP whose token it is, when a partner decided. */
  readonly partnerId?: string;
  readonly authorizationReference?: string;
}

/** Decides whether an id token may charge; the OCPI connector provides the real-time one. */
export interface TokenAuthorizer {
  authorize(request: TokenAuthorizationRequest): Promise<TokenAuthorization>;
}

/** Every token is accepted, as a charger in free-vend mode would. */
@Injectable()
export class AcceptingTokenAuthorizer implements TokenAuthorizer {
  async authorize(): Promise<TokenAuthorization> {
    return { status: AuthorizationStatus.ACCEPTED, source: AuthorizationSource.LOCAL };
  }
}

export const TOKEN_CACHE = { name: 'gateway_tokens', indexes: ['uid'] } as const;
export const TOKEN_CACHE_GROUP = 'charger-gateway-tokens';
export const TOKEN_TOPIC = 'roamgate.token';

export type CachedToken = {
  readonly partnerId: string;
  readonly uid: string;
  /** OCPI TokenType: RFID, APP_USER, AD_HOC_USER, OTHER. */
  readonly type: string;
  readonly valid: boolean;
  readonly whitelist: 'ALWAYS' | 'ALLOWED' | 'ALLOWED_OFFLINE' | 'NEVER' | 'UNSPECIFIED';
  readonly contractId: string;
};

/** What a token unknown to every eMSP gets: OCPP_UNKNOWN_TOKENS=Invalid (roaming only) or Accepted (free vend, the default). */
export type UnknownTokenPolicy = 'Accepted' | 'Invalid';
export const UNKNOWN_TOKEN_POLICY = Symbol('roamgate.charger-gateway.unknown-token-policy');

export function unknownTokenPolicy(env: NodeJS.ProcessEnv = process.env): UnknownTokenPolicy {
  const value = env.OCPP_UNKNOWN_TOKENS ?? 'Accepted';
  if (value !== 'Accepted' && value !== 'Invalid') throw new Error(`OCPP_UNKNOWN_TOKENS: must be Accepted or Invalid, got "${value}"`);
  return value;
}

/**
 * The gateway's copy of the tokens eMSPs pushed to the OCPI connector, fed by OcpiTokenStored on roamgate.token.
 * The gateway may not call the connector while a charger waits, so Authorize is answered from here.
 */
@Injectable()
export class TokenCache implements OnModuleInit {
  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModelStore) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(TOKEN_CACHE);
  }

  /** Tokens with this uid, of any type and eMSP (OCPP 1.6 idTags carry no type). */
  async find(uid: string): Promise<CachedToken[]> {
    return (await this.readModels.find<CachedToken>(TOKEN_CACHE.name, { where: { uid }, limit: 20 })).items.map((d) => d.data);
  }

  /** One message of roamgate.token (TokenCacheConsumer); other event types are skipped before decoding. */
  async record(message: DeliveredMessage): Promise<void> {
    if (message.headers[EVENT_HEADERS.eventType] !== 'OcpiTokenStored') return;
    const event = decodeEventBinary('OcpiTokenStored', message.value);
    const token: CachedToken = {
      partnerId: event.partnerId,
      uid: event.uid,
      type: event.type,
      valid: event.valid,
      whitelist: (WhitelistType[event.whitelist] ?? 'UNSPECIFIED') as CachedToken['whitelist'],
      contractId: event.contractId,
    };
    // The stream revision orders the versions of one token: a redelivered older one is ignored.
    await this.readModels.upsert(TOKEN_CACHE.name, message.key, token, Number(message.headers[EVENT_HEADERS.revision] ?? 0));
  }
}

/** Feeds the TokenCache from the OCPI connector's token events. */
@Controller()
export class TokenCacheConsumer {
  constructor(private readonly cache: TokenCache) {}

  @EventPattern(TOKEN_TOPIC, { group: TOKEN_CACHE_GROUP } satisfies BusConsumerOptions)
  onToken(@Payload() message: DeliveredMessage): Promise<void> {
    return this.cache.record(message);
  }
}

const OCPP_TYPE_OF_OCPI: Readonly<Record<string, string>> = { RFID: 'ISO14443', APP_USER: 'Central', AD_HOC_USER: 'Central', OTHER: 'Central' };
const WHITELIST_OF: Readonly<Record<CachedToken['whitelist'], WhitelistType>> = {
  ALWAYS: WhitelistType.ALWAYS,
  ALLOWED: WhitelistType.ALLOWED,
  ALLOWED_OFFLINE: WhitelistType.ALLOWED_OFFLINE,
  NEVER: WhitelistType.NEVER,
  UNSPECIFIED: WhitelistType.UNSPECIFIED,
};
/** The OCPP messages that start charging; a stop is never refused on a token, so it never waits for an eMSP. */
const REALTIME_ACTIONS: ReadonlySet<string> = new Set(['Authorize', 'StartTransaction', 'TransactionEvent']);

/**
 * Answers a charger per the OCPI WhitelistType of the token the eMSP pushed (mod_tokens):
 * - ALWAYS: from the cache (valid → Accepted, else Blocked); real-time is not allowed.
 * - ALLOWED: the CPO chooses. A valid token is asked in real time, for the eMSP's latest word and an
 *   authorization_reference, and accepted from the cache when no answer comes in time; a token the eMSP itself
 *   marked invalid is Blocked at once, since the eMSP allowed whitelisting and has told us.
 * - ALLOWED_OFFLINE: always real time, whatever `valid` says (the spec: its state may have changed); without an
 *   answer, the cached token decides (valid → Accepted, as the eMSP is unreachable; else Blocked).
 * - NEVER: always real time; without an answer, Invalid.
 * Real time goes over the bus (RealtimeAuthorization) and waits at most OCPP_REALTIME_AUTH_TIMEOUT_MS. A start that
 * follows a real-time answer for the same token at the same charger reuses it, so an Authorize and its
 * StartTransaction cost one eMSP call and carry one authorization_reference. The OCPP 1.6 StartTransaction of a remote
 * start the eMSP asked for (a pending RemoteStartTransaction with that idTag) is Accepted without asking again.
 * Tokens unknown to every eMSP follow the unknown-token policy. A stop is answered from the cache.
 */
@Injectable()
export class CachedTokenAuthorizer implements TokenAuthorizer {
  private readonly logger = new Logger('TokenAuthorizer');
  private readonly recent = new Map<string, { readonly at: number; readonly answer: TokenAuthorization }>();

  constructor(
    private readonly cache: TokenCache,
    @Inject(UNKNOWN_TOKEN_POLICY) private readonly unknown: UnknownTokenPolicy,
    private readonly realtime: RealtimeAuthorization,
    private readonly remote: RemoteStarts,
  ) {}

  async authorize(request: TokenAuthorizationRequest): Promise<TokenAuthorization> {
    const candidates = await this.cache.find(request.idToken.id);
    const type = request.idToken.type ?? '';
    const token = candidates.find((t) => type === '' || t.type === type || OCPP_TYPE_OF_OCPI[t.type] === type) ?? (type === '' ? undefined : candidates[0]);
    if (!token) {
      return this.unknown === 'Accepted'
        ? { status: AuthorizationStatus.ACCEPTED, source: AuthorizationSource.LOCAL }
        : { status: AuthorizationStatus.INVALID, source: AuthorizationSource.WHITELIST };
    }
    // The eMSP itself asked for this start (START_SESSION): its token is not put to it again, whatever the whitelist.
    if (request.action === 'StartTransaction' && this.remote.expects16(request.chargerId, request.idToken.id, request.connectorId)) {
      return { status: AuthorizationStatus.ACCEPTED, source: AuthorizationSource.REMOTE_START, partnerId: token.partnerId };
    }
    const partner = { partnerId: token.partnerId, source: AuthorizationSource.WHITELIST };
    const cached = { status: token.valid ? AuthorizationStatus.ACCEPTED : AuthorizationStatus.BLOCKED, ...partner };
    if (token.whitelist === 'ALWAYS' || token.whitelist === 'UNSPECIFIED') return cached;
    if (token.whitelist === 'ALLOWED' && !token.valid) return cached;
    if (!this.realtime.enabled || !REALTIME_ACTIONS.has(request.action)) {
      return token.whitelist === 'NEVER' ? { status: AuthorizationStatus.INVALID, ...partner } : cached;
    }
    const key = `${request.chargerId}|${token.partnerId}|${token.uid}|${token.type}`;
    const reused = this.recent.get(key);
    if (request.action !== 'Authorize' && reused && Date.now() - reused.at <= this.realtime.settings.reuseMs) return reused.answer;
    const fallback: TokenAuthorization =
      token.whitelist === 'NEVER'
        ? { status: AuthorizationStatus.INVALID, ...partner }
        : token.whitelist === 'ALLOWED_OFFLINE' && token.valid
          ? { status: AuthorizationStatus.ACCEPTED, partnerId: token.partnerId, source: AuthorizationSource.ALLOWED_OFFLINE }
          : cached;
    const question = {
      chargerId: request.chargerId,
      ...(request.evseId === undefined ? {} : { evseId: request.evseId }),
      ...(request.connectorId === undefined ? {} : { connectorId: request.connectorId }),
      partnerId: token.partnerId,
      uid: token.uid,
      tokenType: token.type,
      whitelist: WHITELIST_OF[token.whitelist],
      action: request.action,
    };
    let answer: RealtimeAnswer;
    try {
      answer = await this.realtime.ask(question, fallback.status);
    } catch (error) {
      // The request could not even be recorded: the charger still gets the whitelist rule's answer, never an error.
      this.logger.error(`real-time authorization of ${token.uid} (${token.partnerId}) could not be asked: ${error instanceof Error ? error.message : String(error)}`);
      answer = { kind: 'timed-out', requestId: '' };
    }
    const decision = answer.kind === 'decided' ? decisionOf(answer.decided, token.partnerId) : fallback;
    this.remember(key, decision);
    return decision;
  }

  private remember(key: string, answer: TokenAuthorization): void {
    const now = Date.now();
    this.recent.set(key, { at: now, answer });
    if (this.recent.size > 10_000) {
      for (const [k, v] of this.recent) if (now - v.at > this.realtime.settings.reuseMs) this.recent.delete(k);
    }
  }
}

/** The connector's answer: the eMSP's AllowedType, or the whitelist rule it applied when the eMSP was unreachable. */
function decisionOf(decided: { allowed: string; emspReached: boolean; authorizationReference: string; partnerId: string }, partnerId: string): TokenAuthorization {
  const status = statusOfAllowed(decided.allowed);
  const source = decided.emspReached ? AuthorizationSource.REAL_TIME : status === AuthorizationStatus.ACCEPTED ? AuthorizationSource.ALLOWED_OFFLINE : AuthorizationSource.WHITELIST;
  return { status, source, partnerId: decided.partnerId || partnerId, ...(decided.authorizationReference ? { authorizationReference: decided.authorizationReference } : {}) };
}
