import type { Request } from 'express';
import type { PartnerDocument } from '../../partners/partner-documents';
import type { RoutingHeaders } from './routing';

export interface OcpiRequestContext {
  readonly requestId: string;
  readonly correlationId: string;
  readonly startedAt: number;
  module?: string;
  partner?: PartnerDocument;
  /** A: invitation token; PENDING: a token we handed over whose exchange is in flight; C: the registered token. */
  tokenKind?: 'A' | 'PENDING' | 'C';
  /** The credentials token as presented, in clear; only the credentials GET echoes it. */
  token?: string;
  routing?: RoutingHeaders;
  sessionId?: string;
  /** status_code of the envelope answered, set where the envelope is made: the call log need not parse the body. */
  statusCode?: number;
}

export type OcpiRequest = Request & { ocpi?: OcpiRequestContext };

export function ocpiContext(request: Request): OcpiRequestContext {
  const context = (request as OcpiRequest).ocpi;
  if (!context) throw new Error('OCPI request context missing: is OcpiRequestMiddleware bound to /ocpi?');
  return context;
}
