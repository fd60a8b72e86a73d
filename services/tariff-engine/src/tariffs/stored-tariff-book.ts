import type { Tariff } from '@roamgate/domain-tariffs';
import type { EventStore } from '@roamgate/event-store';
import { findAll, type ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository } from '@roamgate/runtime';
import { COLLECTION_SPECS, TARIFF_ASSIGNMENTS, type AssignmentDocument } from './projections/documents';
import type { TariffBook, TariffInForce, TariffQuery } from './tariff-book';
import { tariffDecider, versionByLastUpdated, type TariffState } from './tariff.decider';
import { tariffEventCodec, tariffStreamName } from './tariff-events';
import { tariffsInForceAt } from './tariff-resolution';

const PAGE = 500;

/**
 * Answers from the tariff streams, which hold every version and every assignment with its validity. The
 * tariff_assignments read model (ended assignments included) only says which streams concern a charger.
 */
export class StoredTariffBook implements TariffBook {
  private readonly repository: AggregateRepository;
  private collections: Promise<void> | undefined;

  constructor(
    events: EventStore,
    private readonly readModels: ReadModelStore,
  ) {
    this.repository = new AggregateRepository(events);
  }

  async tariffsInForce(query: TariffQuery): Promise<readonly TariffInForce[]> {
    const tariffIds = await this.tariffsEverAssignedTo(query.chargerId);
    const streams = await Promise.all(tariffIds.map((id) => this.load(id)));
    return tariffsInForceAt(streams, query);
  }

  async version(tariffId: string, lastUpdated: string): Promise<Tariff | undefined> {
    return versionByLastUpdated(await this.load(tariffId), lastUpdated)?.tariff;
  }

  async load(tariffId: string): Promise<TariffState> {
    return (await this.repository.load(tariffStreamName(tariffId), tariffDecider, tariffEventCodec)).state;
  }

  private async tariffsEverAssignedTo(chargerId: string): Promise<string[]> {
    this.collections ??= Promise.all(COLLECTION_SPECS.map((spec) => this.readModels.ensureCollection(spec))).then(() => undefined);
    await this.collections;
    const ids = new Set<string>();
    for await (const doc of findAll<AssignmentDocument>(this.readModels, TARIFF_ASSIGNMENTS, { where: { chargerId }, sort: { field: 'validFrom', direction: 'asc' } }, PAGE)) {
      ids.add(doc.data.tariffId);
    }
    return [...ids];
  }
}
