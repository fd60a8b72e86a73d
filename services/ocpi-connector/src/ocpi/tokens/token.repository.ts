import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { decodeEventJson, encodeEventJson, WhitelistType, type OcpiTokenStored } from '@roamgate/contracts';
import type { EventStore, Json } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, EVENT_STORE, READ_MODELS, type Decider, type EventCodec } from '@roamgate/runtime';
import type { OcpiToken, TokenType, WhitelistTypeName } from './tokens.dto';

export const TOKENS = { name: 'ocpi_tokens', indexes: ['partnerId', 'uid', 'lookup'] } as const;

export interface TokenKey {
  readonly partnerId: string;
  readonly countryCode: string;
  readonly partyId: string;
  readonly uid: string;
  readonly type: TokenType;
}

export type TokenDocument = {
  readonly partnerId: string;
  readonly countryCode: string;
  readonly partyId: string;
  readonly uid: string;
  readonly type: TokenType;
  /** `<uid>|<type>`: how real-time authorization finds a token. */
  readonly lookup: string;
  readonly token: OcpiToken;
};

type TokenCommand = { readonly kind: 'put'; readonly token: OcpiToken; readonly now: Date } | { readonly kind: 'patch'; readonly patch: Partial<OcpiToken>; readonly now: Date };
type TokenStoredEvent = { readonly type: 'OcpiTokenStored'; readonly data: OcpiTokenStored };
type TokenState = { readonly token: OcpiToken | undefined };

export class UnknownTokenError extends Error {}

export const WHITELIST_OF: Readonly<Record<WhitelistTypeName, WhitelistType>> = {
  ALWAYS: WhitelistType.ALWAYS,
  ALLOWED: WhitelistType.ALLOWED,
  ALLOWED_OFFLINE: WhitelistType.ALLOWED_OFFLINE,
  NEVER: WhitelistType.NEVER,
};

/** One stream per token of one eMSP; category `token`, so its events go to roamgate.token. */
export const tokenStreamName = (key: TokenKey): string => `token-${key.partnerId}|${key.countryCode}|${key.partyId}|${key.uid}|${key.type}`;
const documentId = (key: TokenKey): string => tokenStreamName(key).slice('token-'.length);

function tokenDecider(key: TokenKey): Decider<TokenState, TokenCommand, TokenStoredEvent> {
  const stored = (token: OcpiToken, now: Date, patched: boolean): TokenStoredEvent => ({
    type: 'OcpiTokenStored',
    data: decodeEventJson('OcpiTokenStored', {
      partnerId: key.partnerId,
      occurredAt: now.toISOString(),
      countryCode: token.country_code,
      partyId: token.party_id,
      uid: token.uid,
      type: token.type,
      contractId: token.contract_id,
      valid: token.valid,
      whitelist: `WHITELIST_TYPE_${token.whitelist}`,
      lastUpdated: new Date(token.last_updated.endsWith('Z') ? token.last_updated : `${token.last_updated}Z`).toISOString(),
      tokenJson: JSON.stringify(token),
      patched,
    }),
  });
  return {
    initialState: () => ({ token: undefined }),
    evolve: (_state, event) => ({ token: JSON.parse(event.data.tokenJson) as OcpiToken }),
    decide(command, state) {
      if (command.kind === 'put') return [stored(command.token, command.now, false)];
      if (!state.token) throw new UnknownTokenError(`unknown token ${key.uid} (${key.type})`);
      return [stored({ ...state.token, ...command.patch }, command.now, true)];
    },
  };
}

const codec: EventCodec<TokenStoredEvent> = {
  toStored: (event) => ({ type: event.type, data: encodeEventJson(event.type, event.data) as Json }),
  fromStored: (stored) => ({ type: 'OcpiTokenStored', data: decodeEventJson('OcpiTokenStored', stored.data as never, { ignoreUnknownFields: true }) }),
};

/**
 * The tokens eMSPs pushed to us (mod_tokens, receiver): an event stream per token is the record, and the
 * ocpi_tokens read model is written in the same call, so a GET right after the PUT sees it.
 */
@Injectable()
export class TokenRepository implements OnModuleInit {
  private readonly aggregates: AggregateRepository;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
  ) {
    this.aggregates = new AggregateRepository(store);
  }

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(TOKENS);
  }

  put(key: TokenKey, token: OcpiToken): Promise<OcpiToken> {
    return this.handle(key, { kind: 'put', token, now: new Date() });
  }

  /** Throws UnknownTokenError when the token was never PUT. */
  patch(key: TokenKey, patch: Partial<OcpiToken>): Promise<OcpiToken> {
    return this.handle(key, { kind: 'patch', patch, now: new Date() });
  }

  async get(key: TokenKey): Promise<OcpiToken | undefined> {
    return (await this.readModels.get<TokenDocument>(TOKENS.name, documentId(key)))?.data.token;
  }

  /** Every stored token with this uid and type, whichever eMSP sent it. */
  async findByUid(uid: string, type: TokenType): Promise<TokenDocument[]> {
    return (await this.readModels.find<TokenDocument>(TOKENS.name, { where: { lookup: `${uid}|${type}` }, limit: 10 })).items.map((d) => d.data);
  }

  private async handle(key: TokenKey, command: TokenCommand): Promise<OcpiToken> {
    const result = await this.aggregates.handle(tokenStreamName(key), tokenDecider(key), codec, () => [command]);
    const token = result.state.token!;
    const document: TokenDocument = { ...key, lookup: `${key.uid}|${key.type}`, token };
    await this.readModels.upsert(TOKENS.name, documentId(key), document, result.revision);
    return token;
  }
}
