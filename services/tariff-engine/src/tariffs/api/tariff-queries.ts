import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Document, FieldValue, FindQuery, ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS, type Paging } from '@roamgate/runtime';

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

export type Where = Readonly<Record<string, FieldValue | undefined>>;

/** Paged reads of the tariff read models, shaped for the operations API. */
@Injectable()
export class TariffQueries {
  constructor(@Inject(READ_MODELS) private readonly store: ReadModelStore) {}

  async page<D extends Document, V>(collection: string, where: Where, sort: FindQuery['sort'], paging: Paging, view: (doc: D) => V): Promise<Page<V>> {
    const defined = Object.fromEntries(Object.entries(where).filter(([, value]) => value !== undefined)) as Record<string, FieldValue>;
    const found = await this.store.find<D>(collection, { where: defined, ...(sort ? { sort } : {}), offset: paging.offset, limit: paging.limit });
    return { items: found.items.map((doc) => view(doc.data)), total: found.total, offset: paging.offset, limit: paging.limit };
  }

  async require<D extends Document>(collection: string, id: string, what: string): Promise<D> {
    const doc = (await this.store.get<D>(collection, id))?.data;
    if (doc === undefined) throw new NotFoundException(`${what} ${id} not found`);
    return doc;
  }
}
