import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { decodeEventBinary } from '@roamgate/contracts';
import { isLaunchEventType, launchDecider, type LaunchEvent, type LaunchEventType, type LaunchPlan } from '@roamgate/launch';
import type { ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import { TopicProjector } from '../shared/topic-projector';

export const PLANS = 'launch_plans';
export const PLANS_GROUP = 'gate-evaluator-plans';

/** A plan's folded state, with the fields the list filters and sorts on at the top. */
export type PlanDocument = LaunchPlan & { readonly [field: string]: unknown };

/** Keeps `launch_plans` (the plan list) from the launch topic, guarded by stream revision. */
@Injectable()
export class PlanProjector extends TopicProjector implements OnModuleInit {
  constructor(
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
  ) {
    super(PLANS_GROUP);
  }

  async onModuleInit(): Promise<void> {
    await this.store.ensureCollection({ name: PLANS, indexes: ['partnerId', 'status', 'phase', 'createdAt'] });
  }

  protected handles(type: string): boolean {
    return isLaunchEventType(type);
  }

  protected async project(type: string, revision: number, value: Uint8Array): Promise<void> {
    const event = { type, data: decodeEventBinary(type as LaunchEventType, value) } as LaunchEvent;
    const stored = await this.store.get<PlanDocument>(PLANS, event.data.planId);
    if (stored !== undefined && stored.revision >= revision) return;
    const plan = launchDecider.evolve(stored?.data ?? launchDecider.initialState(), event);
    await this.store.upsert<PlanDocument>(PLANS, plan.planId, plan as PlanDocument, revision);
  }
}
