import { timestampFromDate } from '@roamgate/contracts';
import type { Decider } from '@roamgate/runtime';
import {
  exceptionTypeEnum,
  ownerEnum,
  reconEvent,
  statusEnum,
  type ExceptionTypeName,
  type OwnerName,
  type ReconEvent,
  type StatusName,
} from '../recon-events';

export interface ExceptionFinding {
  readonly exceptionId: string;
  readonly runId: string;
  readonly partnerId: string;
  readonly type: ExceptionTypeName;
  readonly owner: OwnerName;
  readonly rule: string;
  readonly facts: Readonly<Record<string, string>>;
  readonly ourCdrId?: string;
  readonly partnerRef?: string;
  readonly sessionId?: string;
  readonly sessionStart?: Date;
  readonly amountAtRisk?: string;
  readonly currency?: string;
  readonly detail: string;
}

export type ExceptionCommand =
  | { readonly type: 'OpenException'; readonly finding: ExceptionFinding; readonly now: Date }
  | { readonly type: 'Investigate'; readonly note?: string; readonly by: string; readonly now: Date }
  | { readonly type: 'Resolve'; readonly resolution: string; readonly note: string; readonly by: string; readonly now: Date }
  | { readonly type: 'Accept'; readonly note: string; readonly by: string; readonly now: Date };

export interface ExceptionState {
  readonly exceptionId: string | null;
  readonly partnerId: string;
  readonly status: StatusName | null;
}

/** A transition the workflow does not allow; the API answers 409 with its message. */
export class InvalidTransitionError extends Error {
  override readonly name = 'InvalidTransitionError';
  constructor(
    readonly from: StatusName | null,
    readonly to: StatusName,
    reason: string,
  ) {
    super(reason);
  }
}

const TARGET: Record<Exclude<ExceptionCommand['type'], 'OpenException'>, StatusName> = { Investigate: 'INVESTIGATING', Resolve: 'RESOLVED', Accept: 'ACCEPTED' };
const ALLOWED: Record<StatusName, readonly StatusName[]> = {
  OPEN: ['INVESTIGATING', 'RESOLVED', 'ACCEPTED'],
  INVESTIGATING: ['RESOLVED', 'ACCEPTED'],
  RESOLVED: [],
  ACCEPTED: [],
};

/**
 * One exception's workflow: OPEN -> INVESTIGATING -> RESOLVED (with a resolution and note) or ACCEPTED. Opening an
 * exception that exists changes nothing, so the same discrepancy found again by a later import is not doubled.
 */
export const exceptionDecider: Decider<ExceptionState, ExceptionCommand, ReconEvent> = {
  initialState: () => ({ exceptionId: null, partnerId: '', status: null }),
  decide(command, state) {
    if (command.type === 'OpenException') {
      if (state.status !== null) return [];
      const f = command.finding;
      return [
        reconEvent('ReconExceptionOpened', {
          exceptionId: f.exceptionId,
          occurredAt: timestampFromDate(command.now),
          runId: f.runId,
          partnerId: f.partnerId,
          type: exceptionTypeEnum.toValue(f.type),
          owner: ownerEnum.toValue(f.owner),
          rule: f.rule,
          facts: { ...f.facts },
          ourCdrId: f.ourCdrId ?? '',
          partnerRef: f.partnerRef ?? '',
          sessionId: f.sessionId ?? '',
          amountAtRisk: f.amountAtRisk ?? '',
          currency: f.currency ?? '',
          detail: f.detail,
          ...(f.sessionStart === undefined ? {} : { sessionStart: timestampFromDate(f.sessionStart) }),
        }),
      ];
    }
    const to = TARGET[command.type];
    if (state.status === null) throw new InvalidTransitionError(null, to, 'no such exception');
    if (!ALLOWED[state.status].includes(to)) {
      const why = ALLOWED[state.status].length === 0 ? `it is already ${state.status}, a final state` : `from ${state.status} it can only become ${ALLOWED[state.status].join(' or ')}`;
      throw new InvalidTransitionError(state.status, to, `exception ${state.exceptionId} cannot become ${to}: ${why}`);
    }
    if (command.type === 'Resolve' && command.resolution.trim() === '') throw new InvalidTransitionError(state.status, to, 'resolution: required to resolve an exception');
    return [
      reconEvent('ReconExceptionStatusChanged', {
        exceptionId: state.exceptionId ?? '',
        occurredAt: timestampFromDate(command.now),
        partnerId: state.partnerId,
        from: statusEnum.toValue(state.status),
        to: statusEnum.toValue(to),
        resolution: command.type === 'Resolve' ? command.resolution : '',
        note: command.note ?? '',
        changedBy: command.by,
      }),
    ];
  },
  evolve(state, event) {
    switch (event.type) {
      case 'ReconExceptionOpened':
        return { exceptionId: event.data.exceptionId, partnerId: event.data.partnerId, status: 'OPEN' };
      case 'ReconExceptionStatusChanged': {
        const to = statusEnum.toName(event.data.to);
        return to === 'UNSPECIFIED' ? state : { ...state, status: to };
      }
      default:
        return state;
    }
  },
};
