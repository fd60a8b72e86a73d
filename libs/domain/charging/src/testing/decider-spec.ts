import assert from 'node:assert/strict';
import { foldEvents, type Decider } from '../shared/decider.js';
import { ChargingDomainError, type ChargingErrorCode } from '../shared/errors.js';

export interface Then<State, Event> {
  /** The decided events, for assertions finer than equality. */
  readonly events: readonly Event[];
  /** The state after the given and the decided events. */
  readonly state: State;
  then(expected: readonly Event[]): void;
  thenNothing(): void;
}

export interface DeciderSpec<State, Command, Event> {
  given(events?: readonly Event[]): {
    readonly state: State;
    when(command: Command): Then<State, Event>;
    whenRefused(command: Command, code: ChargingErrorCode): ChargingDomainError;
  };
}

/** given(events) / when(command) / then(events), as emmett's DeciderSpecification. */
export function deciderSpec<State, Command, Event>(decider: Decider<State, Command, Event>): DeciderSpec<State, Command, Event> {
  return {
    given(given = []) {
      const state = foldEvents(decider, given);
      return {
        state,
        when(command) {
          const events = decider.decide(command, state);
          return {
            events,
            state: events.reduce(decider.evolve, state),
            then: (expected) => assert.deepStrictEqual(events, expected),
            thenNothing: () => assert.deepStrictEqual(events, []),
          };
        },
        whenRefused(command, code) {
          let refusal: unknown;
          try {
            const events = decider.decide(command, state);
            assert.fail(`expected ${code}, but the command was decided into ${events.length} event(s)`);
          } catch (error) {
            refusal = error;
          }
          assert.ok(refusal instanceof ChargingDomainError, `expected a ChargingDomainError, got ${String(refusal)}`);
          assert.equal(refusal.code, code);
          return refusal;
        },
      };
    },
  };
}
