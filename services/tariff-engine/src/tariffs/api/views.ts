import type { AssignmentDocument, TariffDocument, TariffVersionDocument } from '../projections/documents';
import { currentVersion, type TariffAssignment, type TariffState } from '../tariff.decider';

/** A document as the API shows it: the stream's id under `id`. */
export type TariffView = Omit<TariffDocument, 'tariffId'> & { readonly id: string };
export type AssignmentView = Omit<AssignmentDocument, 'assignmentId'> & { readonly id: string };
export type VersionView = Omit<TariffVersionDocument, 'order'>;

export function tariffView(doc: TariffDocument): TariffView {
  const { tariffId, ...rest } = doc;
  return { id: tariffId, ...rest };
}

/** The view straight from the stream, for answers to writes: the read model may not have caught up yet. */
export function tariffViewOfState(state: TariffState): TariffView {
  const current = currentVersion(state)!;
  const deletedAt = state.deleted ? state.deletions[state.deletions.length - 1] : undefined;
  return {
    id: state.tariffId,
    countryCode: state.countryCode,
    partyId: state.partyId,
    currency: current.tariff.currency,
    type: current.tariff.type ?? null,
    lastUpdated: current.lastUpdated,
    publishedAt: current.publishedAt.toISOString(),
    versions: state.versions.length,
    deleted: state.deleted,
    deletedAt: deletedAt?.toISOString() ?? null,
    tariff: current.tariff as unknown as Readonly<Record<string, unknown>>,
  };
}

export function versionView(doc: TariffVersionDocument): VersionView {
  const { order: _order, ...view } = doc;
  return view;
}

export function assignmentView(doc: AssignmentDocument): AssignmentView {
  const { assignmentId, ...rest } = doc;
  return { id: assignmentId, ...rest };
}

export function assignmentViewOfState(tariffId: string, a: TariffAssignment): AssignmentView {
  return {
    id: a.assignmentId,
    tariffId,
    chargerId: a.target.chargerId,
    evseId: a.target.evseId ?? null,
    connectorId: a.target.connectorId ?? null,
    partnerId: a.target.partnerId ?? null,
    timeZone: a.timeZone,
    validFrom: a.validFrom.toISOString(),
    validUntil: a.validUntil?.toISOString() ?? null,
    active: a.validUntil === undefined,
    assignedAt: a.assignedAt.toISOString(),
    endReason: a.endReason ?? null,
  };
}
