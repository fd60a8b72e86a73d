import { Module } from '@nestjs/common';
import type { ServiceModule } from '@roamgate/runtime';

/** Launch plans, metrics, gate decisions and scope changes. */
@Module({})
export class GateEvaluatorModule {}

export const gateEvaluator: ServiceModule = {
  descriptor: { name: 'gate-evaluator', ownedCategories: ['launch'] },
  module: GateEvaluatorModule,
};
