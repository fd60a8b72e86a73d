import { Module } from '@nestjs/common';
import type { ServiceModule } from '@roamgate/runtime';

/** Partner records, matching, exceptions and their owners. */
@Module({})
export class CdrReconcilerModule {}

export const cdrReconciler: ServiceModule = {
  descriptor: { name: 'cdr-reconciler', ownedCategories: ['recon'] },
  module: CdrReconcilerModule,
};
