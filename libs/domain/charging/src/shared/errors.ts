export type ChargingErrorCode =
  | 'CHARGER_ALREADY_REGISTERED'
  | 'CHARGER_NOT_REGISTERED'
  | 'SESSION_ALREADY_STARTED'
  | 'SESSION_NOT_STARTED'
  | 'METER_VALUES_AFTER_STOP'
  | 'COMMAND_NOT_REQUESTED'
  | 'COMMAND_NOT_PENDING'
  | 'UNSUPPORTED_COMMAND'
  | 'INVALID_COMMAND'
  | 'INVALID_PAYLOAD'
  | 'INVALID_DECIMAL';

/** A rule of the charging domain refused a command; `code` is stable for callers to branch on. */
export class ChargingDomainError extends Error {
  constructor(
    readonly code: ChargingErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ChargingDomainError';
  }
}

export function isChargingDomainError(error: unknown, code?: ChargingErrorCode): error is ChargingDomainError {
  return error instanceof ChargingDomainError && (code === undefined || error.code === code);
}
