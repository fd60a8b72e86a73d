import { Controller, Inject, Logger, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary } from '@roamgate/contracts';
import type { ReadModelStore } from '@roamgate/read-models';
import { EVENT_HEADERS, topicOf } from '@roamgate/relay';
import { EventPattern, Payload, READ_MODELS, type BusConsumerOptions } from '@roamgate/runtime';
import { isCdrEventType, type CdrEvent } from './cdr-events';
import { CDR_COLLECTION, CDRS, projectCdr, type CdrDocument } from './cdr.projection';

export const CDR_READ_MODEL_GROUP = 'tariff-engine-cdr-read-model';

/** A cdr stream event with its place in the stream, as the relay's headers tell it. */
export interface ProjectedCdrEvent {
  readonly event: CdrEvent;
  readonly streamId: string;
  readonly revision: number;
}

export function cdrEventOfMessage(message: DeliveredMessage): ProjectedCdrEvent | undefined {
  const type = message.headers[EVENT_HEADERS.eventType] ?? '';
  if (!isCdrEventType(type)) return undefined;
  const streamId = message.headers[EVENT_HEADERS.streamId] ?? '';
  const revision = Number(message.headers[EVENT_HEADERS.revision]);
  if (streamId === '' || !Number.isSafeInteger(revision) || revision < 0) {
    throw new Error(`${message.topic}@${message.partition}:${message.offset} lacks its stream id or revision header`);
  }
  return { event: { type, data: decodeEventBinary(type, message.value) } as CdrEvent, streamId, revision };
}

/**
 * Keeps the `cdrs` read model from the cdr topic. Delivery is at least once: a document records the
 * revision of the last event applied to it, and an event at or below it changes nothing.
 */
@Controller()
export class CdrProjector implements OnModuleInit {
  private readonly logger = new Logger('CdrProjector');

  constructor(@Inject(READ_MODELS) private readonly store: ReadModelStore) {}

  async onModuleInit(): Promise<void> {
    await this.store.ensureCollection(CDR_COLLECTION);
  }

  @EventPattern(topicOf('cdr'), { group: CDR_READ_MODEL_GROUP } satisfies BusConsumerOptions)
  async handle(@Payload() message: DeliveredMessage): Promise<void> {
    try {
      const projected = cdrEventOfMessage(message);
      if (projected !== undefined) await this.project(projected);
    } catch (error) {
      this.logger.warn(`${message.topic} ${message.key} offset ${message.offset} (attempt ${message.attempt}): ${String(error)}`);
      throw error;
    }
  }

  async project({ event, revision }: ProjectedCdrEvent): Promise<void> {
    const cdrId = event.data.cdrId;
    const stored = await this.store.get<CdrDocument>(CDRS, cdrId);
    if (stored !== undefined && stored.revision >= revision) return;
    await this.store.upsert(CDRS, cdrId, projectCdr(stored?.data, event), revision);
  }
}
