import type { CdrIssued, CdrIssuingFailure, EventSchema } from '@roamgate/contracts';
import type { create } from '@roamgate/contracts';
import { cdrEvent, type CdrEvent } from './cdr-events';

type Init<T extends 'CdrIssued' | 'CdrIssuingFailed' | 'CdrReplayed'> = NonNullable<Parameters<typeof create<EventSchema<T>>>[1]>;

export type IssueCdr = Readonly<{ type: 'IssueCdr'; issued: Init<'CdrIssued'> }>;
export type RecordIssuingFailure = Readonly<{ type: 'RecordIssuingFailure'; failed: Init<'CdrIssuingFailed'> }>;
export type RecordReplay = Readonly<{ type: 'RecordReplay'; replayed: Init<'CdrReplayed'> }>;
export type CdrCommand = IssueCdr | RecordIssuingFailure | RecordReplay;

export interface CdrState {
  readonly status: 'none' | 'failed' | 'issued';
  readonly issued: CdrIssued | undefined;
  readonly failure: { readonly reason: CdrIssuingFailure; readonly detail: string } | undefined;
  readonly replays: number;
}

export class CdrNotIssuedError extends Error {
  override readonly name = 'CdrNotIssuedError';
  constructor(readonly cdrId: string, readonly status: CdrState['status']) {
    super(status === 'none' ? `CDR ${cdrId} does not exist` : `CDR ${cdrId} was never issued: its issuing failed`);
  }
}

export const initialCdrState = (): CdrState => ({ status: 'none', issued: undefined, failure: undefined, replays: 0 });

/**
 * A CDR is issued once: a redelivered SessionStopped, or two issuers racing, decide nothing the second time.
 * A failed attempt (no tariff in force, say) does not seal the stream: a later attempt may still issue it.
 */
export function decideCdr(command: CdrCommand, state: CdrState): readonly CdrEvent[] {
  switch (command.type) {
    case 'IssueCdr':
      return state.status === 'issued' ? [] : [cdrEvent('CdrIssued', command.issued)];
    case 'RecordIssuingFailure': {
      if (state.status === 'issued') return [];
      const { reason, detail } = command.failed;
      if (state.failure !== undefined && state.failure.reason === reason && state.failure.detail === (detail ?? '')) return [];
      return [cdrEvent('CdrIssuingFailed', command.failed)];
    }
    case 'RecordReplay':
      if (state.status !== 'issued') throw new CdrNotIssuedError(command.replayed.cdrId ?? '', state.status);
      return [cdrEvent('CdrReplayed', command.replayed)];
  }
}

export function evolveCdr(state: CdrState, event: CdrEvent): CdrState {
  switch (event.type) {
    case 'CdrIssued':
      return { ...state, status: 'issued', issued: event.data, failure: undefined };
    case 'CdrIssuingFailed':
      return { ...state, status: 'failed', failure: { reason: event.data.reason, detail: event.data.detail } };
    case 'CdrReplayed':
      return { ...state, replays: state.replays + 1 };
    default:
      return state;
  }
}

export const cdrDecider = { decide: decideCdr, evolve: evolveCdr, initialState: initialCdrState };
