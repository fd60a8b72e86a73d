import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
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
import type { Response } from 'express';
import { objectBody, optionalString, optionalStrings, paging, queryBoolean, queryChoice, queryText, type Input } from '@roamgate/runtime';
import { CHARGERS, type ChargerDocument } from '../projections/documents';
import { ChargerRegistry } from './charger-registry';
import { ChargerPage, ChargerView, OcppMessagePage, RegisterChargerBody, RegisteredCharger } from './dto';
import { ReadModelQueries } from './queries';
import { chargerIdentity } from './validation';

@ApiTags('chargers')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/chargers')
export class ChargersController {
  constructor(
    private readonly registry: ChargerRegistry,
    private readonly queries: ReadModelQueries,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register a charger so it may connect (roamgate chargers add)' })
  @ApiBody({ type: RegisterChargerBody })
  @ApiCreatedResponse({ type: RegisteredCharger })
  @ApiBadRequestResponse({ description: 'Invalid field; the message names it' })
  @ApiConflictResponse({ description: 'The charger is already registered' })
  async register(@Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    const input = objectBody(body);
    const id = chargerIdentity(input['id']);
    const password = optionalString(input, 'password', 40);
    const locationId = optionalString(input, 'locationId', 36);
    const tags = optionalStrings(input, 'tags', 50, 64);
    const registered = await this.registry.register({
      id,
      ...(password === undefined ? {} : { password }),
      ...(locationId === undefined ? {} : { locationId }),
      ...(tags === undefined ? {} : { tags }),
    });
    response.location(`/api/v1/chargers/${encodeURIComponent(id)}`);
    return registered;
  }

  @Get()
  @ApiOperation({ summary: 'Chargers, by id; filters combine with AND' })
  @ApiQuery({ name: 'vendor', required: false })
  @ApiQuery({ name: 'model', required: false })
  @ApiQuery({ name: 'firmwareVersion', required: false })
  @ApiQuery({ name: 'connected', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'registered', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  @ApiOkResponse({ type: ChargerPage })
  @ApiBadRequestResponse({ description: 'Invalid query parameter; the message names it' })
  async list(@Query() query: Input) {
    const page = await this.queries.page<ChargerDocument, ChargerDocument>(
      CHARGERS,
      {
        vendor: queryText(query, 'vendor'),
        model: queryText(query, 'model'),
        firmwareVersion: queryText(query, 'firmwareVersion'),
        connected: queryBoolean(query, 'connected'),
        registered: queryBoolean(query, 'registered'),
      },
      undefined,
      paging(query),
      (doc) => doc,
    );
    return { ...page, items: await Promise.all(page.items.map((doc) => this.queries.charger(doc))) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One charger: connectivity, boot data, status per EVSE/connector' })
  @ApiOkResponse({ type: ChargerView })
  @ApiNotFoundResponse({ description: 'No such charger (projections are asynchronous: a fresh registration may take a moment)' })
  async get(@Param('id') id: string) {
    return this.queries.charger(await this.queries.require<ChargerDocument>(CHARGERS, id, 'charger'));
  }

  @Get(':id/messages')
  @ApiOperation({ summary: "The charger's OCPP message log, by time then log position" })
  @ApiQuery({ name: 'order', required: false, enum: ['asc', 'desc'], description: 'asc (default): oldest first' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: OcppMessagePage })
  @ApiNotFoundResponse({ description: 'No such charger' })
  async messages(@Param('id') id: string, @Query() query: Input) {
    const page = paging(query);
    const direction = queryChoice(query, 'order', ['asc', 'desc'] as const) ?? 'asc';
    await this.queries.require<ChargerDocument>(CHARGERS, id, 'charger');
    return this.queries.messages({ chargerId: id }, direction, page);
  }
}
