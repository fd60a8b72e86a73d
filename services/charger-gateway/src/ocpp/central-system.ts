import type { Logger } from '@nestjs/common';
import { BootStatus, type AuthorizationSource, type AuthorizationStatus } from '@roamgate/contracts';
import type { RoamgateConfig } from '@roamgate/config';
import {
  isChargingDomainError,
  sessionDecider,
  sessionStreamName,
  type ChargerCommand,
  type CloseSupersededSession,
  type RecordBoot,
  type SessionCommand,
  type SessionIdToken,
  type SessionState,
  type SessionStreamEvent,
} from '@roamgate/domain-charging';
import type { AggregateRepository } from '@roamgate/runtime';
import { createRPCError } from 'ocpp-rpc';
import type { ChargerStreams } from './charger-streams';
import type { ChargerConnection } from './connections';
import { domainCodec } from './domain-codec';
import { LostTransactions, type LostTransactionsOptions } from './lost-transactions';
import { placeOf } from './places';
import type { RemoteStarts } from './remote-starts';
import type { TokenAuthorization, TokenAuthorizer } from './token-authorizer';
import type { IndexedTransaction, TransactionIndex } from './transaction-index';

const sessionCodec = domainCodec<SessionStreamEvent>();

/** Messages whose charger timestamp is older than the connection by more than this were queued while offline (1.6). */
const OFFLINE_GRACE_MS = 30_000;
const KNOWN_TRANSACTIONS = 50_000;

export interface IncomingCall<P = unknown> {
  readonly connection: ChargerConnection;
  readonly params: P;
  readonly messageId: string;
  readonly now: Date;
}

export type CallHandler = (call: IncomingCall<never>) => Promise<object>;

/** The sessions open on each connector (1.6) or EVSE (2.0.1), for messages that do not name their transaction. */
export class ActiveSessions {
  private readonly open = new Map<string, string>();

  set(chargerId: string, place: string, sessionId: string): void {
    this.open.set(`${chargerId}|${place}`, sessionId);
  }

  get(chargerId: string, place: string): string | undefined {
    return this.open.get(`${chargerId}|${place}`);
  }

  clear(chargerId: string, place: string, sessionId: string): void {
    if (this.open.get(`${chargerId}|${place}`) === sessionId) this.open.delete(`${chargerId}|${place}`);
  }
}

/** What the OCPP handlers of both versions share: the streams they write and the decisions they ask for. */
export class CentralSystem {
  readonly active = new ActiveSessions();
  readonly lost: LostTransactions;
  private readonly knownTransactions = new Map<string, IndexedTransaction>();

  constructor(
    readonly config: RoamgateConfig,
    readonly chargers: ChargerStreams,
    readonly sessions: AggregateRepository,
    readonly index: TransactionIndex,
    readonly authorizer: TokenAuthorizer,
    readonly remote: RemoteStarts,
    readonly logger: Logger,
    lostTransactions: Omit<LostTransactionsOptions, 'close' | 'logger'>,
  ) {
    this.lost = new LostTransactions({ ...lostTransactions, close: (sessionId, by, now) => this.closeSuperseded(sessionId, by, now), logger });
  }

  /** BootNotification of either version: Accepted when registered, Pending or Rejected for unknown chargers by policy. */
  async boot(record: (context: { now: Date; unknownChargerPolicy: RoamgateConfig['ocpp']['unknownChargers']; heartbeatIntervalSeconds: number }) => RecordBoot, now: Date): Promise<BootStatus> {
    const command = record({ now, unknownChargerPolicy: this.config.ocpp.unknownChargers, heartbeatIntervalSeconds: this.config.ocpp.heartbeatIntervalS });
    try {
      const events = await this.chargers.decide(command.chargerId, [command]);
      const booted = events.find((event) => event.type === 'ChargerBooted');
      return booted?.type === 'ChargerBooted' ? booted.data.bootStatus : BootStatus.REJECTED;
    } catch (error) {
      if (isChargingDomainError(error, 'CHARGER_NOT_REGISTERED')) return BootStatus.REJECTED;
      throw error;
    }
  }

  async recordCharger(chargerId: string, commands: readonly ChargerCommand[]): Promise<void> {
    await this.chargers.decide(chargerId, commands);
  }

