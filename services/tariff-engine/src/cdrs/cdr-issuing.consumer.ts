import { Controller, Logger } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary } from '@roamgate/contracts';
import { EVENT_HEADERS, topicOf } from '@roamgate/relay';
import { EventPattern, Payload, runWithTraceContext, traceContextOfMessage, type BusConsumerOptions } from '@roamgate/runtime';
import { CdrIssuer } from './cdr-issuer';

export const CDR_ISSUING_GROUP = 'tariff-engine-cdrs';

/**
 * Issues a session's CDR when the session stops. Delivery is at least once and the CDR id follows from the
 * session id, so a redelivered SessionStopped finds the CDR issued and changes nothing.
 */
@Controller()
export class CdrIssuingConsumer {
  private readonly logger = new Logger('CdrIssuing');

  constructor(private readonly issuer: CdrIssuer) {}

  /**
   * The session topic a batch at a time: one offset commit per batch instead of one per meter value. A SessionStopped
   * is handled in its own message's trace context, so the CDR carries the session's trace on.
   */
  @EventPattern(topicOf('session'), { group: CDR_ISSUING_GROUP, batch: true } satisfies BusConsumerOptions)
  async handleBatch(@Payload() messages: readonly DeliveredMessage[]): Promise<void> {
    for (const message of messages) {
      if (message.headers[EVENT_HEADERS.eventType] === 'SessionStopped') await runWithTraceContext(traceContextOfMessage(message), () => this.handle(message));
    }
  }

  async handle(message: DeliveredMessage): Promise<void> {
    if (message.headers[EVENT_HEADERS.eventType] !== 'SessionStopped') return;
    const { sessionId } = decodeEventBinary('SessionStopped', message.value);
    try {
      const result = await this.issuer.issue(sessionId);
      if (result.outcome === 'failed') this.logger.warn(`no CDR for session ${sessionId}: ${result.detail}`);
      else if (result.outcome === 'issued') this.logger.log(`CDR ${result.cdrId} issued for session ${sessionId}: ${result.cdr.total_cost.excl_vat} ${result.cdr.currency} excl. VAT`);
      if (result.outcome === 'issued' && result.withoutLocation) {
        this.logger.warn(
          `CDR ${result.cdrId}: EVSE ${result.cdr.cdr_location.evse_uid} is attached to no location, so its cdr_location lacks the address, coordinates, evse_id and connector that mod_cdrs requires (roamgate locations attach)`,
        );
      }
    } catch (error) {
      this.logger.warn(`CDR of session ${sessionId} (attempt ${message.attempt}): ${String(error)}`);
      throw error;
    }
  }
}
