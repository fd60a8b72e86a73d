import { Controller, Get, Headers, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { TimelineService } from './timeline.service';

@ApiTags('reconciliation')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/sessions')
export class TimelineController {
  constructor(private readonly timeline: TimelineService) {}

  @Get(':id/timeline')
  @ApiOperation({
    summary:
      'One time-ordered view of a session for support: OCPP frames, commands, OCPI calls, tariff, CDR, replay diff, delivery, reconciliation outcome and exceptions with owner and evidence. Composed at query time from the operations APIs of the charger gateway, the OCPI connector and the tariff engine; `sources` says which answered',
  })
  @ApiOkResponse({ description: '{ sessionId, partnerId, chargerId, cdrId, session, cdr, reconciliation, entries: [{ at, source, summary, detail }], sources }' })
  @ApiNotFoundResponse({ description: 'No service knows the session' })
  get(@Param('id') id: string, @Headers('authorization') authorization: string | undefined) {
    const token = authorization?.startsWith('Bearer ') ? authorization.slice('Bearer '.length) : undefined;
    return this.timeline.explain(id, token);
  }
}
