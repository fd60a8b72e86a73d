import { randomUUID } from 'node:crypto';
import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Response } from 'express';
import { CallRecorder } from './call-recorder';
import type { OcpiRequest } from './request-context';

const MAX_ID = 255;
const usableId = (value: string | string[] | undefined): string | undefined =>
  typeof value === 'string' && value.length > 0 && value.length <= MAX_ID && /^[\x21-\x7e]+$/.test(value) ? value : undefined;

/**
 * Runs for every request under /ocpi: X-Request-ID and X-Correlation-ID are echoed (or generated when the
 * client sent none, transport_and_format, unique message IDs), and once the answer is sent the exchange is
 * recorded for the partner the guard identified, with the status_code of the envelope as the interceptor or the
 * exception filter made it (the body is kept as sent, never parsed again). Unidentified calls are only logged by Nest.
 */
@Injectable()
export class OcpiRequestMiddleware implements NestMiddleware {
  constructor(private readonly recorder: CallRecorder) {}

  use(request: OcpiRequest, response: Response, next: NextFunction): void {
    const context = {
      requestId: usableId(request.headers['x-request-id']) ?? randomUUID(),
      correlationId: usableId(request.headers['x-correlation-id']) ?? randomUUID(),
      startedAt: Date.now(),
    };
    request.ocpi = context;
    response.setHeader('X-Request-ID', context.requestId);
    response.setHeader('X-Correlation-ID', context.correlationId);
    let sent = '';
    const send = response.send.bind(response);
    response.send = ((body?: unknown) => {
      if (typeof body === 'string') sent = body;
      else if (Buffer.isBuffer(body)) sent = body.toString('utf8');
      return send(body);
    }) as Response['send'];
    response.once('finish', () => {
      const ocpi = request.ocpi;
      if (!ocpi?.partner) return;
      this.recorder.record({
        partnerId: ocpi.partner.id,
        direction: 'INBOUND',
        startedAt: ocpi.startedAt,
        method: request.method,
        url: `${request.protocol}://${request.get('host') ?? 'localhost'}${request.originalUrl}`,
        module: ocpi.module ?? '',
        requestHeaders: request.headers as Record<string, string>,
        requestBody: request.body === undefined || (typeof request.body === 'object' && Object.keys(request.body as object).length === 0 && request.method === 'GET') ? '' : JSON.stringify(request.body),
        httpStatus: response.statusCode,
        ocpiStatusCode: ocpi.statusCode ?? 0,
        responseHeaders: Object.fromEntries(Object.entries(response.getHeaders()).map(([k, v]) => [k, String(v)])),
        responseBody: sent,
        latencyMs: Date.now() - ocpi.startedAt,
        requestId: ocpi.requestId,
        correlationId: ocpi.correlationId,
        ...(ocpi.sessionId ? { sessionId: ocpi.sessionId } : {}),
      });
    });
    next();
  }
}
