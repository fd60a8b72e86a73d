import { Module } from '@nestjs/common';
import type { ServiceModule } from '@roamgate/runtime';
import { LaunchConsumers } from './consumers';
import { FactProjector } from './facts/fact.projector';
import { FactStore } from './facts/fact-store';
import { EvaluationScheduler, LAUNCH_SETTINGS, loadLaunchSettings } from './plans/evaluation.scheduler';
import { LaunchPlansController } from './plans/launch-plans.controller';
import { LaunchPlansService } from './plans/launch-plans.service';
import { PlanProjector } from './plans/plan.projector';

/** Launch plans, metrics from the other services' facts, gate decisions and scope changes. */
@Module({
  controllers: [LaunchPlansController, LaunchConsumers],
  providers: [
    { provide: LAUNCH_SETTINGS, useFactory: () => loadLaunchSettings() },
    FactProjector,
    FactStore,
    LaunchPlansService,
    PlanProjector,
    EvaluationScheduler,
  ],
  exports: [LaunchPlansService],
})
export class GateEvaluatorModule {}

export const gateEvaluator: ServiceModule = {
  descriptor: { name: 'gate-evaluator', ownedCategories: ['launch'] },
  module: GateEvaluatorModule,
};
