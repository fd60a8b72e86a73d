export type TariffErrorCode =
  | 'INVALID_TARIFF'
  | 'INVALID_CDR'
  | 'INVALID_INPUT'
  | 'UNKNOWN_TIME_ZONE'
  | 'CURRENCY_MISMATCH'
  | 'TARIFF_NOT_VALID'
  | 'TARIFF_TYPE_MISMATCH';

export class TariffError extends Error {
  constructor(
    readonly code: TariffErrorCode,
    message: string,
    /** For validation errors: one `path: problem` line per problem found. */
    readonly issues: readonly string[] = [],
  ) {
    super(message);
    this.name = 'TariffError';
  }
}
