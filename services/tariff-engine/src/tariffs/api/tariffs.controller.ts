import { Body, Controller, Delete, Get, NotFoundException, Param, Post, Put, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  objectBody,
  optionalInteger,
  optionalString,
  optionalTime,
  paging,
  queryChoice,
  queryText,
  requiredString,
  type Input,
} from '@roamgate/runtime';
import { TARIFF_VERSIONS, TARIFFS, type TariffDocument, type TariffVersionDocument } from '../projections/documents';
import { TariffService } from '../tariff.service';
import { AssignmentBody, AssignmentResult, AssignmentView, OcpiTariffBody, PublishedTariff, TariffPage, TariffVersionPage, TariffView as TariffViewDto } from './dto';
import { TariffQueries } from './tariff-queries';
import { tariffIdOf } from './validation';
import { assignmentViewOfState, tariffView, tariffViewOfState, versionView, type TariffView } from './views';

/** Just what the handlers need of express's Response. */
interface StatusResponse {
  status(code: number): unknown;
  location(url: string): unknown;
}

@ApiTags('tariffs')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/tariffs')
export class TariffsController {
  constructor(
    private readonly tariffs: TariffService,
    private readonly queries: TariffQueries,
  ) {}

  @Put(':id')
  @ApiOperation({ summary: 'Publish a tariff or a new version of it (roamgate tariffs put)', description: 'Versions are named by last_updated: a PUT must carry a later last_updated than the stored version, unless it is that version unchanged.' })
  @ApiBody({ type: OcpiTariffBody, description: 'OCPI 2.2.1 Tariff object' })
  @ApiCreatedResponse({ type: PublishedTariff, description: 'First version of the tariff' })
  @ApiOkResponse({ type: PublishedTariff, description: 'A new version, or the stored one again (outcome: unchanged)' })
  @ApiBadRequestResponse({ description: 'Invalid tariff; message and issues name each field, e.g. elements[0].price_components[0].step_size' })
  @ApiConflictResponse({ description: 'last_updated is not later than the stored version, or the tariff id belongs to another party' })
  async put(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) response: StatusResponse) {
    const { outcome, state } = await this.tariffs.publish(tariffIdOf(id), objectBody(body));
    response.status(outcome === 'created' ? 201 : 200);
    if (outcome === 'created') response.location(`/api/v1/tariffs/${encodeURIComponent(id)}`);
    return { ...tariffViewOfState(state), outcome };
  }

  @Get()
  @ApiOperation({ summary: 'Tariffs in their current version, by id' })
  @ApiQuery({ name: 'countryCode', required: false })
  @ApiQuery({ name: 'partyId', required: false })
  @ApiQuery({ name: 'deleted', required: false, enum: ['false', 'true', 'all'], description: 'default false' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  @ApiOkResponse({ type: TariffPage })
  @ApiBadRequestResponse({ description: 'Invalid query parameter; the message names it' })
  list(@Query() query: Input) {
    const deleted = queryChoice(query, 'deleted', ['false', 'true', 'all'] as const) ?? 'false';
    return this.queries.page<TariffDocument, TariffView>(
      TARIFFS,
      { countryCode: queryText(query, 'countryCode'), partyId: queryText(query, 'partyId'), deleted: deleted === 'all' ? undefined : deleted === 'true' },
      { field: 'tariffId', direction: 'asc' },
      paging(query),
      tariffView,
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'The current version of a tariff' })
  @ApiOkResponse({ type: TariffViewDto })
  @ApiNotFoundResponse({ description: 'No such tariff, or it was deleted (its versions stay readable); projections are asynchronous: a fresh PUT may take a moment' })
  async get(@Param('id') id: string) {
    const doc = await this.queries.require<TariffDocument>(TARIFFS, id, 'tariff');
    if (doc.deleted) throw new NotFoundException(`tariff ${id} was deleted at ${doc.deletedAt}; its versions stay readable at /api/v1/tariffs/${encodeURIComponent(id)}/versions`);
    return tariffView(doc);
  }

  @Get(':id/versions')
  @ApiOperation({ summary: 'Every stored version of a tariff, deleted tariffs included' })
  @ApiQuery({ name: 'order', required: false, enum: ['desc', 'asc'], description: 'by last_updated; desc (default): newest first' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: TariffVersionPage })
  @ApiNotFoundResponse({ description: 'No such tariff' })
  async versions(@Param('id') id: string, @Query() query: Input) {
    const page = paging(query);
    const direction = queryChoice(query, 'order', ['asc', 'desc'] as const) ?? 'desc';
    await this.queries.require<TariffDocument>(TARIFFS, id, 'tariff');
    return this.queries.page<TariffVersionDocument, ReturnType<typeof versionView>>(TARIFF_VERSIONS, { tariffId: id }, { field: 'order', direction }, page, versionView);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Delete a tariff: its assignments end now; its versions stay for CDR replay' })
  @ApiOkResponse({ type: TariffViewDto })
  @ApiNotFoundResponse({ description: 'No such tariff' })
  async delete(@Param('id') id: string) {
    const { state } = await this.tariffs.delete(tariffIdOf(id));
    return tariffViewOfState(state);
  }

  @Post(':id/assignments')
  @ApiOperation({ summary: 'Assign the tariff to a charger, EVSE or connector, for every partner or one (roamgate tariffs assign)', description: 'An active assignment of this tariff to the same target with another time zone or validFrom is replaced; the same again changes nothing.' })
  @ApiBody({ type: AssignmentBody })
  @ApiCreatedResponse({ type: AssignmentResult })
  @ApiOkResponse({ type: AssignmentResult, description: 'The same assignment already existed' })
  @ApiBadRequestResponse({ description: 'Invalid field; the message names it' })
  @ApiNotFoundResponse({ description: 'No such tariff' })
  @ApiConflictResponse({ description: 'The tariff is deleted' })
  async assign(@Param('id') id: string, @Body() body: unknown, @Res({ passthrough: true }) response: StatusResponse) {
    const input = objectBody(body);
    const evseId = optionalInteger(input, 'evseId');
    const connectorId = optionalInteger(input, 'connectorId');
    const partnerId = optionalString(input, 'partnerId');
    const validFrom = optionalTime(input, 'validFrom');
    const { created, assignment } = await this.tariffs.assign(tariffIdOf(id), {
      target: {
        chargerId: requiredString(input, 'chargerId', 'the OCPP charge point identity'),
        ...(evseId === undefined ? {} : { evseId }),
        ...(connectorId === undefined ? {} : { connectorId }),
        ...(partnerId === undefined ? {} : { partnerId }),
      },
      timeZone: requiredString(input, 'timeZone', 'the IANA time zone of the location, e.g. Europe/Amsterdam'),
      ...(validFrom === undefined ? {} : { validFrom }),
    });
    response.status(created ? 201 : 200);
    return { ...assignmentViewOfState(id, assignment), created };
  }

  @Delete(':id/assignments/:assignmentId')
  @ApiOperation({ summary: 'End an assignment now; sessions that started before keep the tariff' })
  @ApiOkResponse({ type: AssignmentView })
  @ApiNotFoundResponse({ description: 'No such tariff or assignment' })
  async unassign(@Param('id') id: string, @Param('assignmentId') assignmentId: string) {
    const { assignment } = await this.tariffs.unassign(tariffIdOf(id), assignmentId);
    return assignmentViewOfState(id, assignment);
  }
}
