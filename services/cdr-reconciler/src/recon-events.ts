import { randomUUID } from 'node:crypto';
import {
  domainEvent,
  ReconExceptionStatus,
  ReconExceptionType,
  ReconOwner,
  streamEventCodec,
  type DomainEvent,
  type EventInit,
} from '@roamgate/contracts';
import { EXCEPTION_TYPES, OWNERS, type ExceptionType, type Owner } from '@roamgate/reconciliation';

export const RECON_EVENT_TYPES = [
  'ReconSettingsUpdated',
  'PartnerRecordsImported',
  'ReconciliationRunCompleted',
  'ReconMatchesRecorded',
  'ReconExceptionOpened',
  'ReconExceptionStatusChanged',
] as const;
export type ReconEventType = (typeof RECON_EVENT_TYPES)[number];

/** A recon stream event: the contract message tagged with the type name it is stored under. */
export type ReconEvent = DomainEvent<ReconEventType>;
export type ReconEventOf<T extends ReconEventType> = DomainEvent<T>;

export const reconEvent = <T extends ReconEventType>(type: T, init: EventInit<T>): ReconEventOf<T> => domainEvent(type, init);

/** Events are stored as canonical proto3 JSON; unknown fields are tolerated so older readers fold newer streams. */
export const reconEventCodec = streamEventCodec(RECON_EVENT_TYPES, 'recon');

export const isReconEventType = reconEventCodec.is;

export const settingsStream = (partnerId: string): string => `recon-settings-${partnerId}`;
export const runStream = (runId: string): string => `recon-run-${runId}`;
export const exceptionStream = (exceptionId: string): string => `recon-exc-${exceptionId}`;
export const newRunId = (): string => randomUUID();

export { EXCEPTION_TYPES, OWNERS } from '@roamgate/reconciliation';
export type ExceptionTypeName = ExceptionType;
export type OwnerName = Owner;

export const STATUSES = ['OPEN', 'INVESTIGATING', 'RESOLVED', 'ACCEPTED'] as const;
export type StatusName = (typeof STATUSES)[number];

/** Proto enum values <-> the names the API, CLI and domain library speak. */
function enumNames<N extends string>(prefix: string, names: readonly N[], values: Record<string, number | string>) {
  const toValue = (name: N): number => {
    const value = values[name];
    if (typeof value !== 'number') throw new Error(`${prefix}${name} is not in the contract`);
    return value;
  };
  const toName = (value: number): N | 'UNSPECIFIED' => {
    const name = values[value];
    return typeof name === 'string' && (names as readonly string[]).includes(name) ? (name as N) : 'UNSPECIFIED';
  };
  return { toValue, toName };
}

export const exceptionTypeEnum = enumNames('RECON_EXCEPTION_TYPE_', EXCEPTION_TYPES, ReconExceptionType as unknown as Record<string, number | string>);
export const ownerEnum = enumNames('RECON_OWNER_', OWNERS, ReconOwner as unknown as Record<string, number | string>);
export const statusEnum = enumNames('RECON_EXCEPTION_STATUS_', STATUSES, ReconExceptionStatus as unknown as Record<string, number | string>);
