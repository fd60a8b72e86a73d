import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { Bus, BusSubscription, DeliveredMessage } from '@roamgate/bus';
import { AuthorizationSource, AuthorizationStatus, decodeEventBinary, WhitelistType, type OcppVersion } from '@roamgate/contracts';
import type { AuthorizationDecision } from '@roamgate/domain-charging';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_HEADERS } from '@roamgate/relay';
import { BUS, READ_MODELS } from '@roamgate/runtime';

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
export class TokenCache implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private subscription: BusSubscription | undefined;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(TOKEN_CACHE);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({ group: TOKEN_CACHE_GROUP, topics: [TOKEN_TOPIC], handler: (message) => this.onMessage(message) });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  /** Tokens with this uid, of any type and eMSP (OCPP 1.6 idTags carry no type). */
  async find(uid: string): Promise<CachedToken[]> {
    return (await this.readModels.find<CachedToken>(TOKEN_CACHE.name, { where: { uid }, limit: 20 })).items.map((d) => d.data);
  }

  private async onMessage(message: DeliveredMessage): Promise<void> {
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

const OCPP_TYPE_OF_OCPI: Readonly<Record<string, string>> = { RFID: 'ISO14443', APP_USER: 'Central', AD_HOC_USER: 'Central', OTHER: 'Central' };

/**
 * Answers from the token cache: a token an eMSP marked invalid is Blocked, a valid one Accepted on the whitelist
 * (ALWAYS, ALLOWED, ALLOWED_OFFLINE), whatever is unknown follows the unknown-token policy. NEVER tokens would need
 * the eMSP in real time, which the gateway cannot ask synchronously: they are Invalid (see docs/ocpi.md, Tokens).
 */
@Injectable()
export class CachedTokenAuthorizer implements TokenAuthorizer {
  constructor(
    private readonly cache: TokenCache,
    @Inject(UNKNOWN_TOKEN_POLICY) private readonly unknown: UnknownTokenPolicy,
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
    const partner = { partnerId: token.partnerId, source: AuthorizationSource.WHITELIST };
    if (!token.valid) return { status: AuthorizationStatus.BLOCKED, ...partner };
    if (token.whitelist === 'NEVER') return { status: AuthorizationStatus.INVALID, ...partner };
    return { status: AuthorizationStatus.ACCEPTED, ...partner };
  }
}
