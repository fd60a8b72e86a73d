import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import { LaunchPlansService } from './launch-plans.service';
import { PLANS, type PlanDocument } from './plan.projector';

export const LAUNCH_SETTINGS = Symbol('roamgate.launch-settings');

export interface LaunchSettings {
  /** Seconds between scheduled evaluations of every plan; 0 turns the schedule off (on-demand only). */
  readonly evaluationIntervalSeconds: number;
}

/** LAUNCH_EVALUATION_INTERVAL_SECONDS: default 3600 (hourly), 0 turns scheduled evaluations off. */
export function loadLaunchSettings(env: NodeJS.ProcessEnv = process.env): LaunchSettings {
  const raw = env.LAUNCH_EVALUATION_INTERVAL_SECONDS;
  if (raw === undefined || raw === '') return { evaluationIntervalSeconds: 3600 };
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || (value !== 0 && value < 10) || value > 7 * 86_400) {
    throw new Error(`LAUNCH_EVALUATION_INTERVAL_SECONDS: must be 0 (off) or a whole number of seconds from 10 to 604800, got "${raw}"`);
  }
  return { evaluationIntervalSeconds: value };
}

/**
 * Evaluates every plan on a schedule; each run is a GateEvaluated event with trigger SCHEDULE. A plan that
 * was evaluated (on demand) within the interval is skipped. Each process with the gate-evaluator runs it, so a
 * cluster should run one gate-evaluator replica (or turn the schedule off on the others).
 */
@Injectable()
export class EvaluationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('LaunchEvaluationScheduler');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    @Inject(LAUNCH_SETTINGS) private readonly settings: LaunchSettings,
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
    private readonly plans: LaunchPlansService,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.settings.evaluationIntervalSeconds;
    if (seconds === 0) return;
    this.timer = setInterval(() => {
      this.running ??= this.runOnce(new Date()).finally(() => (this.running = undefined));
    }, seconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Evaluates the plans whose last evaluation is older than the interval;. */
  async runOnce(now: Date): Promise<void> {
    const due = now.getTime() - this.settings.evaluationIntervalSeconds * 1000;
    const { items } = await this.store.find<PlanDocument>(PLANS);
    for (const { data: plan } of items) {
      const last = plan.evaluations.at(-1);
      if (last !== undefined && Date.parse(last.at) > due) continue;
      try {
        await this.plans.evaluate(plan.planId, 'SCHEDULE', 'schedule');
      } catch (error) {
        this.logger.warn(`scheduled evaluation of launch plan ${plan.planId} failed: ${String(error)}`);
      }
    }
  }
}
