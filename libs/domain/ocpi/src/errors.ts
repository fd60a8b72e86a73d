export type OcpiErrorCode =
  | 'PARTNER_EXISTS'
  | 'PARTNER_NOT_INVITED'
  | 'PARTNER_ALREADY_REGISTERED'
  | 'PARTNER_NOT_REGISTERED'
  | 'PARTNER_NOT_REGISTERING'
  | 'TOKEN_MISMATCH'
  | 'INVALID_PARTY'
  | 'INVALID_CREDENTIALS';

/** A rule of the OCPI partner domain refused a command; `code` is stable for callers to branch on. */
export class OcpiDomainError extends Error {
  constructor(
    readonly code: OcpiErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OcpiDomainError';
  }
}

export function isOcpiDomainError(error: unknown, code?: OcpiErrorCode): error is OcpiDomainError {
  return error instanceof OcpiDomainError && (code === undefined || error.code === code);
}
