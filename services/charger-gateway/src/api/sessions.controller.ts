import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { paging, queryChoice, queryText, type Input } from '@roamgate/runtime';
import { SESSIONS, type SessionDocument } from '../projections/documents';
import { OcppMessagePage, SessionPage, SessionView } from './dto';
import { ReadModelQueries } from './queries';

const asIs = (doc: SessionDocument) => doc;

@ApiTags('sessions')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/sessions')
export class SessionsController {
  constructor(private readonly queries: ReadModelQueries) {}

  @Get()
  @ApiOperation({ summary: 'Sessions, latest start first; vendor, model and firmware are the charger mix at the start' })
  @ApiQuery({ name: 'chargerId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['ACTIVE', 'COMPLETED'] })
  @ApiQuery({ name: 'vendor', required: false })
  @ApiQuery({ name: 'model', required: false })
  @ApiQuery({ name: 'firmwareVersion', required: false })
  @ApiQuery({ name: 'partnerId', required: false })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  @ApiOkResponse({ type: SessionPage })
  @ApiBadRequestResponse({ description: 'Invalid query parameter; the message names it' })
  list(@Query() query: Input) {
    return this.queries.page(
      SESSIONS,
      {
        chargerId: queryText(query, 'chargerId'),
        status: queryChoice(query, 'status', ['ACTIVE', 'COMPLETED'] as const),
        vendor: queryText(query, 'vendor'),
        model: queryText(query, 'model'),
        firmwareVersion: queryText(query, 'firmwareVersion'),
        partnerId: queryText(query, 'partnerId'),
      },
      { field: 'startedAt', direction: 'desc' },
      paging(query),
      asIs,
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'One session: meter readings, energy (decimal Wh), stop reason, anomalies' })
  @ApiOkResponse({ type: SessionView })
  @ApiNotFoundResponse({ description: 'No such session' })
  get(@Param('id') id: string) {
    return this.queries.require<SessionDocument>(SESSIONS, id, 'session');
  }

  @Get(':id/messages')
  @ApiOperation({ summary: 'The OCPP frames that belong to the session, by time then log position' })
  @ApiQuery({ name: 'order', required: false, enum: ['asc', 'desc'] })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: OcppMessagePage })
  @ApiNotFoundResponse({ description: 'No such session' })
  async messages(@Param('id') id: string, @Query() query: Input) {
    const page = paging(query);
    const direction = queryChoice(query, 'order', ['asc', 'desc'] as const) ?? 'asc';
    await this.queries.require<SessionDocument>(SESSIONS, id, 'session');
    return this.queries.messages({ sessionId: id }, direction, page);
  }
}
