import { Controller, Inject, Logger, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { timestampDate, type EventType } from '@roamgate/contracts';
import { ReadModelBatch, type Document, type ReadModelStore } from '@roamgate/read-models';
import { topicOf } from '@roamgate/relay';
import { EventPattern, Payload, READ_MODELS, type BusConsumerOptions } from '@roamgate/runtime';
import {
  AUTHORIZATION_FACTS,
  CDR_FACTS,
  CHARGER_FACTS,
  emptyCdrFacts,
  emptyPushFacts,
  emptySessionFacts,
  FACT_COLLECTIONS,
  issuedFacts,
  LOCATION_FACTS,
  projectPushFacts,
  projectSessionFacts,
  PUSH_FACTS,
  SESSION_FACTS,
  type AuthorizationFacts,
  type CdrFacts,
  type ChargerFacts,
  type LocationFacts,
  type PushFacts,
  type SessionFacts,
} from './fact-documents';
import { relayedEvent, type RelayedEvent } from './relayed-event';

export const RECON_FACTS_GROUP = 'cdr-reconciler-facts';

/** Where a projection reads and writes: the store itself, or a batch over it. */
type Documents = Pick<ReadModelStore, 'get' | 'upsert'>;

const CDR_TYPES = ['CdrIssued', 'CdrReplayed', 'CdrDelivered', 'CdrDeliveryFailed'] as const;
const SESSION_TYPES = ['SessionStarted', 'SessionMeterValuesRecorded', 'SessionStopped'] as const;
const CHARGER_TYPES = ['ChargerRegistered', 'ChargerBooted'] as const;
const LOCATION_TYPES = ['EvseAttached'] as const;
const TOKENAUTH_TYPES = ['TokenAuthorizationDecided'] as const;
const OCPI_TYPES = ['OcpiPushQueued', 'OcpiPushAttemptFailed', 'OcpiPushDelivered'] as const;

/**
 * Keeps the facts reconciliation needs from the cdr, session, charger, location, tokenauth and ocpi topics. Each document is fed by one
 * stream and records the revision of the last event applied, so a redelivered event changes nothing.
 */
@Controller()
export class FactsProjector implements OnModuleInit {
  private readonly logger = new Logger('ReconFacts');

  constructor(@Inject(READ_MODELS) private readonly store: ReadModelStore) {}

  async onModuleInit(): Promise<void> {
    for (const spec of FACT_COLLECTIONS) await this.store.ensureCollection(spec);
  }

  @EventPattern(topicOf('cdr'), { group: RECON_FACTS_GROUP } satisfies BusConsumerOptions)
  onCdr(@Payload() message: DeliveredMessage): Promise<void> {
    return this.consume(message, CDR_TYPES, (event) => this.projectCdr(event));
  }

  /**
   * Session events a batch at a time (most are meter values): projected over one ReadModelBatch, so a session's
   * document is read and written once per batch and the batch's offsets are committed once.
   */
  @EventPattern(topicOf('session'), { group: RECON_FACTS_GROUP, batch: true } satisfies BusConsumerOptions)
  async onSessions(@Payload() messages: readonly DeliveredMessage[]): Promise<void> {
    const batch = new ReadModelBatch(this.store);
    for (const message of messages) await this.consume(message, SESSION_TYPES, (event) => this.projectSession(event, batch));
    await batch.commit();
  }

  @EventPattern(topicOf('charger'), { group: RECON_FACTS_GROUP } satisfies BusConsumerOptions)
  onCharger(@Payload() message: DeliveredMessage): Promise<void> {
    return this.consume(message, CHARGER_TYPES, (event) => this.projectCharger(event));
  }

  @EventPattern(topicOf('location'), { group: RECON_FACTS_GROUP } satisfies BusConsumerOptions)
  onLocation(@Payload() message: DeliveredMessage): Promise<void> {
    return this.consume(message, LOCATION_TYPES, (event) => this.projectLocation(event));
  }

  @EventPattern(topicOf('tokenauth'), { group: RECON_FACTS_GROUP } satisfies BusConsumerOptions)
  onTokenAuth(@Payload() message: DeliveredMessage): Promise<void> {
    return this.consume(message, TOKENAUTH_TYPES, (event) => this.projectAuthorization(event));
  }

  /** OCPI push outbox facts: which session and CDR pushes the partner acknowledged. */
  @EventPattern(topicOf('ocpi'), { group: RECON_FACTS_GROUP } satisfies BusConsumerOptions)
  onOcpi(@Payload() message: DeliveredMessage): Promise<void> {
    return this.consume(message, OCPI_TYPES, (event) => this.projectPush(event));
  }

  /** Decodes the message when it is one of `types` and projects it; logs and rethrows a failure so the bus redelivers. */
  private async consume<T extends EventType>(message: DeliveredMessage, types: readonly T[], project: (event: RelayedEvent<T>) => Promise<void>): Promise<void> {
    try {
      const event = relayedEvent(message, types);
      if (event !== undefined) await project(event);
    } catch (error) {
      this.logger.warn(`${message.topic} ${message.key} offset ${message.offset} (attempt ${message.attempt}): ${String(error)}`);
      throw error;
    }
  }

  /** Applies `next` to the document unless it already holds this revision of its one stream (redelivery changes nothing). */
  private async guardedUpsert<T extends Document>(
    collection: string,
    id: string,
    revision: number,
    next: (stored: T | undefined) => T | undefined,
    documents: Documents = this.store,
  ): Promise<void> {
    const stored = await documents.get<T>(collection, id);
    if (stored !== undefined && stored.revision >= revision) return;
    const doc = next(stored?.data);
    if (doc !== undefined) await documents.upsert(collection, id, doc, revision);
  }

  projectCdr(event: RelayedEvent<(typeof CDR_TYPES)[number]>): Promise<void> {
    const cdrId = event.data.cdrId;
    return this.guardedUpsert<CdrFacts>(CDR_FACTS, cdrId, event.revision, (stored) => nextCdrFacts(stored ?? emptyCdrFacts(cdrId), event));
  }

  projectSession(event: RelayedEvent<(typeof SESSION_TYPES)[number]>, documents: Documents = this.store): Promise<void> {
    const sessionId = event.data.sessionId;
    // An event that changes no fact (most meter values) writes nothing: the facts only grow, so applying it again
    // after a redelivery changes nothing either, although the document's revision stays at the last change.
    return this.guardedUpsert<SessionFacts>(
      SESSION_FACTS,
      sessionId,
      event.revision,
      (stored) => {
        const next = projectSessionFacts(stored ?? emptySessionFacts(sessionId), event as never);
        return next === stored ? undefined : next;
      },
      documents,
    );
  }

  projectCharger(event: RelayedEvent<(typeof CHARGER_TYPES)[number]>): Promise<void> {
    const chargerId = event.data.chargerId;
    return this.guardedUpsert<ChargerFacts>(CHARGER_FACTS, chargerId, event.revision, (stored) => {
      const doc: ChargerFacts = stored ?? { id: chargerId, vendor: null, model: null, firmware: null };
      if (event.type === 'ChargerRegistered') {
        const e = event.data as RelayedEvent<'ChargerRegistered'>['data'];
        return { ...doc, registered: true, locationId: e.locationId || null };
      }
      const e = event.data as RelayedEvent<'ChargerBooted'>['data'];
      return { ...doc, vendor: e.vendor || null, model: e.model || null, firmware: e.firmwareVersion || null };
    });
  }

  projectLocation(event: RelayedEvent<'EvseAttached'>): Promise<void> {
    const e = event.data;
    // Both the OCPI uid and the eMI3 EVSE id: a partner's file may name either.
    const named = [e.evse?.uid ?? '', e.evse?.evseId ?? ''].filter((id) => id !== '');
    return this.guardedUpsert<LocationFacts>(LOCATION_FACTS, e.locationId, event.revision, (stored) => ({ id: e.locationId, evseUids: [...new Set([...(stored?.evseUids ?? []), ...named])] }));
  }

  /** Only granted authorizations with a reference: the ones a partner record can name. */
  async projectAuthorization(event: RelayedEvent<'TokenAuthorizationDecided'>): Promise<void> {
    const e = event.data;
    if (e.allowed !== 'ALLOWED' || e.authorizationReference === '') return;
    await this.guardedUpsert<AuthorizationFacts>(AUTHORIZATION_FACTS, e.authorizationReference, event.revision, () => ({
      id: e.authorizationReference,
      partnerId: e.partnerId,
      allowed: e.allowed,
      locationId: e.locationId || null,
      evseUids: [...e.evseUids],
      decidedAt: e.occurredAt ? timestampDate(e.occurredAt).toISOString() : null,
    }));
  }

  projectPush(event: RelayedEvent<(typeof OCPI_TYPES)[number]>): Promise<void> {
    const entryId = event.data.entryId;
    return this.guardedUpsert<PushFacts>(PUSH_FACTS, entryId, event.revision, (stored) => projectPushFacts(stored ?? emptyPushFacts(entryId), event as never));
  }
}

export function nextCdrFacts(doc: CdrFacts, event: RelayedEvent<(typeof CDR_TYPES)[number]>): CdrFacts {
  switch (event.type) {
    case 'CdrIssued':
      return issuedFacts(doc, event.data as RelayedEvent<'CdrIssued'>['data']);
    case 'CdrReplayed': {
      const e = event.data as RelayedEvent<'CdrReplayed'>['data'];
      return { ...doc, sessionId: doc.sessionId || e.sessionId, replay: { matches: e.matches, diffs: e.diffs.map(({ field, issued, replayed }) => ({ field, issued, replayed })) } };
    }
    case 'CdrDelivered': {
      const e = event.data as RelayedEvent<'CdrDelivered'>['data'];
      return { ...doc, delivery: 'ACKNOWLEDGED', deliveryAttempts: e.attempt, deliveryError: null, deliveryHttpStatus: e.httpStatus, deliveryOcpiStatus: e.ocpiStatusCode || null };
    }
    case 'CdrDeliveryFailed': {
      const e = event.data as RelayedEvent<'CdrDeliveryFailed'>['data'];
      if (doc.delivery === 'ACKNOWLEDGED') return doc;
      return { ...doc, delivery: 'FAILED', deliveryAttempts: e.attempt, deliveryError: e.error || `HTTP ${e.httpStatus}`, deliveryHttpStatus: e.httpStatus || null, deliveryOcpiStatus: e.ocpiStatusCode || null };
    }
  }
  return doc;
}
