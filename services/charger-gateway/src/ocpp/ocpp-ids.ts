import { timestampFromDate } from '@roamgate/contracts';
import { domainEvent, type Decider, type DomainEvent } from '@roamgate/domain-charging';

/** The positive int32 ids the gateway hands to chargers: 1.6 transactionId, 2.0.1 remoteStartId. */
export const OCPP_IDS_SPACE = 'int32';
export const OCPP_IDS_STREAM = `ocppids-${OCPP_IDS_SPACE}`;
export const MAX_OCPP_INTEGER = 2 ** 31 - 1;

export interface OcppIdsState {
  /** 0 before the first reservation. */
  readonly lastReserved: number;
}

export interface ReserveOcppIds {
  readonly type: 'ReserveOcppIds';
  readonly count: number;
  /** Ids handed out before the counter lived in this stream; the block starts above them. */
  readonly above: number;
  readonly reservedBy: string;
  readonly now: Date;
}

export type OcppIdsStreamEvent = DomainEvent<'OcppIdsReserved'>;

export class OcppIdsExhaustedError extends Error {
  override readonly name = 'OcppIdsExhaustedError';
  constructor() {
    super(`every OCPP integer id up to ${MAX_OCPP_INTEGER} has been handed out`);
  }
}

/** A block always starts after every id reserved before it, so an id is never handed out twice. */
export const ocppIdsDecider: Decider<OcppIdsState, ReserveOcppIds, OcppIdsStreamEvent> = {
  initialState: () => ({ lastReserved: 0 }),
  decide(command, state) {
    const first = Math.max(state.lastReserved, command.above) + 1;
    if (first > MAX_OCPP_INTEGER) throw new OcppIdsExhaustedError();
    return [
      domainEvent('OcppIdsReserved', {
        idSpace: OCPP_IDS_SPACE,
        occurredAt: timestampFromDate(command.now),
        first,
        last: Math.min(first + command.count - 1, MAX_OCPP_INTEGER),
        reservedBy: command.reservedBy,
      }),
    ];
  },
  evolve: (state, event) => ({ lastReserved: Math.max(state.lastReserved, event.data.last) }),
};
