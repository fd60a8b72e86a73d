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
   * Streams whose folded state is kept between calls, least recently used dropped first; default 0. A kept
   * state is decided on without reading the stream: the append's expected revision tells whether anything
   * was written meanwhile, and only then is the stream read from the kept revision on and the decision made
   * again; so is a decision that refuses or does nothing. Meant for streams written often by one process,
   * like a session's meter values. Deciders' states must be immutable values.
   */
  readonly cachedStreams?: number;
}

interface Folded {
  readonly decider: object;
  readonly state: unknown;
  readonly revision: number;
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
    const kept = this.folded.get(streamId);
    const from = kept?.decider === decider ? kept : undefined;
    const recorded = await this.store.readStream(streamId, from === undefined ? {} : { fromRevision: from.revision + 1 });
    let state = from === undefined ? decider.initialState() : (from.state as State);
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
    return kept?.decider === decider ? { state: kept.state as State, revision: kept.revision } : undefined;
  }

  /** Only a state folded from stored events is kept, so the kept revision is always a prefix of the stream. */
  private keep(streamId: string, decider: object, state: unknown, revision: number): void {
    if (this.cachedStreams <= 0 || revision < 0) return;
    this.folded.delete(streamId);
    this.folded.set(streamId, { decider, state, revision });
    if (this.folded.size > this.cachedStreams) this.folded.delete(this.folded.keys().next().value!);
  }
}
