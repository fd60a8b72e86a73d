import { Module } from '@nestjs/common';
import type { ServiceModule } from '@roamgate/runtime';
import { ChargerApiModule } from './api/api.module';
import { CommandsModule } from './commands/commands.module';
import { OcppModule } from './ocpp/ocpp.module';
import { ChargerProjectionsModule } from './projections/projections.module';

export { CommandService, COMMAND_KINDS, type CommandKindName, type CommandRequestInput } from './commands/command.service';
export { hashPassword, verifyPassword } from './ocpp/password';
export {
  AcceptingTokenAuthorizer,
  CachedTokenAuthorizer,
  TokenCache,
  TOKEN_AUTHORIZER,
  type TokenAuthorization,
  type TokenAuthorizationRequest,
  type TokenAuthorizer,
} from './ocpp/token-authorizer';
export { RealtimeAuthorization, tokenAuthorizationStreamName, type RealtimeAuthorizationSettings } from './ocpp/realtime-authorization';

/** OCPP central system: charger connections, the OCPP message log, charger, session and command streams. */
@Module({
  imports: [OcppModule, CommandsModule, ChargerProjectionsModule, ChargerApiModule],
})
export class ChargerGatewayModule {}

export const chargerGateway: ServiceModule = {
  descriptor: { name: 'charger-gateway', ownedCategories: ['charger', 'session', 'command', 'ocppids', 'tokenauth'] },
  module: ChargerGatewayModule,
};
