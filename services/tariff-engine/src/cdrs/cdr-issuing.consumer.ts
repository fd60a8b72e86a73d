import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Bus, BusSubscription, DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary } from '@roamgate/contracts';
import { EVENT_HEADERS, topicOf } from '@roamgate/relay';
import { BUS } from '@roamgate/runtime';
import { CdrIssuer } from './cdr-issuer';

export const CDR_ISSUING_GROUP = 'tariff-engine-cdrs';

/**
 * Issues a session's CDR when the session stops. Delivery is at least once and the CDR id follows from the
 * session id, so a redelivered SessionStopped finds the CDR issued and changes nothing.
 */
@Injectable()
export class CdrIssuingConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('CdrIssuing');
  private subscription: BusSubscription | undefined;

  constructor(
    @Inject(BUS) private readonly bus: Bus,
    private readonly issuer: CdrIssuer,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.subscription = await this.bus.subscribe({ group: CDR_ISSUING_GROUP, topics: [topicOf('session')], handler: (message) => this.handle(message) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.subscription?.close();
    this.subscription = undefined;
  }

  async handle(message: DeliveredMessage): Promise<void> {
    if (message.headers[EVENT_HEADERS.eventType] !== 'SessionStopped') return;
    const { sessionId } = decodeEventBinary('SessionStopped', message.value);
    try {
      const result = await this.issuer.issue(sessionId);
      if (result.outcome === 'failed') this.logger.warn(`no CDR for session ${sessionId}: ${result.detail}`);
      else if (result.outcome === 'issued') this.logger.log(`CDR ${result.cdrId} issued for session ${sessionId}: ${result.cdr.total_cost.excl_vat} ${result.cdr.currency} excl. VAT`);
    } catch (error) {
      this.logger.warn(`CDR of session ${sessionId} (attempt ${message.attempt}): ${String(error)}`);
      throw error;
    }
  }
}
