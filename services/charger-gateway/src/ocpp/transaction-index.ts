import { OcppVersion } from '@roamgate/contracts';
import { dedupKeyOfSessionStarted, fromStoredEvent, type DomainEvent } from '@roamgate/domain-charging';
import type { EventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';

const INDEX = 'charger_gateway_transactions';
const COUNTERS = 'charger_gateway_counters';
const TRANSACTION_IDS = 'ocpp-integer-ids';
/** Ids reserved per trip to the store; the rest of a block is skipped after a restart, never reused. */
const BLOCK = 100;
const MAX_OCPP_INTEGER = 2 ** 31 - 1;

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
 * Where the gateway finds the session of an OCPP transaction, and the durable counter of the integers it hands to
 * chargers (1.6 transactionId, 2.0.1 remoteStartId).
 *
 * Entries are claimed before the session stream is written (first claim wins, also across gateway replicas sharing
 * the read-model store), so a crash between the two leaves an entry the repeated message completes. The counter is a
 * compare-and-set on the document's revision. When the read-model store has no counter (first start, or the store was
 * dropped) both are rebuilt from the SessionStarted events in the event store before the gateway takes connections.
 */
export class TransactionIndex {
  private block: { next: number; end: number } | undefined;
  private allocating: Promise<void> | undefined;

  constructor(
    private readonly readModels: ReadModelStore,
    private readonly store: EventStore,
  ) {}

  async init(): Promise<void> {
    await this.readModels.ensureCollection({ name: INDEX, indexes: [] });
    await this.readModels.ensureCollection({ name: COUNTERS, indexes: [] });
    if ((await this.readModels.get(COUNTERS, TRANSACTION_IDS)) === undefined) await this.rebuild();
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
      if (this.block !== undefined && this.block.next < this.block.end) return this.block.next++;
      this.allocating ??= this.reserveBlock().finally(() => (this.allocating = undefined));
      await this.allocating;
    }
  }

  private async reserveBlock(): Promise<void> {
    for (;;) {
      const current = await this.readModels.get<{ next: number }>(COUNTERS, TRANSACTION_IDS);
      const next = current?.data.next ?? 1;
      const end = Math.min(next + BLOCK, MAX_OCPP_INTEGER);
      if (end <= next) throw new Error('the OCPP integer id space is exhausted');
      if (await this.readModels.upsert(COUNTERS, TRANSACTION_IDS, { next: end }, end)) {
        this.block = { next, end };
        return;
      }
    }
  }

  private async rebuild(): Promise<void> {
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
    await this.readModels.upsert(COUNTERS, TRANSACTION_IDS, { next: highest + 1 }, highest + 1);
  }
}
