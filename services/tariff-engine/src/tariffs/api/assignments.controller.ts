import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { paging, queryChoice, queryText, type Input } from '@roamgate/runtime';
import { TARIFF_ASSIGNMENTS, type AssignmentDocument } from '../projections/documents';
import { AssignmentPage } from './dto';
import { TariffQueries } from './tariff-queries';
import { assignmentView, type AssignmentView } from './views';

@ApiTags('tariffs')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/tariff-assignments')
export class TariffAssignmentsController {
  constructor(private readonly queries: TariffQueries) {}

  @Get()
  @ApiOperation({ summary: 'Tariff assignments, latest validFrom first; filters combine with AND (roamgate tariffs assignments)' })
  @ApiQuery({ name: 'chargerId', required: false })
  @ApiQuery({ name: 'tariffId', required: false })
  @ApiQuery({ name: 'partnerId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['active', 'ended', 'all'], description: 'default active; ended ones are kept as history' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  @ApiOkResponse({ type: AssignmentPage })
  @ApiBadRequestResponse({ description: 'Invalid query parameter; the message names it' })
  list(@Query() query: Input) {
    const status = queryChoice(query, 'status', ['active', 'ended', 'all'] as const) ?? 'active';
    return this.queries.page<AssignmentDocument, AssignmentView>(
      TARIFF_ASSIGNMENTS,
      {
        chargerId: queryText(query, 'chargerId'),
        tariffId: queryText(query, 'tariffId'),
        partnerId: queryText(query, 'partnerId'),
        active: status === 'all' ? undefined : status === 'active',
      },
      { field: 'validFrom', direction: 'desc' },
      paging(query),
      assignmentView,
    );
  }
}
