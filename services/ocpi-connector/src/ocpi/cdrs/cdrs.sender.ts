import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, timestampFromMs } from '@roamgate/contracts';
import { domainEvent, toStoredEvent } from '@roamgate/domain-ocpi';
import { DuplicateEventIdError, type EventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { derivedEventId } from '../push/derived-id';
import { Outbox, type PushOutcome } from '../push/outbox';
import { EVENT_HEADER, SessionsSender } from '../sessions/sessions.sender';

export const CDRS_GROUP = 'ocpi-connector-cdrs';
export const OCPI_CDRS = { name: 'ocpi_cdrs', indexes: ['partnerId', 'lastUpdated', 'sessionId'] } as const;

export type CdrPushDocument = {
  readonly id: string;
  readonly partnerId: string;
  readonly sessionId: string;
  readonly entryId: string;
  readonly cdr: Record<string, unknown>;
  readonly lastUpdated: string;
};

/**
 * mod_cdrs, CPO as sender: a CDR the tariff engine issued for a partner is POSTed to the partner's cdrs endpoint
 * through the outbox. The outcome is recorded as CdrDelivered (with the Location header of the answer) or
 * CdrDeliveryFailed on the CDR's own stream `cdr-<id>`: the cdr family is where the reconciler and the tariff
 * engine's read model look for them, and the relay publishes a category whoever appended to it (the owner's
 * relay in the cluster), so the connector appending there does not split the topic. Ids derive from the outbox
 * event, so recording an outcome twice appends it once.
 */
@Injectable()
export class CdrsSender implements OnModuleInit {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    private readonly outbox: Outbox,
    private readonly sessions: SessionsSender,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(OCPI_CDRS);
    this.outbox.onOutcome('cdrs', (outcome) => this.recordOutcome(outcome));
  }

  /** A message of roamgate.cdr (OcpiBusConsumers, group CDRS_GROUP). */
  async handle(message: DeliveredMessage): Promise<void> {
    if (message.headers[EVENT_HEADER.type] !== 'CdrIssued') return;
    const issued = decodeEventBinary('CdrIssued', message.value);
    const revision = Number(message.headers[EVENT_HEADER.revision] ?? 0);
    const eventId = message.headers[EVENT_HEADER.id] ?? `cdr-${issued.cdrId}@${revision}`;
    const partnerId = issued.partnerId || (issued.sessionId ? await this.sessions.partnerOfSession(issued.sessionId) : '');
    if (!partnerId) return;
    const cdr = JSON.parse(issued.cdrJson) as Record<string, unknown>;
    const entry = await this.outbox.enqueue({ partnerId, module: 'cdrs', objectId: issued.cdrId, method: 'POST', path: '', body: cdr, sourceEventId: eventId, sessionId: issued.sessionId });
    const doc: CdrPushDocument = {
      id: issued.cdrId,
      partnerId,
      sessionId: issued.sessionId,
      entryId: entry.id,
      cdr,
      lastUpdated: new Date(String(cdr['last_updated'] ?? Date.now())).toISOString(),
    };
    await this.readModels.upsert(OCPI_CDRS.name, issued.cdrId, doc, Number.isSafeInteger(revision) ? revision : 0);
  }

  async list(partnerId: string): Promise<Record<string, unknown>[]> {
    const found = await this.readModels.find<CdrPushDocument>(OCPI_CDRS.name, { where: { partnerId }, sort: { field: 'lastUpdated', direction: 'asc' }, limit: 100_000 });
    return found.items.map((d) => d.data.cdr);
  }

  private async recordOutcome({ entry, eventId, event }: PushOutcome): Promise<void> {
    const common = { cdrId: entry.objectId, occurredAt: event.data.occurredAt ?? timestampFromMs(Date.now()), partnerId: entry.partnerId };
    const fact =
      event.type === 'OcpiPushDelivered'
        ? domainEvent('CdrDelivered', { ...common, locationUrl: event.data.locationUrl, httpStatus: event.data.httpStatus, ocpiStatusCode: event.data.ocpiStatusCode, attempt: event.data.attempt })
        : event.type === 'OcpiPushAttemptFailed'
          ? domainEvent('CdrDeliveryFailed', {
              ...common,
              attempt: event.data.attempt,
              httpStatus: event.data.httpStatus,
              ocpiStatusCode: event.data.ocpiStatusCode,
              error: event.data.error,
              ...(event.data.nextAttemptAt ? { nextAttemptAt: event.data.nextAttemptAt } : {}),
            })
          : undefined;
    if (!fact) return;
    try {
      await this.store.append(`cdr-${entry.objectId}`, [{ id: derivedEventId(`cdr-delivery|${eventId}`), ...toStoredEvent(fact) } as never], { expectedRevision: 'any' });
    } catch (error) {
      if (!(error instanceof DuplicateEventIdError)) throw error;
    }
  }
}
