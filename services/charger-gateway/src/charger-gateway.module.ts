import { Module } from '@nestjs/common';
import type { ServiceModule } from '@roamgate/runtime';

/** OCPP central system: charger connections, the OCPP message log, charger, session and command streams. */
@Module({})
export class ChargerGatewayModule {}

export const chargerGateway: ServiceModule = {
  descriptor: { name: 'charger-gateway', ownedCategories: ['charger', 'session', 'command'] },
  module: ChargerGatewayModule,
};
