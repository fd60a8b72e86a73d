import { BadRequestException, Body, Controller, Get, OnModuleInit, Param, Put, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiExcludeController, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { OCPI_VERSION, OcpiModuleRegistry } from '../transport/module-registry';
import { OcpiEndpoint } from '../transport/ocpi-endpoint';
import { ocpiContext, type OcpiRequestContext } from '../transport/request-context';
import { OcpiError, OcpiStatus } from '../transport/status';
import { validateBody } from '../transport/validation';
import { ClientInfoDto, type OcpiClientInfo } from './client-info.dto';
import { HubClientInfoRepository } from './hub-client-info.repository';

type ClientPath = { country_code: string; party_id: string };

function pathOf(params: ClientPath): { countryCode: string; partyId: string } {
  const countryCode = params.country_code.toUpperCase();
  const partyId = params.party_id.toUpperCase();
  if (!/^[A-Z]{2}$/.test(countryCode)) throw OcpiError.invalid('country_code: must be a CiString(2) country code');
  if (!/^[A-Z0-9]{3}$/.test(partyId)) throw OcpiError.invalid('party_id: must be a CiString(3) party id');
  return { countryCode, partyId };
}

/**
 * A configuration module (no routing headers), yet not one token A opens: only a registered hub may use it, since
 * the hub owns ClientInfo objects.
 */
function hubOf(ocpi: OcpiRequestContext): string {
  const partner = ocpi.partner!;
  if (partner.status !== 'REGISTERED' || (ocpi.tokenKind !== 'C' && ocpi.tokenKind !== 'PENDING')) {
    throw OcpiError.unauthorized('the hubclientinfo module needs the registered credentials token');
  }
  if (!partner.roles.some((r) => r.role === 'HUB')) throw new OcpiError(403, OcpiStatus.CLIENT_ERROR, `partner ${partner.id} is not a hub: only a hub sends ClientInfo`);
  return partner.id;
}

/** mod_hub_client_info receiver interface: {hubclientinfo}/{country_code}/{party_id}, PUT and GET; ClientInfo is never deleted. */
@ApiExcludeController()
@Controller(`ocpi/${OCPI_VERSION}/hubclientinfo`)
@OcpiEndpoint({ module: 'hubclientinfo', configuration: true })
export class HubClientInfoController implements OnModuleInit {
  constructor(
    private readonly clients: HubClientInfoRepository,
    private readonly registry: OcpiModuleRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register({ identifier: 'hubclientinfo', role: 'RECEIVER', path: 'hubclientinfo' });
  }

  @Get(':country_code/:party_id')
  async get(@Req() request: Request, @Param() params: ClientPath): Promise<OcpiClientInfo> {
    const hub = hubOf(ocpiContext(request));
    const { countryCode, partyId } = pathOf(params);
    const info = await this.clients.get(hub, countryCode, partyId);
    if (!info) throw new OcpiError(404, OcpiStatus.CLIENT_ERROR, `no ClientInfo of ${countryCode}/${partyId} from hub ${hub}`);
    return info;
  }

  @Put(':country_code/:party_id')
  async put(@Req() request: Request, @Param() params: ClientPath, @Body() body: unknown): Promise<undefined> {
    const hub = hubOf(ocpiContext(request));
    const { countryCode, partyId } = pathOf(params);
    const dto = validateBody(ClientInfoDto, body);
    if (dto.country_code.toUpperCase() !== countryCode) throw OcpiError.invalid(`country_code: must match the URL (${countryCode})`);
    if (dto.party_id.toUpperCase() !== partyId) throw OcpiError.invalid(`party_id: must match the URL (${partyId})`);
    await this.clients.put(hub, body as OcpiClientInfo);
    return undefined;
  }
}

/** What a hub reported about the parties behind it (admin token). */
@ApiTags('partners')
@ApiBearerAuth()
@Controller('api/v1/partners/:id/hub-clients')
export class HubClientsApiController {
  constructor(private readonly clients: HubClientInfoRepository) {}

  @Get()
  async list(@Param('id') id: string, @Query('offset') offset?: string, @Query('limit') limit?: string) {
    const from = offset === undefined ? 0 : Number(offset);
    const size = limit === undefined ? 50 : Number(limit);
    if (!Number.isInteger(from) || from < 0) throw new BadRequestException('offset: must be a non-negative integer');
    if (!Number.isInteger(size) || size < 1 || size > 500) throw new BadRequestException('limit: must be an integer from 1 to 500');
    const found = await this.clients.list(id.toUpperCase(), from, size);
    return { items: found.items.map((d) => d.clientInfo), total: found.total, offset: from, limit: size };
  }
}
