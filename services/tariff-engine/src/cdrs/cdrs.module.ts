import { Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { EventStore } from '@roamgate/event-store';
import { EVENT_STORE } from '@roamgate/runtime';
import { TARIFF_BOOK, type TariffBook } from '../tariffs/tariff-book';
import { CdrIssuer } from './cdr-issuer';
import { CdrIssuingConsumer } from './cdr-issuing.consumer';
import { CdrLocationConsumer, CdrLocations } from './cdr-locations';
import { CdrProjector } from './cdr-projector';
import { CdrsController } from './cdrs.controller';

/**
 * The tariff book is looked up in the whole application when first asked, so tariff management may provide
 * TARIFF_BOOK from any module of the tariff engine without this module importing it.
 */
export function lazyTariffBook(moduleRef: ModuleRef): TariffBook {
  let book: TariffBook | undefined;
  const resolve = (): TariffBook => {
    book ??= moduleRef.get<TariffBook>(TARIFF_BOOK, { strict: false });
    if (book === undefined) throw new Error('no TARIFF_BOOK provider: tariff management must provide it for CDR issuing');
    return book;
  };
  return {
    tariffsInForce: (query) => resolve().tariffsInForce(query),
    version: (tariffId, lastUpdated) => resolve().version(tariffId, lastUpdated),
  };
}

/** CDR issuing on SessionStopped, tariff replay, the cdrs read model and /api/v1/cdrs; cdr_location from roamgate.location. */
@Module({
  controllers: [CdrsController, CdrIssuingConsumer, CdrProjector, CdrLocationConsumer],
  providers: [
    CdrLocations,
    {
      provide: CdrIssuer,
      useFactory: (events: EventStore, moduleRef: ModuleRef, locations: CdrLocations) => new CdrIssuer(events, lazyTariffBook(moduleRef), { locations }),
      inject: [EVENT_STORE, ModuleRef, CdrLocations],
    },
  ],
  exports: [CdrIssuer],
})
export class CdrsModule {}