  /**
   * Appends to a session stream. A domain rule refusing what the charger reported (meter values after the stop, a
   * stop for a start never received) is logged, not answered with an error: the charger could only resend it.
   */
  async recordSession(sessionId: string, commands: (state: SessionState) => readonly SessionCommand[]): Promise<SessionState | undefined> {
    try {
      return (await this.sessions.handle(sessionStreamName(sessionId), sessionDecider, sessionCodec, commands)).state;
    } catch (error) {
      if (!isChargingDomainError(error)) throw error;
      this.logger.warn(`session ${sessionId}: ${error.message}`);
      return undefined;
    }
  }

  /**
   * Appends CloseSupersededSession to a session (LostTransactions finds which and when); true when it closed it. A
   * domain refusal (a stream without a start) is logged, as for any session command.
   */
  async closeSuperseded(sessionId: string, supersededBy: CloseSupersededSession['supersededBy'], now: Date): Promise<boolean> {
    try {
      const { events } = await this.sessions.handle(sessionStreamName(sessionId), sessionDecider, sessionCodec, (): SessionCommand[] => [
        { type: 'CloseSupersededSession', sessionId, supersededBy, now },
      ]);
      return events.length > 0;
    } catch (error) {
      if (!isChargingDomainError(error)) throw error;
      this.logger.warn(`session ${sessionId}: ${error.message}`);
      return false;
    }
  }

  /** After a start: the older sessions open at its place are closed as lost once the grace period has passed. */
  superseding(started: SessionState): Promise<void> {
    if (started.startedAt === undefined) return Promise.resolve();
    const { sessionId, chargerId, evseId, connectorId, startedAt } = started;
    return this.lost.superseding({ sessionId, chargerId, evseId, connectorId, startedAt }, this.active.get(chargerId, placeOf(started)));
  }

  async authorize(connection: ChargerConnection, action: string, idToken: SessionIdToken, place: { evseId?: number; connectorId?: number } = {}): Promise<TokenAuthorization> {
    return this.authorizer.authorize({ chargerId: connection.chargerId, protocol: connection.protocol, idToken, action, ...place });
  }

  authorizationCommand(sessionId: string, idToken: SessionIdToken, decision: TokenAuthorization, now: Date): SessionCommand {
    return {
      type: 'RecordAuthorization',
      sessionId,
      idToken,
      status: decision.status as AuthorizationStatus,
      source: decision.source as AuthorizationSource,
      ...(decision.partnerId === undefined ? {} : { partnerId: decision.partnerId }),
      ...(decision.authorizationReference === undefined ? {} : { authorizationReference: decision.authorizationReference }),
      now,
    };
  }

  /**
   * The index entry under `key`. An entry never changes once claimed, so the ones found are kept: every MeterValues
   * names its transaction, and need not query the index for it.
   */
  async transaction(key: string): Promise<IndexedTransaction | undefined> {
    const known = this.knownTransactions.get(key);
    if (known !== undefined) return known;
    const entry = await this.index.get(key);
    if (entry !== undefined) this.remember(key, entry);
    return entry;
  }

  /** Claims `key` for the entry unless it is taken; returns the entry that holds. */
  async claimTransaction(key: string, entry: IndexedTransaction): Promise<IndexedTransaction> {
    const held = await this.index.claim(key, entry);
    this.remember(key, held);
    return held;
  }

  private remember(key: string, entry: IndexedTransaction): void {
    this.knownTransactions.set(key, entry);
    if (this.knownTransactions.size > KNOWN_TRANSACTIONS) this.knownTransactions.delete(this.knownTransactions.keys().next().value!);
  }

  /** 1.6 has no offline flag: a message stamped before the connection opened was queued while the charger was offline. */
  isOffline(connection: ChargerConnection, timestamp: string | undefined): boolean {
    const at = timestamp === undefined ? Number.NaN : Date.parse(timestamp);
    return Number.isFinite(at) && at < connection.connectedAt.getTime() - OFFLINE_GRACE_MS;
  }

  /** Registration state is checked once per connection: it only ever goes from unknown to registered. */
  async requireRegistered(connection: ChargerConnection): Promise<void> {
    if (connection.registered) return;
    const state = await this.chargers.state(connection.chargerId);
    if (state.registered) {
      connection.registered = true;
      return;
    }
    // OCPP 1.6 §4.2 / 2.0.1 B02: while Pending the central system may refuse everything but BootNotification.
    throw createRPCError('SecurityError', `charger ${connection.chargerId} is not registered; only BootNotification is answered while it is Pending`);
  }
}
