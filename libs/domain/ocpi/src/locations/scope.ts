import { domainEvent, timestampDate, timestampFromDate, type DomainEvent } from '@roamgate/contracts';

/**
 * A partner's launch scope: the EVSEs it sees and may command, named by EVSE uid, by location or by charger.
 * `set` is false until a scope was ever given; what an unscoped partner sees is the service's choice (a setting).
 */
export interface ScopeState {
  readonly set: boolean;
  readonly partnerId: string;
  readonly evseUids: readonly string[];
  readonly locationIds: readonly string[];
  readonly chargerIds: readonly string[];
  readonly changedBy: string;
  readonly reason: string;
  readonly planId: string;
  readonly updatedAt: string | undefined;
}

export const initialScopeState = (): ScopeState => ({ set: false, partnerId: '', evseUids: [], locationIds: [], chargerIds: [], changedBy: '', reason: '', planId: '', updatedAt: undefined });

export type SetScope = Readonly<{
  type: 'SetScope';
  partnerId: string;
  evseUids: readonly string[];
  locationIds: readonly string[];
  chargerIds: readonly string[];
  by: string;
  reason: string;
  planId: string;
  sourceEventId: string;
  now: Date;
}>;

export type ScopeEvent = DomainEvent<'PartnerScopeSet'>;

export class ScopeError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ScopeError';
  }
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._:*-]{0,35}$/;
const normalised = (values: readonly string[]): string[] => [...new Set(values)].sort();

function validate(values: readonly string[], field: string): void {
  values.forEach((value, i) => {
    if (!ID.test(value)) throw new ScopeError(`"${value}" is not an OCPI id (1 to 36 letters, digits or ._:*-)`, `${field}[${i}]`);
  });
}

function decide(command: SetScope, state: ScopeState): readonly ScopeEvent[] {
  validate(command.evseUids, 'evse_uids');
  validate(command.locationIds, 'location_ids');
  validate(command.chargerIds, 'charger_ids');
  const evseUids = normalised(command.evseUids);
  const locationIds = normalised(command.locationIds);
  const chargerIds = normalised(command.chargerIds);
  const unchanged =
    state.set &&
    JSON.stringify([evseUids, locationIds, chargerIds]) === JSON.stringify([state.evseUids, state.locationIds, state.chargerIds]);
  if (unchanged) return [];
  return [
    domainEvent('PartnerScopeSet', {
      partnerId: command.partnerId,
      occurredAt: timestampFromDate(command.now),
      evseUids,
      locationIds,
      chargerIds,
      changedBy: command.by,
      reason: command.reason,
      planId: command.planId,
      sourceEventId: command.sourceEventId,
    }),
  ];
}

/** Folds the partner stream: every event but PartnerScopeSet is left to the credentials decider. */
function evolve(state: ScopeState, event: { readonly type: string; readonly data: unknown }): ScopeState {
  if (event.type !== 'PartnerScopeSet') return state;
  const d = (event as ScopeEvent).data;
  return {
    set: true,
    partnerId: d.partnerId,
    evseUids: [...d.evseUids],
    locationIds: [...d.locationIds],
    chargerIds: [...d.chargerIds],
    changedBy: d.changedBy,
    reason: d.reason,
    planId: d.planId,
    updatedAt: d.occurredAt ? timestampDate(d.occurredAt).toISOString() : undefined,
  };
}

export const scopeDecider = { decide, evolve, initialState: initialScopeState };

export interface EvsePlace {
  readonly uid: string;
  readonly locationId: string;
  readonly chargerId: string;
}

/** Whether the scope lets the partner see and command the EVSE; an unscoped partner gets `unscoped`. */
export function inScope(scope: Pick<ScopeState, 'set' | 'evseUids' | 'locationIds' | 'chargerIds'>, evse: EvsePlace, unscoped: boolean): boolean {
  if (!scope.set) return unscoped;
  return scope.evseUids.includes(evse.uid) || scope.locationIds.includes(evse.locationId) || scope.chargerIds.includes(evse.chargerId);
}
