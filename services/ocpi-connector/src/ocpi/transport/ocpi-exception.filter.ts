import { ArgumentsHost, BadRequestException, Catch, HttpException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { isOcpiDomainError } from '@roamgate/domain-ocpi';
import type { Response } from 'express';
import { envelope } from './envelope';
import type { OcpiRequest } from './request-context';
import { OcpiStatus, OcpiError } from './status';

const DOMAIN_ANSWERS = {
  PARTNER_EXISTS: [405, OcpiStatus.CLIENT_ERROR],
  PARTNER_NOT_INVITED: [405, OcpiStatus.CLIENT_ERROR],
  PARTNER_ALREADY_REGISTERED: [405, OcpiStatus.CLIENT_ERROR],
  PARTNER_NOT_REGISTERED: [405, OcpiStatus.CLIENT_ERROR],
  PARTNER_NOT_REGISTERING: [405, OcpiStatus.CLIENT_ERROR],
  TOKEN_MISMATCH: [401, OcpiStatus.CLIENT_ERROR],
  INVALID_PARTY: [400, OcpiStatus.INVALID_PARAMETERS],
  INVALID_CREDENTIALS: [400, OcpiStatus.INVALID_PARAMETERS],
} as const;

/** Everything that fails under /ocpi is answered with the OCPI envelope; other paths keep Nest's answers. */
@Catch()
export class OcpiExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('Ocpi');

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return super.catch(exception, host);
    const request = host.switchToHttp().getRequest<OcpiRequest>();
    if (!request.path.startsWith('/ocpi')) return super.catch(exception, host);
    const response = host.switchToHttp().getResponse<Response>();
    const error = toOcpiError(exception);
    if (error.httpStatus >= 500) this.logger.error(`${request.method} ${request.originalUrl}: ${exception instanceof Error ? exception.stack : String(exception)}`);
    if (error.httpStatus === 401) response.setHeader('WWW-Authenticate', 'Token');
    if (request.ocpi) request.ocpi.statusCode = error.statusCode;
    response.status(error.httpStatus).json(envelope(error.data, new Date(), error.statusCode, error.message));
  }
}

export function toOcpiError(exception: unknown): OcpiError {
  if (exception instanceof OcpiError) return exception;
  if (isOcpiDomainError(exception)) {
    const [http, code] = DOMAIN_ANSWERS[exception.code];
    return new OcpiError(http, code, exception.message);
  }
  const parse = exception as { type?: string; status?: number; message?: string };
  if (parse?.type === 'entity.parse.failed') return OcpiError.invalid(`the request body is not valid JSON: ${parse.message ?? ''}`.trim());
  if (parse?.type === 'entity.too.large') return new OcpiError(413, OcpiStatus.CLIENT_ERROR, 'the request body is too large');
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message = typeof body === 'object' && body && 'message' in body ? [(body as { message: unknown }).message].flat().join('; ') : exception.message;
    if (status === 404) return new OcpiError(404, OcpiStatus.CLIENT_ERROR, `no such OCPI endpoint: ${message}`);
    // Nest maps body-parser's SyntaxError to a bare BadRequestException before any filter sees it.
    if (status === 400 && exception.constructor === BadRequestException && /JSON/.test(message)) return OcpiError.invalid(`the request body is not valid JSON: ${message}`);
    if (status === 400) return OcpiError.invalid(message);
    return new OcpiError(status, status >= 500 ? OcpiStatus.SERVER_ERROR : OcpiStatus.CLIENT_ERROR, message);
  }
  return new OcpiError(500, OcpiStatus.SERVER_ERROR, 'internal error');
}
