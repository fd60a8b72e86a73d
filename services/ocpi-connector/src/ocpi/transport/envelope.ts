import { OcpiStatus, type OcpiStatusCode } from './status';

export interface OcpiEnvelope<T = unknown> {
  readonly data?: T;
  readonly status_code: OcpiStatusCode;
  readonly status_message?: string;
  readonly timestamp: string;
}

/** OCPI DateTime: UTC with a Z, no fractions (types.asciidoc allows them, many peers choke on them). */
export const ocpiDateTime = (at: Date): string => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function envelope<T>(data: T | undefined, now: Date, statusCode: OcpiStatusCode = OcpiStatus.SUCCESS, message?: string): OcpiEnvelope<T> {
  return {
    ...(data === undefined ? {} : { data }),
    status_code: statusCode,
    ...(message === undefined ? {} : { status_message: message }),
    timestamp: ocpiDateTime(now),
  };
}

export class InvalidEnvelopeError extends Error {
  override readonly name = 'InvalidEnvelopeError';
}

/** Reads a peer's response; `data` may be absent even on success (transport_and_format, response format note). */
export function parseEnvelope(body: unknown): OcpiEnvelope {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new InvalidEnvelopeError('the response is not an OCPI envelope (JSON object expected)');
  const candidate = body as Record<string, unknown>;
  if (typeof candidate.status_code !== 'number' || !Number.isInteger(candidate.status_code)) {
    throw new InvalidEnvelopeError('the response envelope has no integer status_code');
  }
  if (candidate.timestamp !== undefined && typeof candidate.timestamp !== 'string') throw new InvalidEnvelopeError('the response envelope timestamp is not a string');
  return {
    ...(candidate.data === undefined ? {} : { data: candidate.data }),
    status_code: candidate.status_code,
    ...(typeof candidate.status_message === 'string' ? { status_message: candidate.status_message } : {}),
    timestamp: typeof candidate.timestamp === 'string' ? candidate.timestamp : '',
  };
}

export const isSuccess = (statusCode: number): boolean => statusCode >= 1000 && statusCode < 2000;
