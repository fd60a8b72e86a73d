import type { TariffAssignment, TariffState } from './tariff.decider';
import { versionInForce } from './tariff.decider';
import type { TariffInForce, TariffQuery } from './tariff-book';

/**
 * A partner's own tariff outranks any general one, whatever it is assigned to: it is what the launch plan
 * agreed with that partner. Then the narrower target wins: connector, then EVSE, then the whole charger.
 */
export function specificity(assignment: TariffAssignment): number {
  const { target } = assignment;
  return (target.partnerId !== undefined ? 4 : 0) + (target.connectorId !== undefined ? 2 : 0) + (target.evseId !== undefined ? 1 : 0);
}

export function assignmentMatches(assignment: TariffAssignment, query: TariffQuery): boolean {
  const { target } = assignment;
  if (target.chargerId !== query.chargerId) return false;
  if (target.evseId !== undefined && target.evseId !== query.evseId) return false;
  if (target.connectorId !== undefined && target.connectorId !== query.connectorId) return false;
  if (target.partnerId !== undefined && target.partnerId !== (query.partnerId ?? '')) return false;
  return true;
}

export function assignmentValidAt(assignment: TariffAssignment, at: Date): boolean {
  const ms = at.getTime();
  return assignment.validFrom.getTime() <= ms && (assignment.validUntil === undefined || ms < assignment.validUntil.getTime());
}

/**
 * The tariffs that priced a session starting at `query.at`: those of the most specific assignments that
 * matched the connector and partner then, each in the version that was current then. A connector may
 * carry several (OCPI Connector.tariff_ids, e.g. AD_HOC_PAYMENT beside REGULAR); pricing picks one.
 */
export function tariffsInForceAt(streams: readonly TariffState[], query: TariffQuery): TariffInForce[] {
  let best = -1;
  let found: { tariffId: string; inForce: TariffInForce }[] = [];
  for (const state of streams) {
    const version = versionInForce(state, query.at);
    if (version === undefined) continue;
    for (const assignment of state.assignments) {
      if (!assignmentMatches(assignment, query) || !assignmentValidAt(assignment, query.at)) continue;
      const rank = specificity(assignment);
      if (rank < best) continue;
      if (rank > best) {
        best = rank;
        found = [];
      }
      if (!found.some((f) => f.tariffId === state.tariffId)) found.push({ tariffId: state.tariffId, inForce: { tariff: version.tariff, timeZone: assignment.timeZone } });
    }
  }
  return found.sort((a, b) => (a.tariffId < b.tariffId ? -1 : a.tariffId > b.tariffId ? 1 : 0)).map((f) => f.inForce);
}
