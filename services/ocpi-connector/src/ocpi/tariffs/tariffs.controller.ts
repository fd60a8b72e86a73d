import { Controller, Get, Inject, OnModuleInit, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { publicRequestUrl } from '../sessions/sessions.controller';
import { OcpiModuleRegistry } from '../transport/module-registry';
import { OcpiEndpoint, OcpiReply } from '../transport/ocpi-endpoint';
import { pageHeaders, pageOf, parsePageQuery } from '../transport/pagination';
import { TariffsSender } from './tariffs.sender';

/** mod_tariffs, CPO sender interface: every current tariff, by last_updated, paginated. */
@ApiExcludeController()
@Controller('ocpi/2.2.1/tariffs')
@OcpiEndpoint({ module: 'tariffs' })
export class TariffsController implements OnModuleInit {
  constructor(
    private readonly tariffs: TariffsSender,
    private readonly registry: OcpiModuleRegistry,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
  ) {}

  onModuleInit(): void {
    this.registry.register({ identifier: 'tariffs', role: 'SENDER', path: 'tariffs' });
  }

  @Get()
  async list(@Req() request: Request, @Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query, this.settings.pageLimit);
    const found = pageOf(await this.tariffs.list(), page, (t) => new Date(t.last_updated.endsWith('Z') ? t.last_updated : `${t.last_updated}Z`));
    return new OcpiReply(found.items, { ...pageHeaders(publicRequestUrl(this.settings, request), page, found.total, this.settings.pageLimit) });
  }
}
