/** OCPI status codes (status_codes.asciidoc); HTTP status codes travel beside them. */
export const OcpiStatus = {
  SUCCESS: 1000,
  CLIENT_ERROR: 2000,
  INVALID_PARAMETERS: 2001,
  NOT_ENOUGH_INFORMATION: 2002,
  UNKNOWN_LOCATION: 2003,
  UNKNOWN_TOKEN: 2004,
  SERVER_ERROR: 3000,
  UNABLE_TO_USE_CLIENT_API: 3001,
  UNSUPPORTED_VERSION: 3002,
  NO_MATCHING_ENDPOINTS: 3003,
} as const;
export type OcpiStatusCode = (typeof OcpiStatus)[keyof typeof OcpiStatus] | number;

/**
 * An error answered with the envelope. `httpStatus` follows the spec: 400 for unparsable requests, 401 for a
 * missing or unknown token, 404 for unknown objects, 405 for credentials calls in the wrong registration state;
 * errors found at the OCPI layer of a well-formed request go out as HTTP 200 with a 2xxx/3xxx code.
 */
export class OcpiError extends Error {
  override readonly name = 'OcpiError';
  constructor(
    readonly httpStatus: number,
    readonly statusCode: OcpiStatusCode,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }

  static invalid(message: string, data?: unknown): OcpiError {
    return new OcpiError(400, OcpiStatus.INVALID_PARAMETERS, message, data);
  }

  static unauthorized(message: string): OcpiError {
    return new OcpiError(401, OcpiStatus.CLIENT_ERROR, message);
  }

  static notAllowed(message: string): OcpiError {
    return new OcpiError(405, OcpiStatus.CLIENT_ERROR, message);
  }
}
