import {
  chargerDecider,
  chargerStreamName,
  decideAll,
  type ChargerCommand,
  type ChargerState,
  type ChargerStreamEvent,
} from '@roamgate/domain-charging';
import { newEventId, WrongExpectedRevisionError, type EventStore, type NewEvent } from '@roamgate/event-store';
import { domainCodec } from './domain-codec';

const codec = domainCodec<ChargerStreamEvent>();
const MAX_ATTEMPTS = 5;
/** Entry.revision of a charger whose stream this process has not read yet. */
const NOT_READ = -2;

type Job = (entry: Entry) => Promise<void>;

interface Entry {
  readonly streamId: string;
  state: ChargerState;
  /** -2: not read yet; -1: the stream does not exist. */
  revision: number;
  /** The gateway instance of the latest ChargerConnected ('' when none or written by an older gateway). */
  connectedVia: string;
  readonly jobs: Job[];
  draining: Promise<void> | undefined;
}

/**
 * Every write to `charger-<id>` from this process: the charger's connection, boot and status facts.
 *
 * The folded state is kept, and a decision is made on it without reading the stream: the append's expected revision
 * tells whether anything was written meanwhile (a registration, another gateway instance), and only then are the
 * newer events read and the decision made again. A decision that appends nothing (or that the domain refuses) is made
 * again after reading too, since no conflict would show that it was made on a stale state. As AggregateRepository
 * does for cached streams; without it every StatusNotification and every disconnection read the stream first, which
 * made the 5,000 disconnections of a network outage hold the event loop for most of a second. Writes to one charger
 * run one at a time, so they never race each other on the expected revision.
 */
export class ChargerStreams {
  private readonly entries = new Map<string, Entry>();

  /** `gatewayInstance` is stamped on every ChargerConnected this process appends. */
  constructor(
    private readonly store: EventStore,
    private readonly gatewayInstance = '',
  ) {}

  /** The charger's state, up to date with the store. */
  state(chargerId: string): Promise<ChargerState> {
    return this.enqueue(chargerId, async (entry) => {
      await this.catchUp(entry);
      return entry.state;
    });
  }

  /** Decides the commands against the current state and appends the events; domain errors reach the caller. */
  decide(chargerId: string, commands: readonly ChargerCommand[]): Promise<readonly ChargerStreamEvent[]> {
    return this.decideWith(chargerId, () => commands);
  }

  /**
   * As decide, with the commands chosen from the up-to-date state and the instance of its latest connection, again
   * on every conflict retry: a choice made on a stale state (a newer connection appended elsewhere) is never appended.
   */
  decideWith(chargerId: string, commandsOf: (state: ChargerState, connectedVia: string) => readonly ChargerCommand[]): Promise<readonly ChargerStreamEvent[]> {
    return this.enqueue(chargerId, async (entry) => {
      // A state read before (revision -1: the stream did not exist then) is decided on as it is, once.
      let onKeptState = entry.revision !== NOT_READ;
      for (let conflicts = 0; ; onKeptState = false) {
        if (!onKeptState) await this.catchUp(entry);
        let events: readonly ChargerStreamEvent[];
        try {
          const commands = commandsOf(entry.state, entry.connectedVia);
          events = commands.length === 0 ? [] : decideAll(chargerDecider, commands, entry.state).events;
        } catch (error) {
          if (onKeptState) continue;
          throw error;
        }
        if (events.length === 0) {
          if (onKeptState) continue;
          return events;
        }
        try {
          await this.append(entry, events);
          return events;
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError) || ++conflicts >= MAX_ATTEMPTS) throw error;
        }
      }
    });
  }

  /** Resolves once everything queued so far for the charger (or for all chargers) is written. */
  async flush(chargerId?: string): Promise<void> {
    const entries = chargerId === undefined ? [...this.entries.values()] : [this.entry(chargerId)];
    await Promise.all(entries.map((entry) => this.enqueueOn(entry, async () => undefined)));
  }

  /** Drops what is cached for a charger whose stream does not exist, so refused strangers do not pile up. */
  forget(chargerId: string): void {
    const entry = this.entries.get(chargerId);
    if (entry !== undefined && entry.revision < 0 && entry.jobs.length === 0 && entry.draining === undefined) this.entries.delete(chargerId);
  }

  private entry(chargerId: string): Entry {
    let entry = this.entries.get(chargerId);
    if (entry === undefined) {
      entry = { streamId: chargerStreamName(chargerId), state: chargerDecider.initialState(), revision: NOT_READ, connectedVia: '', jobs: [], draining: undefined };
      this.entries.set(chargerId, entry);
    }
    return entry;
  }

  private enqueue<T>(chargerId: string, run: (entry: Entry) => Promise<T>): Promise<T> {
    return this.enqueueOn(this.entry(chargerId), run);
  }

  private enqueueOn<T>(entry: Entry, run: (entry: Entry) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      entry.jobs.push((e) => run(e).then(resolve, reject));
      this.drain(entry);
    });
  }

  private drain(entry: Entry): void {
    if (entry.draining !== undefined) return;
    entry.draining = (async () => {
      for (let job = entry.jobs.shift(); job !== undefined; job = entry.jobs.shift()) await job(entry);
    })().finally(() => {
      entry.draining = undefined;
      if (entry.jobs.length > 0) this.drain(entry);
    });
  }

  private async catchUp(entry: Entry): Promise<void> {
    const recorded = await this.store.readStream(entry.streamId, entry.revision < 0 ? {} : { fromRevision: entry.revision + 1 });
    for (const event of recorded) this.evolve(entry, codec.fromStored(event));
    if (recorded.length > 0) entry.revision = recorded[recorded.length - 1]!.revision;
    else if (entry.revision === NOT_READ) entry.revision = -1;
  }

  private async append(entry: Entry, decided: readonly ChargerStreamEvent[]): Promise<void> {
    const events = decided.map((event) => this.stamped(event));
    const stored: NewEvent[] = events.map((event) => ({ id: newEventId(), ...codec.toStored(event) }));
    const result = await this.store.append(entry.streamId, stored, { expectedRevision: entry.revision < 0 ? 'no_stream' : entry.revision });
    for (const event of events) this.evolve(entry, event);
    entry.revision = result.nextExpectedRevision;
  }

  /** The domain does not know gateway processes; which one holds the connection is added here. */
  private stamped(event: ChargerStreamEvent): ChargerStreamEvent {
    if (event.type !== 'ChargerConnected' || this.gatewayInstance === '') return event;
    return { type: event.type, data: { ...event.data, gatewayInstance: this.gatewayInstance } };
  }

  private evolve(entry: Entry, event: ChargerStreamEvent): void {
    entry.state = chargerDecider.evolve(entry.state, event);
    if (event.type === 'ChargerConnected') entry.connectedVia = event.data.gatewayInstance;
  }
}
