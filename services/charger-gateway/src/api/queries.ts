import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import type { Document, FieldValue, FindQuery, ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS, type Paging } from '@roamgate/runtime';
import { laterIso } from '../projections/labels';
import { FrameLog, type FrameFilter } from '../message-log/frame-log';
import type { ChargerDocument, CommandDocument, OcppMessageDocument } from '../projections/documents';

export interface Page<T> {
  readonly items: T[];
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

export type Where = Readonly<Record<string, FieldValue | undefined>>;

/** Paged reads of the charger-gateway read models, shaped for the operations API. */
@Injectable()
export class ReadModelQueries {
  constructor(
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
    private readonly frameLog: FrameLog,
  ) {}

  async page<D extends Document, V>(
    collection: string,
    where: Where,
    sort: FindQuery['sort'],
    paging: Paging,
    view: (doc: D) => V,
  ): Promise<Page<V>> {
    const defined = Object.fromEntries(Object.entries(where).filter(([, value]) => value !== undefined)) as Record<string, FieldValue>;
    const found = await this.store.find<D>(collection, { where: defined, ...(sort ? { sort } : {}), offset: paging.offset, limit: paging.limit });
    return { items: found.items.map((doc) => view(doc.data)), total: found.total, offset: paging.offset, limit: paging.limit };
  }

  async find<D extends Document>(collection: string, id: string): Promise<D | undefined> {
    return (await this.store.get<D>(collection, id))?.data;
  }

  async require<D extends Document>(collection: string, id: string, what: string): Promise<D> {
    const doc = await this.find<D>(collection, id);
    if (doc === undefined) throw new NotFoundException(`${what} ${id} not found`);
    return doc;
  }

  /** The charger as the API shows it: its last-seen time is the later of its events' and the message log's. */
  async charger(doc: ChargerDocument): Promise<ReturnType<typeof chargerView>> {
    return chargerView({ ...doc, lastSeenAt: laterIso(doc.lastSeenAt, this.frameLog.lastSeen(doc.id)) });
  }

  /** A page of the OCPP message log, by time then log position. */
  messages(filter: FrameFilter, direction: 'asc' | 'desc', paging: Paging): Page<ReturnType<typeof messageView>> {
    const found = this.frameLog.page(filter, direction, paging.offset, paging.limit);
    return { items: found.items.map(messageView), total: found.total, offset: paging.offset, limit: paging.limit };
  }

  async findOne<D extends Document>(collection: string, where: Where): Promise<D | undefined> {
    const page = await this.page<D, D>(collection, where, undefined, { offset: 0, limit: 1 }, (doc) => doc);
    return page.items[0];
  }
}

export function chargerView(doc: ChargerDocument) {
  const { mixHistory: _history, ...view } = doc;
  return view;
}

export function commandView(doc: CommandDocument) {
  const { sources: _sources, ...view } = doc;
  return view;
}

export function messageView(doc: OcppMessageDocument) {
  const { order: _order, ...view } = doc;
  return view;
}
