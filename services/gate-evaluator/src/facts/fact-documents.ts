import type { CdrFact, ChargerFact, CommandFact, ExceptionFact, ProbeFact, ReconciliationFact } from '@roamgate/launch';
import type { CollectionSpec } from '@roamgate/read-models';

/**
 * The gate evaluator's own copies of the facts it measures, kept from the bus. Time-bound facts carry the UTC
 * day they belong to, so that a window is read day by day instead of whole collections.
 */
export const FACTS = {
  chargers: 'launch_fact_chargers',
  commands: 'launch_fact_commands',
  sessions: 'launch_fact_sessions',
  pushes: 'launch_fact_session_pushes',
  pushEntries: 'launch_fact_push_entries',
  cdrs: 'launch_fact_cdrs',
  reconciliations: 'launch_fact_reconciliations',
  exceptions: 'launch_fact_exceptions',
  probes: 'launch_fact_probes',
  evseLocations: 'launch_fact_evse_locations',
} as const;

export const FACT_COLLECTIONS: readonly CollectionSpec[] = [
  { name: FACTS.chargers, indexes: [] },
  { name: FACTS.commands, indexes: ['day'] },
  { name: FACTS.sessions, indexes: ['day'] },
  { name: FACTS.pushes, indexes: ['day'] },
  { name: FACTS.pushEntries, indexes: [] },
  { name: FACTS.cdrs, indexes: ['day'] },
  { name: FACTS.reconciliations, indexes: ['day'] },
  { name: FACTS.exceptions, indexes: ['day', 'open'] },
  { name: FACTS.probes, indexes: [] },
  { name: FACTS.evseLocations, indexes: [] },
];

type Doc<T> = T & { readonly [field: string]: unknown };
type Dated<T> = Doc<T & { readonly day: string }>;

export type ChargerDocument = Doc<ChargerFact>;
export type CommandDocument = Dated<CommandFact>;
/** A session's own events; its pushes to the partner are kept apart (they come from another stream). */
export type SessionDocument = Dated<{
  sessionId: string;
  chargerId: string;
  partnerId?: string;
  startedAt?: string;
  stoppedAt?: string;
  flowViolations: readonly string[];
}>;
/** The OCPI pushes of one session to its partner: every queued push must be acknowledged. */
export type PushDocument = Dated<{ sessionId: string; partnerId: string; queued: number; delivered: number; deadLettered: number }>;
export type PushEntryDocument = Doc<{ entryId: string; sessionId: string; module: string }>;
export type CdrDocument = Dated<CdrFact>;
export type ReconciliationDocument = Dated<ReconciliationFact>;
export type ExceptionDocument = Dated<ExceptionFact & { open: boolean }>;
export type ProbeDocument = Doc<ProbeFact>;
/** An EVSE attached to an OCPI location (ocpi-connector's location master data): places its charger at the location. */
export type EvseLocationDocument = Doc<{ evseUid: string; chargerId: string; locationId: string }>;

export const dayOf = (iso: string): string => iso.slice(0, 10);

/** The UTC days from `start` to `end`, both included. */
export function daysBetween(start: Date, end: Date): string[] {
  const days: string[] = [];
  for (let t = Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate()); t <= end.getTime(); t += 86_400_000) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}
