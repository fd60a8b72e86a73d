import { Controller, Inject, Logger, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import type { ReadModelStore } from '@roamgate/read-models';
import { topicOf } from '@roamgate/relay';
import { EventPattern, Payload, READ_MODELS, type BusConsumerOptions } from '@roamgate/runtime';
import { COLLECTION_SPECS, TARIFF_ASSIGNMENTS, TARIFF_VERSIONS, TARIFFS, versionDocumentId, type AssignmentDocument, type TariffDocument } from './documents';
import { tariffEventOfMessage, type ProjectedTariffEvent } from './projected-event';
import { assignmentOfAssigned, assignmentOfUnassigned, tariffOfDeleted, tariffOfPublished, versionOfPublished } from './tariff.projection';

export const TARIFF_PROJECTIONS_GROUP = 'tariff-engine-tariffs';
export const TARIFF_TOPIC = topicOf('tariff');

/**
 * Keeps the tariffs, tariff_versions and tariff_assignments read models from the bus. Delivery is at
 * least once: every write is guarded by the revision of the tariff stream that caused it.
 */
@Controller()
export class TariffProjector implements OnModuleInit {
  private readonly logger = new Logger('TariffProjector');

  constructor(@Inject(READ_MODELS) private readonly store: ReadModelStore) {}

  async onModuleInit(): Promise<void> {
    for (const spec of COLLECTION_SPECS) await this.store.ensureCollection(spec);
  }

  @EventPattern(TARIFF_TOPIC, { group: TARIFF_PROJECTIONS_GROUP } satisfies BusConsumerOptions)
  async handle(@Payload() message: DeliveredMessage): Promise<void> {
    try {
      await this.project(tariffEventOfMessage(message));
    } catch (error) {
      this.logger.warn(`${message.topic} ${message.key} offset ${message.offset} (attempt ${message.attempt}): ${String(error)}`);
      throw error;
    }
  }

  async project(event: ProjectedTariffEvent): Promise<void> {
    switch (event.type) {
      case 'TariffPublished': {
        const version = versionOfPublished(event);
        await this.store.upsert(TARIFF_VERSIONS, versionDocumentId(version.tariffId, version.order), version, event.revision);
        const stored = await this.store.get<TariffDocument>(TARIFFS, event.data.tariffId);
        if (stored && stored.revision >= event.revision) return;
        await this.store.upsert(TARIFFS, event.data.tariffId, tariffOfPublished(stored?.data, event), event.revision);
        return;
      }
      case 'TariffDeleted': {
        const stored = await this.store.get<TariffDocument>(TARIFFS, event.data.tariffId);
        if (stored === undefined) throw new Error(`${event.streamId}@${event.revision}: TariffDeleted before any TariffPublished was projected`);
        if (stored.revision >= event.revision) return;
        await this.store.upsert(TARIFFS, event.data.tariffId, tariffOfDeleted(stored.data, event), event.revision);
        return;
      }
      case 'TariffAssigned':
        await this.store.upsert(TARIFF_ASSIGNMENTS, event.data.assignmentId, assignmentOfAssigned(event), event.revision);
        return;
      case 'TariffUnassigned': {
        const stored = await this.store.get<AssignmentDocument>(TARIFF_ASSIGNMENTS, event.data.assignmentId);
        if (stored === undefined) throw new Error(`${event.streamId}@${event.revision}: TariffUnassigned of ${event.data.assignmentId}, which was never projected`);
        if (stored.revision >= event.revision) return;
        await this.store.upsert(TARIFF_ASSIGNMENTS, event.data.assignmentId, assignmentOfUnassigned(stored.data, event), event.revision);
        return;
      }
    }
  }
}
