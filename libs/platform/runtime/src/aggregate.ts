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

/**
 * Loads a stream, folds it, decides and appends with the revision it read. When another writer got
 * there first the append fails with a conflict and the whole load-decide-append runs again on the
 * new state, so deciders always see every event before they decide.
 */
export class AggregateRepository {
  constructor(private readonly store: EventStore, private readonly maxAttempts = 5) {}

  async load<State, Event>(streamId: string, decider: Decider<State, never, Event>, codec: EventCodec<Event>): Promise<{ state: State; revision: number }> {
    const recorded = await this.store.readStream(streamId);
    let state = decider.initialState();
    for (const event of recorded) state = decider.evolve(state, codec.fromStored(event));
    return { state, revision: recorded.length ? recorded[recorded.length - 1]!.revision : -1 };
  }

  async handle<State, Command, Event>(
    streamId: string,
    decider: Decider<State, Command, Event>,
    codec: EventCodec<Event>,
    commands: (state: State) => readonly Command[],
    metadata: Readonly<Record<string, string>> = {},
  ): Promise<HandleResult<State, Event>> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(streamId, decider as unknown as Decider<State, never, Event>, codec);
      let state = loaded.state;
      const events: Event[] = [];
      for (const command of commands(state)) {
        for (const event of decider.decide(command, state)) {
          events.push(event);
          state = decider.evolve(state, event);
        }
      }
      if (events.length === 0) return { events, state, revision: loaded.revision };
      try {
        const result = await this.store.append(
          streamId,
          events.map((e) => ({ id: newEventId(), ...codec.toStored(e), metadata })),
          { expectedRevision: loaded.revision < 0 ? 'no_stream' : loaded.revision },
        );
        return { events, state, revision: result.nextExpectedRevision };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= this.maxAttempts) throw error;
      }
    }
  }
}
