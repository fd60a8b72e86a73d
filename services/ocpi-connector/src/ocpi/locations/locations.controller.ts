import { Controller, Get, Inject, OnModuleInit, Param, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { publicRequestUrl } from '../sessions/sessions.controller';
import { OcpiModuleRegistry } from '../transport/module-registry';
import { OcpiEndpoint, OcpiReply } from '../transport/ocpi-endpoint';
import { pageHeaders, parsePageQuery } from '../transport/pagination';
import { ocpiContext } from '../transport/request-context';
import { OcpiError, OcpiStatus } from '../transport/status';
import { LocationPublisher } from './location-publisher';

const unknown = (what: string) => new OcpiError(404, OcpiStatus.UNKNOWN_LOCATION, `unknown ${what}`);

/**
 * mod_locations, CPO sender interface: the calling partner's view only (its launch scope applied), by last_updated.
 * An object outside the scope is answered exactly as an unknown one (404, 2003), so nothing leaks.
 */
@ApiExcludeController()
@Controller('ocpi/2.2.1/locations')
@OcpiEndpoint({ module: 'locations' })
export class LocationsController implements OnModuleInit {
  constructor(
    private readonly publisher: LocationPublisher,
    private readonly registry: OcpiModuleRegistry,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
  ) {}

  onModuleInit(): void {
    this.registry.register({ identifier: 'locations', role: 'SENDER', path: 'locations' });
  }

  @Get()
  async list(@Req() request: Request, @Query() query: Record<string, unknown>) {
    const page = parsePageQuery(query, this.settings.pageLimit);
    const partner = ocpiContext(request).partner!;
    const found = await this.publisher.page(partner.id, page.offset, page.limit, page.dateFrom, page.dateTo);
    return new OcpiReply(found.items, { ...pageHeaders(publicRequestUrl(this.settings, request), page, found.total, this.settings.pageLimit) });
  }

  @Get(':locationId')
  async location(@Req() request: Request, @Param('locationId') locationId: string) {
    const location = await this.publisher.view(ocpiContext(request).partner!.id, locationId);
    if (!location) throw unknown(`location ${locationId}`);
    return new OcpiReply(location);
  }

  @Get(':locationId/:evseUid')
  async evse(@Req() request: Request, @Param('locationId') locationId: string, @Param('evseUid') evseUid: string) {
    const location = await this.publisher.view(ocpiContext(request).partner!.id, locationId);
    const evse = location?.evses?.find((e) => e.uid === evseUid);
    if (!evse) throw unknown(`EVSE ${evseUid} at location ${locationId}`);
    return new OcpiReply(evse);
  }

  @Get(':locationId/:evseUid/:connectorId')
  async connector(@Req() request: Request, @Param('locationId') locationId: string, @Param('evseUid') evseUid: string, @Param('connectorId') connectorId: string) {
    const location = await this.publisher.view(ocpiContext(request).partner!.id, locationId);
    const connector = location?.evses?.find((e) => e.uid === evseUid)?.connectors.find((c) => c.id === connectorId);
    if (!connector) throw unknown(`connector ${connectorId} of EVSE ${evseUid} at location ${locationId}`);
    return new OcpiReply(connector);
  }
}
