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
 * The stream is not re-read on every write the way AggregateRepository does (it held the whole message log
 * until frames moved to their own log): the folded state is kept and only newer events are read. Writes to one
 * charger run one at a time, so they never race each other on the expected revision. A write from elsewhere (a
 * registration) is picked up by the conflict retry.
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
      for (let attempt = 1; ; attempt++) {
        await this.catchUp(entry);
        const commands = commandsOf(entry.state, entry.connectedVia);
        if (commands.length === 0) return [];
        const { events } = decideAll(chargerDecider, commands, entry.state);
        if (events.length === 0) return events;
        try {
          await this.append(entry, events);
          return events;
        } catch (error) {
          if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
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
      entry = { streamId: chargerStreamName(chargerId), state: chargerDecider.initialState(), revision: -2, connectedVia: '', jobs: [], draining: undefined };
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
    else if (entry.revision === -2) entry.revision = -1;
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
