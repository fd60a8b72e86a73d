import { Module } from '@nestjs/common';
import type { RoamgateConfig } from '@roamgate/config';
import { CONFIG, type ServiceModule } from '@roamgate/runtime';
import { ExceptionService } from './exceptions/exception.service';
import { ExceptionsController } from './exceptions/exceptions.controller';
import { ReconProjector } from './exceptions/recon.projector';
import { FactsController } from './facts/facts.controller';
import { FactsProjector } from './facts/facts.projector';
import { ImportService } from './imports/import.service';
import { ImportsController } from './imports/imports.controller';
import { PartnerSettingsService } from './imports/partner-settings';
import { ReportsController } from './reports/reports.controller';
import { TimelineController } from './timeline/timeline.controller';
import { TimelineService } from './timeline/timeline.service';
import { loadTimelineSettings, TIMELINE_SETTINGS } from './timeline/timeline-settings';

/** Partner records, matching, exceptions and their owners; the support timeline; reports. */
@Module({
  controllers: [ImportsController, ExceptionsController, ReportsController, TimelineController, FactsController, FactsProjector, ReconProjector],
  providers: [
    PartnerSettingsService,
    ExceptionService,
    ImportService,
    TimelineService,
    { provide: TIMELINE_SETTINGS, useFactory: (config: RoamgateConfig) => loadTimelineSettings(config), inject: [CONFIG] },
  ],
})
export class CdrReconcilerModule {}

export const cdrReconciler: ServiceModule = {
  descriptor: { name: 'cdr-reconciler', ownedCategories: ['recon'] },
  module: CdrReconcilerModule,
};
