import { Logger, Module } from '@nestjs/common';
import type { RoamgateConfig } from '@roamgate/config';
import type { EventStore } from '@roamgate/event-store';
import { findAll, type ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, CONFIG, EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { MessageLogModule } from '../message-log/message-log.module';
import { SESSIONS, type SessionDocument } from '../projections/documents';
import type { OpenSession } from './lost-transactions';
import { CentralSystem } from './central-system';
import { ChargerStreams } from './charger-streams';
import { ChargerConnections } from './connections';
import { ConnectionSweep } from './connection-sweep';
import { GatewayInstance, gatewayInstance } from './gateway-instance';
import { OcppServer } from './ocpp-server';
import { RemoteStartRecovery } from './remote-start-recovery';
import { RemoteStarts } from './remote-starts';
import { RealtimeAuthorization, REALTIME_AUTHORIZATION_SETTINGS, realtimeAuthorizationSettings } from './realtime-authorization';
import { CachedTokenAuthorizer, TOKEN_AUTHORIZER, TokenCache, TokenCacheConsumer, UNKNOWN_TOKEN_POLICY, unknownTokenPolicy, type TokenAuthorizer } from './token-authorizer';
import { TransactionIndex } from './transaction-index';

const logger = new Logger('OCPP');
/** Session states kept folded between messages: every MeterValues appends to its session, which then need not be re-read whole. */
const CACHED_SESSIONS = 20_000;

/** Read a page at a time when every open session is listed (start-up). */
const OPEN_SESSIONS_PAGE = 1_000;

const openSessionOf = (doc: SessionDocument): OpenSession => ({
  sessionId: doc.id,
  chargerId: doc.chargerId,
  evseId: doc.evseId,
  connectorId: doc.connectorId,
  startedAt: doc.startedAt === null ? undefined : new Date(doc.startedAt),
});

/** ACTIVE sessions of the sessions read model: of one charger, or all of them. */
async function openSessions(readModels: ReadModelStore, chargerId?: string): Promise<OpenSession[]> {
  const where = { status: 'ACTIVE', ...(chargerId === undefined ? {} : { chargerId }) };
  const sessions: OpenSession[] = [];
  for await (const doc of findAll<SessionDocument>(readModels, SESSIONS, { where }, OPEN_SESSIONS_PAGE)) sessions.push(openSessionOf(doc.data));
  return sessions;
}

/** The OCPP central system: WebSocket endpoint, handlers of both protocol versions and the message log. */
@Module({
  imports: [MessageLogModule],
  controllers: [TokenCacheConsumer],
  providers: [
    ChargerConnections,
    RemoteStarts,
    TokenCache,
    { provide: UNKNOWN_TOKEN_POLICY, useFactory: () => unknownTokenPolicy() },
    { provide: TOKEN_AUTHORIZER, useClass: CachedTokenAuthorizer },
    { provide: REALTIME_AUTHORIZATION_SETTINGS, useFactory: () => realtimeAuthorizationSettings() },
    RealtimeAuthorization,
    { provide: GatewayInstance, useFactory: () => gatewayInstance() },
    {
      provide: ChargerStreams,
      useFactory: (store: EventStore, instance: GatewayInstance) => new ChargerStreams(store, instance.id),
      inject: [EVENT_STORE, GatewayInstance],
    },
    ConnectionSweep,
    RemoteStartRecovery,
    {
      provide: TransactionIndex,
      useFactory: (readModels: ReadModelStore, store: EventStore) => new TransactionIndex(readModels, store),
      inject: [READ_MODELS, EVENT_STORE],
    },
    {
      provide: CentralSystem,
      useFactory: (
        config: RoamgateConfig,
        chargers: ChargerStreams,
        store: EventStore,
        index: TransactionIndex,
        authorizer: TokenAuthorizer,
        remote: RemoteStarts,
        readModels: ReadModelStore,
      ) =>
        new CentralSystem(config, chargers, new AggregateRepository(store, { cachedStreams: CACHED_SESSIONS }), index, authorizer, remote, logger, {
          graceMs: config.ocpp.lostTransactionGraceS * 1000,
          openSessions: (chargerId) => openSessions(readModels, chargerId),
        }),
      inject: [CONFIG, ChargerStreams, EVENT_STORE, TransactionIndex, TOKEN_AUTHORIZER, RemoteStarts, READ_MODELS],
    },
    OcppServer,
  ],
  exports: [GatewayInstance, ConnectionSweep, ChargerConnections, RemoteStarts, ChargerStreams, TransactionIndex, CentralSystem, TOKEN_AUTHORIZER],
})
export class OcppModule {}
