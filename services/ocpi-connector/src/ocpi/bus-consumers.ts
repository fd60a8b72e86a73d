import { Controller } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { EventPattern, Payload, runWithTraceContext, traceContextOfMessage, type BusConsumerOptions } from '@roamgate/runtime';
import { CdrsSender, CDRS_GROUP } from './cdrs/cdrs.sender';
import { CommandResults, COMMAND_RESULTS_GROUP, COMMAND_RESULTS_TOPICS } from './commands/command-results';
import { EvseStatusConsumer, EVSE_STATUS_GROUP } from './locations/evse-status.consumer';
import { LocationPublisher, LOCATIONS_GROUP, LOCATIONS_TOPICS } from './locations/location-publisher';
import { LaunchScopeConsumer, LAUNCH_SCOPE_GROUP } from './scope/launch-scope.consumer';
import { SessionsSender, SESSIONS_GROUP } from './sessions/sessions.sender';
import { TARIFF_TOPIC, TariffsSender, TARIFFS_GROUP, TARIFFS_PARTNERS_GROUP } from './tariffs/tariffs.sender';
import { RealtimeAuthorizationResponder, TOKENAUTH_GROUP, TOKENAUTH_TOPIC } from './tokens/realtime-authorization';

const group = (name: string): BusConsumerOptions => ({ group: name });

/**
 * Everything the OCPI connector consumes from the bus, one handler per consumer group and topic, each handing the
 * message to the provider that acts on it. Group names are fixed: a group's committed offsets are where a restarted
 * process resumes.
 */
@Controller()
export class OcpiBusConsumers {
  constructor(
    private readonly sessions: SessionsSender,
    private readonly cdrs: CdrsSender,
    private readonly commandResults: CommandResults,
    private readonly tariffs: TariffsSender,
    private readonly realtimeAuthorization: RealtimeAuthorizationResponder,
    private readonly locations: LocationPublisher,
    private readonly evseStatus: EvseStatusConsumer,
    private readonly launchScope: LaunchScopeConsumer,
  ) {}

  /** Mostly meter values: a batch at a time (one offset commit per batch); the sender skips or folds most of them. */
  @EventPattern('roamgate.session', { ...group(SESSIONS_GROUP), batch: true })
  async onSessions(@Payload() messages: readonly DeliveredMessage[]): Promise<void> {
    for (const message of messages) await this.sessions.handle(message);
  }

  @EventPattern('roamgate.cdr', group(CDRS_GROUP))
  onCdr(@Payload() message: DeliveredMessage): Promise<void> {
    return this.cdrs.handle(message);
  }

  /** A batch at a time (the session topic is mostly meter values, which it skips); each message in its own trace. */
  @EventPattern(COMMAND_RESULTS_TOPICS, { ...group(COMMAND_RESULTS_GROUP), batch: true })
  async onCommandOutcomes(@Payload() messages: readonly DeliveredMessage[]): Promise<void> {
    for (const message of messages) {
      if (this.commandResults.concerns(message)) await runWithTraceContext(traceContextOfMessage(message), () => this.commandResults.onMessage(message));
    }
  }

  @EventPattern(TARIFF_TOPIC, group(TARIFFS_GROUP))
  onTariff(@Payload() message: DeliveredMessage): Promise<void> {
    return this.tariffs.handle(message);
  }

  /** A partner that registers after tariffs were published gets them pushed too. */
  @EventPattern('roamgate.partner', group(TARIFFS_PARTNERS_GROUP))
  onPartnerForTariffs(@Payload() message: DeliveredMessage): Promise<void> {
    return this.tariffs.onPartner(message);
  }

  @EventPattern(TOKENAUTH_TOPIC, group(TOKENAUTH_GROUP))
  onTokenAuthorization(@Payload() message: DeliveredMessage): Promise<void> {
    return this.realtimeAuthorization.handle(message);
  }

  /** Location changes and partner changes (scope, registration) both refresh the partners' location views. */
  @EventPattern(LOCATIONS_TOPICS, group(LOCATIONS_GROUP))
  onLocationOrPartner(@Payload() message: DeliveredMessage): Promise<void> {
    return this.locations.handle(message);
  }

  @EventPattern('roamgate.charger', group(EVSE_STATUS_GROUP))
  onCharger(@Payload() message: DeliveredMessage): Promise<void> {
    return this.evseStatus.handle(message);
  }

  @EventPattern('roamgate.launch', group(LAUNCH_SCOPE_GROUP))
  onLaunch(@Payload() message: DeliveredMessage): Promise<void> {
    return this.launchScope.handle(message);
  }
}
