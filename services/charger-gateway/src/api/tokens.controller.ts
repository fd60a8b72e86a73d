import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import { TOKEN_CACHE, type CachedToken } from '../ocpp/token-authorizer';

/**
 * What the gateway would answer a charger's Authorize from: its copy of the tokens eMSPs pushed to the OCPI
 * connector. Support reads it to explain an acceptance or refusal; it lags the connector by one bus hop.
 */
@ApiTags('chargers')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/token-cache')
export class TokenCacheController {
  constructor(@Inject(READ_MODELS) private readonly readModels: ReadModelStore) {}

  @Get(':uid')
  @ApiOperation({ summary: "The gateway's cached tokens with this uid (any type, any eMSP); an empty list when it has none" })
  @ApiOkResponse({ description: '{ uid, tokens: [{ partnerId, uid, type, valid, whitelist, contractId }] }' })
  async get(@Param('uid') uid: string): Promise<{ uid: string; tokens: CachedToken[] }> {
    const found = await this.readModels.find<CachedToken>(TOKEN_CACHE.name, { where: { uid }, limit: 20 });
    return { uid, tokens: found.items.map((d) => d.data) };
  }
}
