import { Logger, Module } from '@nestjs/common';
import type { RoamgateConfig } from '@roamgate/config';
import type { EventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, CONFIG, EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { CentralSystem } from './central-system';
import { ChargerStreams } from './charger-streams';
import { ChargerConnections } from './connections';
import { OcppServer } from './ocpp-server';
import { RemoteStarts } from './remote-starts';
import { AcceptingTokenAuthorizer, TOKEN_AUTHORIZER, type TokenAuthorizer } from './token-authorizer';
import { TransactionIndex } from './transaction-index';

const logger = new Logger('OCPP');

/** The OCPP central system: WebSocket endpoint, handlers of both protocol versions and the message log. */
@Module({
  providers: [
    ChargerConnections,
    RemoteStarts,
    { provide: TOKEN_AUTHORIZER, useClass: AcceptingTokenAuthorizer },
    {
      provide: ChargerStreams,
      useFactory: (store: EventStore) =>
        new ChargerStreams(store, (chargerId, error) =>
          logger.error(`message log of ${chargerId}: ${error instanceof Error ? error.message : String(error)}`),
        ),
      inject: [EVENT_STORE],
    },
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
      ) => new CentralSystem(config, chargers, new AggregateRepository(store), index, authorizer, remote, logger),
      inject: [CONFIG, ChargerStreams, EVENT_STORE, TransactionIndex, TOKEN_AUTHORIZER, RemoteStarts],
    },
    OcppServer,
  ],
  exports: [ChargerConnections, RemoteStarts, ChargerStreams, TransactionIndex, CentralSystem, TOKEN_AUTHORIZER],
})
export class OcppModule {}
