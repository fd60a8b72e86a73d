import { timestampDate, type Timestamp } from '@roamgate/contracts';
import { parseOcpiDateTime } from '@roamgate/domain-tariffs';
import type { TariffEventOf } from '../tariff-events';
import type { AssignmentDocument, TariffDocument, TariffVersionDocument } from './documents';

const iso = (t: Timestamp | undefined): string => (t === undefined ? new Date(0).toISOString() : timestampDate(t).toISOString());

type Published = TariffEventOf<'TariffPublished'>;

export function versionOfPublished(event: Published): TariffVersionDocument {
  const tariff = JSON.parse(event.data.tariffJson) as Record<string, unknown> & { last_updated: string };
  return {
    tariffId: event.data.tariffId,
    lastUpdated: tariff.last_updated,
    order: new Date(parseOcpiDateTime(tariff.last_updated)).toISOString(),
    publishedAt: iso(event.data.occurredAt),
    tariff,
  };
}

export function tariffOfPublished(current: TariffDocument | undefined, event: Published): TariffDocument {
  const version = versionOfPublished(event);
  return {
    tariffId: event.data.tariffId,
    countryCode: event.data.countryCode,
    partyId: event.data.partyId,
    currency: event.data.currency,
    type: typeof version.tariff['type'] === 'string' ? version.tariff['type'] : null,
    lastUpdated: version.lastUpdated,
    publishedAt: version.publishedAt,
    versions: (current?.versions ?? 0) + 1,
    deleted: false,
    deletedAt: null,
    tariff: version.tariff,
  };
}

export function tariffOfDeleted(current: TariffDocument, event: TariffEventOf<'TariffDeleted'>): TariffDocument {
  return { ...current, deleted: true, deletedAt: iso(event.data.occurredAt) };
}

export function assignmentOfAssigned(event: TariffEventOf<'TariffAssigned'>): AssignmentDocument {
  const { data } = event;
  return {
    assignmentId: data.assignmentId,
    tariffId: data.tariffId,
    chargerId: data.target?.chargerId ?? '',
    evseId: data.target?.evseId ?? null,
    connectorId: data.target?.connectorId ?? null,
    partnerId: data.target?.partnerId ? data.target.partnerId : null,
    timeZone: data.timeZone,
    validFrom: iso(data.validFrom ?? data.occurredAt),
    validUntil: null,
    active: true,
    assignedAt: iso(data.occurredAt),
    endReason: null,
  };
}

export function assignmentOfUnassigned(current: AssignmentDocument, event: TariffEventOf<'TariffUnassigned'>): AssignmentDocument {
  return { ...current, validUntil: iso(event.data.validUntil ?? event.data.occurredAt), active: false, endReason: event.data.reason || null };
}
