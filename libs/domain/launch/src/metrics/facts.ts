/**
 * What the gate metrics are computed from: plain records, JSON as they are, so that a service can fill them
 * from the bus (its own read models) and a fixture can write them by hand. Times are RFC 3339 strings;
 * money and energy are decimal strings.
 */

export type Owner = 'CHARGER' | 'BACKEND' | 'PARTNER' | 'UNKNOWN';

/** A charger and the attributes charger groups select on. */
export interface ChargerFact {
  readonly chargerId: string;
  readonly locationId?: string;
  readonly vendor?: string;
  readonly model?: string;
  readonly firmware?: string;
  readonly tags?: readonly string[];
}

/**
 * A command's outcome. SUCCEEDED: the charger accepted it. FAILED: rejected, errored or could not be sent.
 * TIMED_OUT: no answer in time. PENDING: not decided yet (left out of the rates).
 */
export type CommandOutcome = 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'PENDING';

export interface CommandFact {
  readonly commandId: string;
  readonly chargerId: string;
  readonly kind: string;
  readonly partnerId?: string;
  readonly requestedAt: string;
  readonly outcome: CommandOutcome;
  /** The OCPI CommandResult or the charger's status, e.g. "REJECTED". */
  readonly result?: string;
  readonly reason?: string;
}

/** Where the OCPI Session object of a session got to with the partner. */
export type PushStatus = 'NONE' | 'QUEUED' | 'ACKNOWLEDGED' | 'FAILED';

export interface SessionFact {
  readonly sessionId: string;
  readonly chargerId: string;
  readonly partnerId?: string;
  /** Absent when the session's stream has no start (an orphan stop or meter values). */
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  readonly push: PushStatus;
  /** Status flow violations seen in the session's events, e.g. "METER_VALUES_AFTER_STOP", "DUPLICATE_START". */
  readonly flowViolations?: readonly string[];
  readonly cdrId?: string;
}

export interface CdrFact {
  readonly cdrId: string;
  readonly sessionId: string;
  readonly chargerId: string;
  readonly partnerId?: string;
  readonly issuedAt: string;
  /** When the session started; places the CDR in the exposure periods. Defaults to issuedAt. */
  readonly sessionStart?: string;
  readonly currency: string;
  /** Total cost excluding VAT, decimal. */
  readonly totalCost: string;
  readonly replay?: 'MATCHES' | 'DIFFERS';
}

/**
 * A CDR's reconciliation with the partner's records: MATCHED when a partner record was paired with it
 * (clean when they agree within the tolerances), EXCEPTION when no pair was found.
 */
export interface ReconciliationFact {
  readonly cdrId: string;
  readonly partnerId?: string;
  readonly reconciledAt: string;
  readonly outcome: 'MATCHED' | 'EXCEPTION';
  readonly clean: boolean;
}

export type ExceptionStatus = 'OPEN' | 'INVESTIGATING' | 'RESOLVED' | 'ACCEPTED';

export interface ExceptionFact {
  readonly exceptionId: string;
  readonly partnerId?: string;
  /** e.g. AMOUNT_MISMATCH, TARIFF_MISMATCH, CHARGER_ANOMALY (recon.proto ReconExceptionType without prefix). */
  readonly type: string;
  readonly owner: Owner;
  readonly openedAt: string;
  readonly status: ExceptionStatus;
  /** When it was resolved or accepted. */
  readonly closedAt?: string;
  readonly cdrId?: string;
  readonly sessionId?: string;
  readonly chargerId?: string;
  /** Decimal, in currency. */
  readonly amountAtRisk?: string;
  readonly currency?: string;
}

/** The result of a partner probe (`roamgate partners probe`): each OCPI check phase 1 requires. */
export interface ProbeFact {
  readonly partnerId: string;
  readonly probedAt: string;
  readonly findings: readonly { readonly check: string; readonly passed: boolean; readonly detail?: string }[];
}

/** Everything known at evaluation time; the metrics pick what belongs to the plan and the window. */
export interface LaunchFacts {
  readonly chargers: readonly ChargerFact[];
  readonly commands: readonly CommandFact[];
  readonly sessions: readonly SessionFact[];
  readonly cdrs: readonly CdrFact[];
  readonly reconciliations: readonly ReconciliationFact[];
  readonly exceptions: readonly ExceptionFact[];
  readonly probes: readonly ProbeFact[];
}

export const noFacts = (): LaunchFacts => ({ chargers: [], commands: [], sessions: [], cdrs: [], reconciliations: [], exceptions: [], probes: [] });
