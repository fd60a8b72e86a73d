import { hostname } from 'node:os';
import { OcppVersion } from '@roamgate/contracts';
import { dedupKeyOfSessionStarted, fromStoredEvent, type DomainEvent } from '@roamgate/domain-charging';
import { newEventId, WrongExpectedRevisionError, type EventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { domainCodec } from './domain-codec';
import { OCPP_IDS_STREAM, ocppIdsDecider, type OcppIdsState, type OcppIdsStreamEvent } from './ocpp-ids';

const INDEX = 'charger_gateway_transactions';
/** Present once the index holds every SessionStarted of the event store; missing after the read models were dropped. */
const INDEX_BUILT = 'index-built';
/** Ids reserved per append; the rest of a block is skipped after a restart, never reused. */
const BLOCK = 100;

const ocppIdsCodec = domainCodec<OcppIdsStreamEvent>();

export interface IndexedTransaction {
  readonly sessionId: string;
  /** The OCPP transaction id: 1.6 the integer Roamgate allocated (in decimal), 2.0.1 the charger's. */
  readonly transactionId: string;
}

/** One charger transaction, whatever key finds it. */
export const transactionKeys = {
  /** A 1.6 StartTransaction, by ocpp16.startTransactionKey: the same start after a reconnect finds the same session. */
  start16: (dedupKey: string) => `start|${dedupKey}`,
  /** A 1.6 transaction by the integer Roamgate gave it. */
  byId16: (chargerId: string, transactionId: number | string) => `tx16|${chargerId}|${transactionId}`,
  /** A 2.0.1 transaction, by ocpp201.transactionKey. */
  byKey201: (transactionKey: string) => `tx201|${transactionKey}`,
};

/**
 * Where the gateway finds the session of an OCPP transaction, and the integers it hands to chargers
 * (1.6 transactionId, 2.0.1 remoteStartId).
 *
 * The integers must never repeat, so they come from the event store: blocks are reserved by appending
 * OcppIdsReserved to one stream with the revision last seen, and a replica that lost the race reads the
 * blocks it missed and reserves after them.
 *
 * The index is a read model. Entries are claimed before the session stream is written (first claim wins,
 * also across gateway replicas sharing the read-model store), so a crash between the two leaves an entry
 * the repeated message completes. When the read models were dropped it is rebuilt from the SessionStarted
 * events before the gateway takes connections.
 */
export class TransactionIndex {
  private counter: { state: OcppIdsState; revision: number } = { state: ocppIdsDecider.initialState(), revision: -1 };
  private block: { next: number; last: number } | undefined;
  private reserving: Promise<void> | undefined;

  constructor(
    private readonly readModels: ReadModelStore,
    private readonly store: EventStore,
    private readonly reservedBy = `${hostname()}:${process.pid}`,
  ) {}

  async init(): Promise<void> {
    await this.readModels.ensureCollection({ name: INDEX, indexes: [] });
    await this.catchUp();
    const indexBuilt = (await this.readModels.get(INDEX, INDEX_BUILT)) !== undefined;
    if (indexBuilt && this.counter.revision >= 0) return;
    const highest16 = await this.rebuild();
    // Ids handed out before the counter moved to the event store are only known from the sessions.
    if (this.counter.revision < 0) await this.reserveBlock(highest16);
    await this.readModels.upsert(INDEX, INDEX_BUILT, {}, 1);
  }

  async get(key: string): Promise<IndexedTransaction | undefined> {
    return (await this.readModels.get<IndexedTransaction & Record<string, unknown>>(INDEX, key))?.data;
  }

  /** Stores the entry unless the key has one already; returns the entry that holds. */
  async claim(key: string, entry: IndexedTransaction): Promise<IndexedTransaction> {
    if (await this.readModels.upsert(INDEX, key, { ...entry }, 0)) return entry;
    return (await this.get(key)) ?? entry;
  }

  /** A positive OCPP integer no one got before. */
  async nextInteger(): Promise<number> {
    for (;;) {
      if (this.block !== undefined && this.block.next <= this.block.last) return this.block.next++;
      await (this.reserving ?? this.reserveBlock());
    }
  }

  /** One reservation at a time per gateway: callers that find the block used up share the next one. */
  private async reserveBlock(above = 0): Promise<void> {
    while (this.reserving !== undefined) await this.reserving.catch(() => undefined);
    this.reserving = this.reserve(above).finally(() => (this.reserving = undefined));
    await this.reserving;
  }

  private async reserve(above = 0): Promise<void> {
    for (;;) {
      const command = { type: 'ReserveOcppIds', count: BLOCK, above, reservedBy: this.reservedBy, now: new Date() } as const;
      const [reserved] = ocppIdsDecider.decide(command, this.counter.state);
      const { revision, state } = this.counter;
      try {
        const appended = await this.store.append(OCPP_IDS_STREAM, [{ id: newEventId(), ...ocppIdsCodec.toStored(reserved!) }], {
          expectedRevision: revision < 0 ? 'no_stream' : revision,
        });
        this.counter = { state: ocppIdsDecider.evolve(state, reserved!), revision: appended.nextExpectedRevision };
        this.block = { next: reserved!.data.first, last: reserved!.data.last };
        return;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        await this.catchUp();
      }
    }
  }

  /** Folds the reservations appended since the last one this gateway saw (all of them at start). */
  private async catchUp(): Promise<void> {
    let { state, revision } = this.counter;
    for (const recorded of await this.store.readStream(OCPP_IDS_STREAM, { fromRevision: revision + 1 })) {
      state = ocppIdsDecider.evolve(state, ocppIdsCodec.fromStored(recorded));
      revision = recorded.revision;
    }
    this.counter = { state, revision };
  }

  /** Claims the entries of every session in the event store; returns the highest 1.6 transactionId among them. */
  private async rebuild(): Promise<number> {
    let highest = 0;
    for (let after = 0; ; ) {
      const page = await this.store.readAll({ after, maxCount: 1_000 });
      if (page.length === 0) break;
      after = page[page.length - 1]!.position;
      for (const recorded of page) {
        if (recorded.type !== 'SessionStarted') continue;
        const event = fromStoredEvent<'SessionStarted'>(recorded) as DomainEvent<'SessionStarted'>;
        const { sessionId, chargerId, transactionId, protocol } = event.data;
        const entry = { sessionId, transactionId };
        if (protocol === OcppVersion.OCPP_VERSION_1_6) {
          highest = Math.max(highest, Number(transactionId) || 0);
          await this.claim(transactionKeys.start16(dedupKeyOfSessionStarted(event)), entry);
          await this.claim(transactionKeys.byId16(chargerId, transactionId), entry);
        } else {
          await this.claim(transactionKeys.byKey201(dedupKeyOfSessionStarted(event)), entry);
        }
      }
    }
    return highest;
  }
}
