import { timingSafeEqual } from 'node:crypto';
import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';

export const ADMIN_TOKEN = Symbol('roamgate.admin-token');
export const OPERATIONS_API_PREFIX = '/api/v1';

/**
 * Applied globally and keyed on the path, so an operations endpoint cannot be added without the
 * admin token by forgetting a decorator.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  private readonly expected: Buffer;
  constructor(token: string) {
    this.expected = Buffer.from(token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    if (!request.path.startsWith(OPERATIONS_API_PREFIX)) return true;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = Buffer.from(match?.[1]?.trim() ?? '');
    if (given.length === this.expected.length && timingSafeEqual(given, this.expected)) return true;
    throw new UnauthorizedException('a valid admin token is required: Authorization: Bearer <token>');
  }
}
