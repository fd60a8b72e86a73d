import { Controller } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { topicOf } from '@roamgate/relay';
import { EventPattern, Payload, type BusConsumerOptions } from '@roamgate/runtime';
import { FACTS_GROUP, FactProjector } from './facts/fact.projector';
import { PLANS_GROUP, PlanProjector } from './plans/plan.projector';

const facts = { group: FACTS_GROUP } satisfies BusConsumerOptions;

/** The gate-evaluator's bus consumers: the facts the gates measure, and its own plan list. */
@Controller()
export class LaunchConsumers {
  constructor(
    private readonly facts: FactProjector,
    private readonly plans: PlanProjector,
  ) {}

  @EventPattern(topicOf('charger'), facts)
  onCharger(@Payload() message: DeliveredMessage) {
    return this.facts.handle(message);
  }

  @EventPattern(topicOf('command'), facts)
  onCommand(@Payload() message: DeliveredMessage) {
    return this.facts.handle(message);
  }

  /** Most session events are meter values: a batch at a time, one offset commit per batch. */
  @EventPattern(topicOf('session'), { ...facts, batch: true } satisfies BusConsumerOptions)
  onSessions(@Payload() messages: readonly DeliveredMessage[]) {
    return this.facts.handleBatch(messages);
  }

  @EventPattern(topicOf('cdr'), facts)
  onCdr(@Payload() message: DeliveredMessage) {
    return this.facts.handle(message);
  }

  @EventPattern(topicOf('ocpi'), facts)
  onOcpi(@Payload() message: DeliveredMessage) {
    return this.facts.handle(message);
  }

  @EventPattern(topicOf('recon'), facts)
  onRecon(@Payload() message: DeliveredMessage) {
    return this.facts.handle(message);
  }

  @EventPattern(topicOf('partner'), facts)
  onPartner(@Payload() message: DeliveredMessage) {
    return this.facts.handle(message);
  }

  @EventPattern(topicOf('location'), facts)
  onLocation(@Payload() message: DeliveredMessage) {
    return this.facts.handle(message);
  }

  @EventPattern(topicOf('launch'), { group: PLANS_GROUP } satisfies BusConsumerOptions)
  onLaunch(@Payload() message: DeliveredMessage) {
    return this.plans.handle(message);
  }
}
