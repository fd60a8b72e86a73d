import { Module } from '@nestjs/common';
import type { EventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { TariffAssignmentsController } from './api/assignments.controller';
import { TariffQueries } from './api/tariff-queries';
import { TariffsController } from './api/tariffs.controller';
import { TariffProjector } from './projections/tariff.projector';
import { StoredTariffBook } from './stored-tariff-book';
import { TARIFF_BOOK } from './tariff-book';
import { TariffService } from './tariff.service';

/** Tariff management: OCPI tariffs versioned by last_updated, their assignments, and the TariffBook CDR issuing asks. */
@Module({
  controllers: [TariffsController, TariffAssignmentsController, TariffProjector],
  providers: [
    TariffService,
    TariffQueries,
    { provide: TARIFF_BOOK, useFactory: (events: EventStore, readModels: ReadModelStore) => new StoredTariffBook(events, readModels), inject: [EVENT_STORE, READ_MODELS] },
  ],
  exports: [TARIFF_BOOK, TariffService],
})
export class TariffsModule {}
