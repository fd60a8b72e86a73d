import { Module } from '@nestjs/common';
import type { ServiceModule } from '@roamgate/runtime';

/** CPO side of OCPI 2.2.1: partners, credentials, modules, push outbox, command correlation. */
@Module({})
export class OcpiConnectorModule {}

export const ocpiConnector: ServiceModule = {
  descriptor: { name: 'ocpi-connector', ownedCategories: ['partner', 'ocpi'] },
  module: OcpiConnectorModule,
};
