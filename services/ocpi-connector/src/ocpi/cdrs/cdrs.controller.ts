import { Controller, Get, Inject, OnModuleInit, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { publicRequestUrl } from '../sessions/sessions.controller';
import { OcpiModuleRegistry } from '../transport/module-registry';
import { OcpiEndpoint, OcpiReply } from '../transport/ocpi-endpoint';
import { pageHeaders, pageOf, parsePageQuery } from '../transport/pagination';
import { ocpiContext } from '../transport/request-context';
import { CdrsSender } from './cdrs.sender';

/** mod_cdrs, CPO sender interface: the calling partner's CDRs only, by last_updated. */
@ApiExcludeController()
@Controller('ocpi/2.2.1/cdrs')
@OcpiEndpoint({ module: 'cdrs' })
export class CdrsController implements OnModuleInit {
  constructor(
    private readonly cdrs: CdrsSender,
    private readonly registry: OcpiModuleRegistry,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
  ) {}

  onModuleInit(): void {
    this.registry.register({ identifier: 'cdrs', role: 'SENDER', path: 'cdrs' });
  }

  @Get()
  async list(@Req() request: Request, @Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query, this.settings.pageLimit);
    const partner = ocpiContext(request).partner!;
    const found = pageOf(await this.cdrs.list(partner.id), page, (c) => new Date(String(c['last_updated'])));
    return new OcpiReply(found.items, { ...pageHeaders(publicRequestUrl(this.settings, request), page, found.total, this.settings.pageLimit) });
  }
}
