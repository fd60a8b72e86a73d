import { timestampDate, type EventMessage, type Timestamp } from '@roamgate/contracts';
import type { CollectionSpec } from '@roamgate/read-models';
import { exceptionTypeEnum, ownerEnum, statusEnum, type ExceptionTypeName, type OwnerName, type StatusName } from '../recon-events';

export const EXCEPTIONS = 'recon_exceptions';
export const RUNS = 'recon_runs';
export const MATCHES = 'recon_matches';

export const RECON_COLLECTIONS: readonly CollectionSpec[] = [
  { name: EXCEPTIONS, indexes: ['partnerId', 'status', 'type', 'owner', 'sessionId', 'ourCdrId', 'runId', 'openedAt'] },
  { name: RUNS, indexes: ['partnerId', 'importedAt'] },
  { name: MATCHES, indexes: ['partnerId', 'sessionId', 'runId'] },
];

export interface StatusChange {
  readonly from: StatusName | 'UNSPECIFIED';
  readonly to: StatusName | 'UNSPECIFIED';
  readonly at: string | null;
  readonly by: string;
  readonly resolution: string | null;
  readonly note: string | null;
}

export interface ExceptionDocument {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly partnerId: string;
  readonly runId: string;
  readonly type: ExceptionTypeName | 'UNSPECIFIED';
  readonly owner: OwnerName | 'UNSPECIFIED';
  readonly rule: string;
  readonly facts: Readonly<Record<string, string>>;
  readonly ourCdrId: string | null;
  readonly partnerRef: string | null;
  readonly sessionId: string | null;
  readonly sessionStart: string | null;
  readonly amountAtRisk: string | null;
  readonly currency: string | null;
  readonly detail: string;
  readonly status: StatusName | 'UNSPECIFIED';
  readonly openedAt: string | null;
  readonly updatedAt: string | null;
  readonly resolution: string | null;
  readonly note: string | null;
  readonly history: readonly StatusChange[];
}

export interface RunDocument {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly partnerId: string;
  readonly status: 'IMPORTED' | 'COMPLETED';
  readonly fileName: string;
  readonly format: string;
  readonly records: number;
  readonly parseErrors: number;
  readonly parseErrorSamples: readonly string[];
  readonly bytes: number;
  readonly sha256: string;
  readonly mapping: unknown;
  readonly tolerances: { readonly amountMinor: number; readonly energyWh: number; readonly timeS: number } | null;
  readonly importedAt: string | null;
  readonly completedAt: string | null;
  readonly periodFrom: string | null;
  readonly periodTo: string | null;
  readonly ourCdrs: number;
  readonly partnerRecords: number;
  readonly matched: number;
  readonly matchedClean: number;
  readonly exceptions: number;
  readonly exceptionsOpened: number;
  readonly durationMs: number;
}

export interface MatchDocument {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly runId: string;
  readonly partnerId: string;
  readonly partnerRef: string;
  readonly sessionId: string | null;
  readonly matchedBy: string;
  readonly clean: boolean;
  readonly at: string | null;
}

export const iso = (t: Timestamp | undefined): string | null => (t === undefined ? null : timestampDate(t).toISOString());

export function openedDocument(e: EventMessage<'ReconExceptionOpened'>): ExceptionDocument {
  return {
    id: e.exceptionId,
    partnerId: e.partnerId,
    runId: e.runId,
    type: exceptionTypeEnum.toName(e.type),
    owner: ownerEnum.toName(e.owner),
    rule: e.rule,
    facts: { ...e.facts },
    ourCdrId: e.ourCdrId || null,
    partnerRef: e.partnerRef || null,
    sessionId: e.sessionId || null,
    sessionStart: iso(e.sessionStart),
    amountAtRisk: e.amountAtRisk || null,
    currency: e.currency || null,
    detail: e.detail,
    status: 'OPEN',
    openedAt: iso(e.occurredAt),
    updatedAt: iso(e.occurredAt),
    resolution: null,
    note: null,
    history: [],
  };
}

export function changedDocument(doc: ExceptionDocument, e: EventMessage<'ReconExceptionStatusChanged'>): ExceptionDocument {
  const change: StatusChange = {
    from: statusEnum.toName(e.from),
    to: statusEnum.toName(e.to),
    at: iso(e.occurredAt),
    by: e.changedBy,
    resolution: e.resolution || null,
    note: e.note || null,
  };
  return { ...doc, status: change.to, updatedAt: change.at, resolution: change.resolution ?? doc.resolution, note: change.note ?? doc.note, history: [...doc.history, change] };
}

const n = (v: bigint | number): number => Number(v);

export function importedRun(e: EventMessage<'PartnerRecordsImported'>): RunDocument {
  let mapping: unknown = null;
  try {
    mapping = e.mappingJson ? JSON.parse(e.mappingJson) : null;
  } catch {
    mapping = e.mappingJson;
  }
  return {
    id: e.runId,
    partnerId: e.partnerId,
    status: 'IMPORTED',
    fileName: e.fileName,
    format: e.format,
    records: n(e.records),
    parseErrors: n(e.parseErrors),
    parseErrorSamples: [...e.parseErrorSamples],
    bytes: n(e.bytes),
    sha256: e.sha256,
    mapping,
    tolerances: e.tolerances ? { amountMinor: e.tolerances.amountMinor, energyWh: e.tolerances.energyWh, timeS: e.tolerances.timeS } : null,
    importedAt: iso(e.occurredAt),
    completedAt: null,
    periodFrom: null,
    periodTo: null,
    ourCdrs: 0,
    partnerRecords: n(e.records),
    matched: 0,
    matchedClean: 0,
    exceptions: 0,
    exceptionsOpened: 0,
    durationMs: 0,
  };
}

export function completedRun(doc: RunDocument, e: EventMessage<'ReconciliationRunCompleted'>): RunDocument {
  return {
    ...doc,
    status: 'COMPLETED',
    completedAt: iso(e.occurredAt),
    periodFrom: iso(e.periodFrom),
    periodTo: iso(e.periodTo),
    ourCdrs: n(e.ourCdrs),
    partnerRecords: n(e.partnerRecords),
    matched: n(e.matched),
    matchedClean: n(e.matchedClean),
    exceptions: n(e.exceptions),
    exceptionsOpened: n(e.exceptionsOpened),
    durationMs: e.durationMs,
  };
}
