import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  AuthorizationStatus,
  create,
  decodeEventJson,
  encodeEventJson,
  schemaOf,
  timestampFromMs,
  WhitelistType,
  type EventMessage,
  type EventType,
} from '@roamgate/contracts';
import { newEventId, WrongExpectedRevisionError, type EventStore, type Json } from '@roamgate/event-store';
import { EVENT_STORE } from '@roamgate/runtime';

export const REALTIME_AUTHORIZATION_SETTINGS = Symbol('roamgate.charger-gateway.realtime-authorization-settings');

export interface RealtimeAuthorizationSettings {
  /** How long a charger's Authorize waits for the eMSP's answer before the token cache decides; 0 turns real-time authorization off. */
  readonly timeoutMs: number;
  /** A start that follows a real-time answer for the same token at the same charger within this window reuses it. */
  readonly reuseMs: number;
  /** First interval of polling the request's stream for the answer; doubled up to 100 ms. */
  readonly pollMs: number;
}

/** OCPP_REALTIME_AUTH_TIMEOUT_MS (4000; 0 = off), OCPP_REALTIME_AUTH_REUSE_S (120). */
export function realtimeAuthorizationSettings(env: NodeJS.ProcessEnv = process.env): RealtimeAuthorizationSettings {
  const number = (name: string, fallback: number): number => {
    const value = env[name];
    if (value === undefined || value === '') return fallback;
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`${name}: must be a non-negative integer, got "${value}"`);
    return parsed;
  };
  return { timeoutMs: number('OCPP_REALTIME_AUTH_TIMEOUT_MS', 4_000), reuseMs: number('OCPP_REALTIME_AUTH_REUSE_S', 120) * 1000, pollMs: 10 };
}

export const tokenAuthorizationStreamName = (requestId: string): string => `tokenauth-${requestId}`;

export interface RealtimeQuestion {
  readonly chargerId: string;
  readonly evseId?: number;
  readonly connectorId?: number;
  readonly partnerId: string;
  readonly uid: string;
  /** OCPI TokenType of the cached token. */
  readonly tokenType: string;
  readonly whitelist: WhitelistType;
  readonly action: string;
}

export type RealtimeAnswer =
  | { readonly kind: 'decided'; readonly requestId: string; readonly decided: EventMessage<'TokenAuthorizationDecided'> }
  | { readonly kind: 'timed-out'; readonly requestId: string };

type Stored = { readonly type: EventType; readonly data: Json };
const stored = <T extends EventType>(type: T, init: object): Stored => ({ type, data: encodeEventJson(type, create(schemaOf(type), init as never) as never) as Json });

/**
 * Real-time authorization over the bus (OCPI mod_tokens): services never call each other while a charger waits, so
 * the gateway records a TokenAuthorizationRequested on `tokenauth-<id>` (the relay carries it to the ocpi-connector
 * on roamgate.tokenauth), and waits on that stream, in the shared store, for the connector's
 * TokenAuthorizationDecided. At the deadline it appends TokenAuthorizationTimedOut with the same expected revision
 * the connector uses, so exactly one answer is recorded: if the connector's came first, that one is used. Waiting on
 * the stream rather than on a consumer group works with any number of gateway replicas.
 */
@Injectable()
export class RealtimeAuthorization {
  private readonly logger = new Logger('RealtimeAuthorization');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(REALTIME_AUTHORIZATION_SETTINGS) readonly settings: RealtimeAuthorizationSettings,
  ) {}

  get enabled(): boolean {
    return this.settings.timeoutMs > 0;
  }

  /** Asks the eMSP through the connector; `fallback` is what the charger is told when no answer comes in time. */
  async ask(question: RealtimeQuestion, fallback: AuthorizationStatus): Promise<RealtimeAnswer> {
    const requestId = newEventId();
    const stream = tokenAuthorizationStreamName(requestId);
    const now = Date.now();
    const deadline = now + this.settings.timeoutMs;
    const requested = stored('TokenAuthorizationRequested', {
      requestId,
      occurredAt: timestampFromMs(now),
      chargerId: question.chargerId,
      evseId: question.evseId ?? 0,
      connectorId: question.connectorId ?? 0,
      partnerId: question.partnerId,
      uid: question.uid,
      tokenType: question.tokenType,
      whitelist: question.whitelist,
      action: question.action,
      deadline: timestampFromMs(deadline),
    });
    await this.store.append(stream, [{ id: newEventId(), ...requested }], { expectedRevision: 'no_stream' });
    let interval = this.settings.pollMs;
    while (Date.now() < deadline) {
      await sleep(Math.min(interval, Math.max(1, deadline - Date.now())));
      interval = Math.min(100, interval * 2);
      const answer = await this.answerOf(stream, requestId);
      if (answer) return answer;
    }
    try {
      await this.store.append(stream, [{ id: newEventId(), ...stored('TokenAuthorizationTimedOut', { requestId, occurredAt: timestampFromMs(Date.now()), status: fallback }) }], {
        expectedRevision: 0,
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      const answer = await this.answerOf(stream, requestId);
      if (answer) return answer;
    }
    this.logger.warn(`no real-time answer for token ${question.uid} of ${question.partnerId} within ${this.settings.timeoutMs} ms; answered from the token cache`);
    return { kind: 'timed-out', requestId };
  }

  private async answerOf(stream: string, requestId: string): Promise<RealtimeAnswer | undefined> {
    const [answer] = await this.store.readStream(stream, { fromRevision: 1, maxCount: 1 });
    if (!answer) return undefined;
    if (answer.type === 'TokenAuthorizationDecided') {
      return { kind: 'decided', requestId, decided: decodeEventJson('TokenAuthorizationDecided', answer.data as never, { ignoreUnknownFields: true }) };
    }
    return { kind: 'timed-out', requestId };
  }
}

/** OCPI AllowedType of the eMSP's answer, as the charger is told. */
export function statusOfAllowed(allowed: string): AuthorizationStatus {
  switch (allowed) {
    case 'ALLOWED':
      return AuthorizationStatus.ACCEPTED;
    case 'BLOCKED':
      return AuthorizationStatus.BLOCKED;
    case 'EXPIRED':
      return AuthorizationStatus.EXPIRED;
    case 'NO_CREDIT':
      return AuthorizationStatus.NO_CREDIT;
    case 'NOT_ALLOWED':
      return AuthorizationStatus.NOT_AT_THIS_LOCATION;
    default:
      return AuthorizationStatus.INVALID;
  }
}
