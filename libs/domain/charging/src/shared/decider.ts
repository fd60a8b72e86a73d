export interface Decider<State, Command, Event> {
  decide(command: Command, state: State): readonly Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

export function foldEvents<State, Event>(decider: Pick<Decider<State, never, Event>, 'evolve' | 'initialState'>, events: Iterable<Event>): State {
  let state = decider.initialState();
  for (const event of events) state = decider.evolve(state, event);
  return state;
}

/**
 * Decides several commands against one stream in order, each seeing the events of the previous ones,
 * e.g. the StartSession, RecordChargingState and RecordMeterValues one TransactionEvent maps to.
 */
export function decideAll<State, Command, Event>(
  decider: Pick<Decider<State, Command, Event>, 'decide' | 'evolve'>,
  commands: Iterable<Command>,
  state: State,
): { readonly events: readonly Event[]; readonly state: State } {
  const events: Event[] = [];
  for (const command of commands) {
    for (const event of decider.decide(command, state)) {
      events.push(event);
      state = decider.evolve(state, event);
    }
  }
  return { events, state };
}
