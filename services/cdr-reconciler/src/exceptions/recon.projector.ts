import { Controller, Inject, Logger, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import type { Document, ReadModelStore } from '@roamgate/read-models';
import { EVENT_HEADERS, topicOf } from '@roamgate/relay';
import { EventPattern, Payload, READ_MODELS, type BusConsumerOptions } from '@roamgate/runtime';
import type { EventMessage } from '@roamgate/contracts';
import { RECON_EVENT_TYPES } from '../recon-events';
import { relayedEvent } from '../facts/relayed-event';
import {
  changedDocument,
  completedRun,
  EXCEPTIONS,
  importedRun,
  iso,
  MATCHES,
  openedDocument,
  RECON_COLLECTIONS,
  RUNS,
  type ExceptionDocument,
  type MatchDocument,
  type RunDocument,
} from './recon-documents';

export const RECON_READ_MODEL_GROUP = 'cdr-reconciler-read-model';

/**
 * Keeps the exception queue, the runs and the per-CDR match outcomes from the recon topic. Exceptions and runs
 * are guarded by their stream revision; a CDR's match can come from any run, so it is guarded by global position.
 */
@Controller()
export class ReconProjector implements OnModuleInit {
  private readonly logger = new Logger('ReconProjector');

  constructor(@Inject(READ_MODELS) private readonly store: ReadModelStore) {}

  async onModuleInit(): Promise<void> {
    for (const spec of RECON_COLLECTIONS) await this.store.ensureCollection(spec);
  }

  @EventPattern(topicOf('recon'), { group: RECON_READ_MODEL_GROUP } satisfies BusConsumerOptions)
  async handle(@Payload() message: DeliveredMessage): Promise<void> {
    try {
      await this.project(message);
    } catch (error) {
      this.logger.warn(`${message.topic} ${message.key} offset ${message.offset} (attempt ${message.attempt}): ${String(error)}`);
      throw error;
    }
  }

  private async project(message: DeliveredMessage): Promise<void> {
    const event = relayedEvent(message, RECON_EVENT_TYPES);
    if (event === undefined) return;
    switch (event.type) {
      case 'ReconExceptionOpened': {
        const e = event.data as EventMessage<'ReconExceptionOpened'>;
        await this.store.upsert(EXCEPTIONS, e.exceptionId, openedDocument(e), event.revision);
        return;
      }
      case 'ReconExceptionStatusChanged': {
        const e = event.data as EventMessage<'ReconExceptionStatusChanged'>;
        return this.update<ExceptionDocument>(EXCEPTIONS, e.exceptionId, event.revision, (doc) => changedDocument(doc, e));
      }
      case 'PartnerRecordsImported': {
        const e = event.data as EventMessage<'PartnerRecordsImported'>;
        await this.store.upsert(RUNS, e.runId, importedRun(e), event.revision);
        return;
      }
      case 'ReconciliationRunCompleted': {
        const e = event.data as EventMessage<'ReconciliationRunCompleted'>;
        return this.update<RunDocument>(RUNS, e.runId, event.revision, (doc) => completedRun(doc, e));
      }
      case 'ReconMatchesRecorded': {
        const e = event.data as EventMessage<'ReconMatchesRecorded'>;
        const position = Number(message.headers[EVENT_HEADERS.position]);
        if (!Number.isSafeInteger(position)) throw new Error(`${message.topic}@${message.offset} lacks its position header`);
        for (const m of e.matches) {
          const doc: MatchDocument = {
            id: m.ourCdrId,
            runId: e.runId,
            partnerId: e.partnerId,
            partnerRef: m.partnerRef,
            sessionId: m.sessionId || null,
            matchedBy: m.matchedBy,
            clean: m.clean,
            at: iso(e.occurredAt),
          };
          await this.store.upsert(MATCHES, m.ourCdrId, doc, position);
        }
        return;
      }
      default:
        return;
    }
  }

  /** A later event of a stream whose first event made the document; the first is always delivered before it. */
  private async update<T extends Document>(collection: string, id: string, revision: number, next: (doc: T) => T): Promise<void> {
    const stored = await this.store.get<T>(collection, id);
    if (stored === undefined) throw new Error(`${collection}/${id}: revision ${revision} arrived before the event that creates it`);
    if (stored.revision >= revision) return;
    await this.store.upsert(collection, id, next(stored.data), revision);
  }
}
