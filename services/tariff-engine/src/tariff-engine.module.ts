import { Module } from '@nestjs/common';
import type { ServiceModule } from '@roamgate/runtime';

/** Tariffs, pricing, CDR issuing and tariff replay. */
@Module({})
export class TariffEngineModule {}

export const tariffEngine: ServiceModule = {
  descriptor: { name: 'tariff-engine', ownedCategories: ['tariff', 'cdr'] },
  module: TariffEngineModule,
};
