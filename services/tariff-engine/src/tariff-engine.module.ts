import { Module } from '@nestjs/common';
import type { ServiceModule } from '@roamgate/runtime';
import { CdrsModule } from './cdrs/cdrs.module';
import { TariffsModule } from './tariffs/tariffs.module';

/** Tariffs, pricing, CDR issuing and tariff replay. */
@Module({
  imports: [TariffsModule, CdrsModule],
  exports: [TariffsModule],
})
export class TariffEngineModule {}

export const tariffEngine: ServiceModule = {
  descriptor: { name: 'tariff-engine', ownedCategories: ['tariff', 'cdr'] },
  module: TariffEngineModule,
};
