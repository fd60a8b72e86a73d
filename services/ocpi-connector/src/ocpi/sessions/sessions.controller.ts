import { Controller, Get, Inject, OnModuleInit, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { OcpiModuleRegistry } from '../transport/module-registry';
import { OcpiEndpoint, OcpiReply } from '../transport/ocpi-endpoint';
import { pageHeaders, pageOf, parsePageQuery } from '../transport/pagination';
import { ocpiContext } from '../transport/request-context';
import { SessionsSender } from './sessions.sender';

/** The URL a paginated GET was called with, on our public base (for the Link header). */
export function publicRequestUrl(settings: OcpiSettings, request: Request): URL {
  return new URL(`${settings.baseUrl.replace(/\/ocpi$/, '')}${request.originalUrl}`);
}

/** mod_sessions, CPO sender interface: the calling partner's sessions only, by last_updated. */
@ApiExcludeController()
@Controller('ocpi/2.2.1/sessions')
@OcpiEndpoint({ module: 'sessions' })
export class SessionsController implements OnModuleInit {
  constructor(
    private readonly sessions: SessionsSender,
    private readonly registry: OcpiModuleRegistry,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
  ) {}

  onModuleInit(): void {
    this.registry.register({ identifier: 'sessions', role: 'SENDER', path: 'sessions' });
  }

  @Get()
  async list(@Req() request: Request, @Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query, this.settings.pageLimit);
    const partner = ocpiContext(request).partner!;
    const found = pageOf(await this.sessions.list(partner.id), page, (s) => new Date(s.last_updated));
    return new OcpiReply(found.items, { ...pageHeaders(publicRequestUrl(this.settings, request), page, found.total, this.settings.pageLimit) });
  }
}
