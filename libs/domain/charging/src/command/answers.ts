import { CommandResult } from '@roamgate/contracts';

// Status strings of every CALLRESULT the gateway asks for, across 1.6 and 2.0.1, and the outcome each means.
const RESULT_OF_STATUS: Readonly<Record<string, CommandResult>> = {
  Accepted: CommandResult.ACCEPTED,
  Unlocked: CommandResult.ACCEPTED,
  Scheduled: CommandResult.ACCEPTED,
  RebootRequired: CommandResult.ACCEPTED,
  Rejected: CommandResult.REJECTED,
  OngoingAuthorizedTransaction: CommandResult.REJECTED,
  UnknownConnector: CommandResult.REJECTED,
  UnknownComponent: CommandResult.REJECTED,
  UnknownVariable: CommandResult.REJECTED,
  NotSupported: CommandResult.NOT_SUPPORTED,
  NotImplemented: CommandResult.NOT_SUPPORTED,
  NotSupportedAttributeType: CommandResult.NOT_SUPPORTED,
  UnlockFailed: CommandResult.FAILED,
  Occupied: CommandResult.EVSE_OCCUPIED,
  Faulted: CommandResult.EVSE_INOPERATIVE,
  Unavailable: CommandResult.EVSE_INOPERATIVE,
};

/**
 * The outcome of a charger's answer. Per action only where the same word means something else:
 * CancelReservation "Rejected" is OCPP's "no reservation with this id".
 * A status the table does not know is a failure, never a success.
 */
export function classifyAnswer(action: string, status: string): CommandResult {
  if (action === 'CancelReservation' && status === 'Rejected') return CommandResult.UNKNOWN_RESERVATION;
  return RESULT_OF_STATUS[status] ?? CommandResult.FAILED;
}

/** A CALLERROR: the charger could not or would not process the CALL. */
export function classifyCallError(errorCode: string): CommandResult {
  return errorCode === 'NotImplemented' || errorCode === 'NotSupported' ? CommandResult.NOT_SUPPORTED : CommandResult.FAILED;
}

export function isSuccess(result: CommandResult): boolean {
  return result === CommandResult.ACCEPTED;
}
