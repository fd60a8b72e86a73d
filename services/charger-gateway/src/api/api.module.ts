import { Module } from '@nestjs/common';
import { MessageLogModule } from '../message-log/message-log.module';
import { ChargerProjectionsModule } from '../projections/projections.module';
import { ChargerRegistry } from './charger-registry';
import { ChargersController } from './chargers.controller';
import { CommandsController } from './commands.controller';
import { ReadModelQueries } from './queries';
import { SessionsController } from './sessions.controller';
import { TokenCacheController } from './tokens.controller';

/**
 * The charger-gateway part of the operations API: chargers, sessions, commands, the OCPP message log and the token cache.
 * CommandService comes from the global CommandsModule, which carries the commands out.
 */
@Module({
  imports: [ChargerProjectionsModule, MessageLogModule],
  controllers: [ChargersController, SessionsController, CommandsController, TokenCacheController],
  providers: [ChargerRegistry, ReadModelQueries],
})
export class ChargerApiModule {}
