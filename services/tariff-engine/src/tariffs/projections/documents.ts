import type { CollectionSpec } from '@roamgate/read-models';

export const TARIFFS = 'tariffs';
export const TARIFF_VERSIONS = 'tariff_versions';
export const TARIFF_ASSIGNMENTS = 'tariff_assignments';

/** The current version of a tariff; a deleted tariff keeps its document, flagged. */
export type TariffDocument = {
  readonly tariffId: string;
  readonly countryCode: string;
  readonly partyId: string;
  readonly currency: string;
  readonly type: string | null;
  readonly lastUpdated: string;
  readonly publishedAt: string;
  readonly versions: number;
  readonly deleted: boolean;
  readonly deletedAt: string | null;
  /** The OCPI 2.2.1 Tariff object as published. */
  readonly tariff: Readonly<Record<string, unknown>>;
};

export type TariffVersionDocument = {
  readonly tariffId: string;
  readonly lastUpdated: string;
  /** last_updated as a fixed-width UTC time, so versions sort as text. */
  readonly order: string;
  readonly publishedAt: string;
  readonly tariff: Readonly<Record<string, unknown>>;
};

export type AssignmentDocument = {
  readonly assignmentId: string;
  readonly tariffId: string;
  readonly chargerId: string;
  readonly evseId: number | null;
  readonly connectorId: number | null;
  readonly partnerId: string | null;
  readonly timeZone: string;
  readonly validFrom: string;
  readonly validUntil: string | null;
  readonly active: boolean;
  readonly assignedAt: string;
  readonly endReason: string | null;
};

export const COLLECTION_SPECS: readonly CollectionSpec[] = [
  { name: TARIFFS, indexes: ['tariffId', 'countryCode', 'partyId', 'deleted'] },
  { name: TARIFF_VERSIONS, indexes: ['tariffId', 'order'] },
  { name: TARIFF_ASSIGNMENTS, indexes: ['tariffId', 'chargerId', 'partnerId', 'active', 'validFrom'] },
];

export const versionDocumentId = (tariffId: string, order: string): string => `${tariffId}@${order}`;
