import { Body, Controller, Get, OnModuleInit, Param, Patch, Put, Query, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { OCPI_VERSION, OcpiModuleRegistry } from '../transport/module-registry';
import { OcpiEndpoint } from '../transport/ocpi-endpoint';
import { ocpiContext } from '../transport/request-context';
import { TokensService } from './tokens.service';

type TokenPath = { country_code: string; party_id: string; token_uid: string };
const pathOf = (params: TokenPath) => ({ countryCode: params.country_code, partyId: params.party_id, uid: params.token_uid });

/** mod_tokens receiver interface: {tokens}/{country_code}/{party_id}/{token_uid}[?type=RFID]. */
@ApiExcludeController()
@Controller(`ocpi/${OCPI_VERSION}/tokens`)
@OcpiEndpoint({ module: 'tokens' })
export class TokensController implements OnModuleInit {
  constructor(
    private readonly tokens: TokensService,
    private readonly registry: OcpiModuleRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register({ identifier: 'tokens', role: 'RECEIVER', path: 'tokens' });
  }

  @Get(':country_code/:party_id/:token_uid')
  get(@Req() request: Request, @Param() params: TokenPath, @Query('type') type: unknown) {
    return this.tokens.get(ocpiContext(request), pathOf(params), type);
  }

  @Put(':country_code/:party_id/:token_uid')
  async put(@Req() request: Request, @Param() params: TokenPath, @Query('type') type: unknown, @Body() body: unknown) {
    await this.tokens.put(ocpiContext(request), pathOf(params), type, body);
    return undefined;
  }

  @Patch(':country_code/:party_id/:token_uid')
  async patch(@Req() request: Request, @Param() params: TokenPath, @Query('type') type: unknown, @Body() body: unknown) {
    await this.tokens.patch(ocpiContext(request), pathOf(params), type, body);
    return undefined;
  }
}
