import type { EventStore, Json, RecordedEvent } from '@roamgate/event-store';
import { newEventId, WrongExpectedRevisionError } from '@roamgate/event-store';

/** The shape of a domain decider (libs/domain): pure, time and ids passed in through commands. */
export interface Decider<State, Command, Event> {
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export interface EventCodec<Event> {
  toStored(event: Event): { readonly type: string; readonly data: Json };
  fromStored(stored: RecordedEvent): Event;
}

export interface HandleResult<State, Event> {
  readonly events: readonly Event[];
  readonly state: State;
  /** Revision of the stream's last event after the append (-1: the stream still does not exist). */
  readonly revision: number;
}

export interface AggregateRepositoryOptions {
  /** Tries of load-decide-append when a concurrent writer wins; default 5. */
  readonly maxAttempts?: number;
  /**
   * Streams whose folded state is kept between calls, about the least recently used dropped first; default 0. A kept
   * state is decided on without reading the stream: the append's expected revision tells whether anything
   * was written meanwhile, and only then is the stream read from the kept revision on and the decision made
   * again; so is a decision that refuses or does nothing. Meant for streams written often by one process,
   * like a session's meter values. Deciders' states must be immutable values.
   */
  readonly cachedStreams?: number;
}

/** Updated in place: a stream decided on every few seconds (a session's meter values) keeps one entry and key. */
interface Folded {
  decider: object;
  state: unknown;
  revision: number;
  /** Used since the eviction sweep last passed it (second chance). */
  used: boolean;
}

/**
 * Loads a stream, folds it, decides and appends with the revision it read. When another writer got
 * there first the append fails with a conflict and the whole load-decide-append runs again on the
 * new state, so deciders always see every event before they decide.
 */
export class AggregateRepository {
  private readonly maxAttempts: number;
  private readonly cachedStreams: number;
  private readonly folded = new Map<string, Folded>();

  constructor(
    private readonly store: EventStore,
    options: number | AggregateRepositoryOptions = {},
  ) {
    const { maxAttempts = 5, cachedStreams = 0 } = typeof options === 'number' ? { maxAttempts: options } : options;
    this.maxAttempts = maxAttempts;
    this.cachedStreams = cachedStreams;
  }

  async load<State, Event>(streamId: string, decider: Decider<State, never, Event>, codec: EventCodec<Event>): Promise<{ state: State; revision: number }> {
    // A copy: the kept entry is updated in place, perhaps by another call while this one reads.
    const from = this.kept<State>(streamId, decider);
    const recorded = await this.store.readStream(streamId, from === undefined ? {} : { fromRevision: from.revision + 1 });
    let state = from === undefined ? decider.initialState() : from.state;
    for (const event of recorded) state = decider.evolve(state, codec.fromStored(event));
    const revision = recorded.length ? recorded[recorded.length - 1]!.revision : (from?.revision ?? -1);
    this.keep(streamId, decider, state, revision);
    return { state, revision };
  }

  async handle<State, Command, Event>(
    streamId: string,
    decider: Decider<State, Command, Event>,
    codec: EventCodec<Event>,
    commands: (state: State) => readonly Command[],
    metadata: Readonly<Record<string, string>> = {},
  ): Promise<HandleResult<State, Event>> {
    let trustKept = true;
    for (let attempt = 1; ; ) {
      const kept = trustKept ? this.kept<State>(streamId, decider) : undefined;
      trustKept = false;
      const loaded = kept ?? (await this.load(streamId, decider as unknown as Decider<State, never, Event>, codec));
      let state = loaded.state;
      const events: Event[] = [];
      try {
        for (const command of commands(state)) {
          for (const event of decider.decide(command, state)) {
            events.push(event);
            state = decider.evolve(state, event);
          }
        }
      } catch (error) {
        if (kept !== undefined) continue;
        throw error;
      }
      if (events.length === 0) {
        if (kept !== undefined) continue;
        return { events, state, revision: loaded.revision };
      }
      try {
        const result = await this.store.append(
          streamId,
          events.map((e) => ({ id: newEventId(), ...codec.toStored(e), metadata })),
          { expectedRevision: loaded.revision < 0 ? 'no_stream' : loaded.revision },
        );
        this.keep(streamId, decider, state, result.nextExpectedRevision);
        return { events, state, revision: result.nextExpectedRevision };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= this.maxAttempts) throw error;
        attempt += 1;
      }
    }
  }

  private kept<State>(streamId: string, decider: object): { state: State; revision: number } | undefined {
    const kept = this.folded.get(streamId);
    if (kept?.decider !== decider) return undefined;
    kept.used = true;
    return { state: kept.state as State, revision: kept.revision };
  }

  /**
   * Only a state folded from stored events is kept, so the kept revision is always a prefix of the stream. Eviction is
   * second chance (close to least recently used): the oldest entry goes unless it was used since it was last passed,
   * in which case it goes to the back. Unlike moving every used entry to the back of the Map, that leaves the Map
   * alone on a hit: re-inserting on every meter value made each hit a new key string and hash-table garbage that
   * lived long enough to reach the old generation.
   */
  private keep(streamId: string, decider: object, state: unknown, revision: number): void {
    if (this.cachedStreams <= 0 || revision < 0) return;
    const kept = this.folded.get(streamId);
    if (kept !== undefined) {
      kept.decider = decider;
      kept.state = state;
      kept.revision = revision;
      kept.used = true;
      return;
    }
    while (this.folded.size >= this.cachedStreams) {
      const [oldestId, oldest] = this.folded.entries().next().value!;
      this.folded.delete(oldestId);
      if (oldest.used) {
        oldest.used = false;
        this.folded.set(oldestId, oldest);
      }
    }
    this.folded.set(streamId, { decider, state, revision, used: false });
  }
}
