import { Injectable, Logger } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, timestampMs } from '@roamgate/contracts';
import { EVENT_HEADER } from '../sessions/sessions.sender';
import { ScopeService, UnknownPartnerError } from './scope.service';

export const LAUNCH_SCOPE_GROUP = 'ocpi-connector-launch-scope';

/**
 * The gate-evaluator drives scopes: a ScopeChanged on launch-<plan> (topic roamgate.launch) carries the partner's
 * charger group after the change, applied here as the partner's scope (EVSE uids, the selector's location ids,
 * charger ids). Applying is idempotent, so a redelivery records nothing new. Fed by OcpiBusConsumers (LAUNCH_SCOPE_GROUP).
 */
@Injectable()
export class LaunchScopeConsumer {
  private readonly logger = new Logger('OcpiLaunchScope');

  constructor(private readonly scopes: ScopeService) {}

  async handle(message: DeliveredMessage): Promise<void> {
    if (message.headers[EVENT_HEADER.type] !== 'ScopeChanged') return;
    const changed = decodeEventBinary('ScopeChanged', message.value);
    const group = changed.chargerGroup;
    try {
      await this.scopes.set({
        partnerId: changed.partnerId,
        evseUids: group?.evseUids ?? [],
        locationIds: group?.selector?.locationIds ?? [],
        chargerIds: group?.chargerIds ?? [],
        by: changed.changedBy || 'gate-evaluator',
        reason: changed.reason || (changed.evaluationId ? `evaluation ${changed.evaluationId}` : ''),
        planId: changed.planId,
        sourceEventId: message.headers[EVENT_HEADER.id] ?? '',
        now: new Date(changed.occurredAt ? timestampMs(changed.occurredAt) : Date.now()),
      });
    } catch (error) {
      if (!(error instanceof UnknownPartnerError)) throw error;
      this.logger.warn(`ScopeChanged of plan ${changed.planId} names unknown partner ${changed.partnerId}: ignored`);
    }
  }
}
