import { BadRequestException, Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { isChargingDomainError } from '@roamgate/domain-charging';
import type { Response } from 'express';
import { objectBody, optionalNumber, optionalString, paging, queryChoice, queryText, type Input } from '@roamgate/runtime';
import { COMMAND_KINDS, CommandService } from '../commands/command.service';
import {
  CHARGERS,
  COMMAND_STATUSES,
  COMMANDS,
  SESSIONS,
  type ChargerDocument,
  type CommandDocument,
  type SessionDocument,
} from '../projections/documents';
import { ChargerRegistry } from './charger-registry';
import { CommandAccepted, CommandPage, CommandRequestBody, CommandView, OcppMessagePage } from './dto';
import { commandView, ReadModelQueries } from './queries';
import { chargerIdentity } from './validation';

const CONTROL_FIELDS = new Set(['kind', 'timeoutSeconds', 'requestedBy']);

@ApiTags('commands')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1')
export class CommandsController {
  constructor(
    private readonly commands: CommandService,
    private readonly registry: ChargerRegistry,
    private readonly queries: ReadModelQueries,
  ) {}

  @Post('chargers/:id/commands')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a command to a charger (roamgate chargers command)',
    description:
      'Every body field other than kind, timeoutSeconds and requestedBy is the proto JSON of the kind (see proto/roamgate/v1/command.proto), ' +
      'e.g. {"kind":"START_SESSION","idToken":{"id":"04A2B3C4"},"connectorId":1}. STOP_SESSION takes sessionId or transactionId and looks up the other. ' +
      'The answer only says the command was recorded; follow it with GET /api/v1/commands/{commandId}.',
  })
  @ApiBody({ type: CommandRequestBody })
  @ApiAcceptedResponse({ type: CommandAccepted })
  @ApiBadRequestResponse({ description: 'Unknown kind or invalid payload field; the message names it' })
  @ApiNotFoundResponse({ description: 'No such charger' })
  async request(@Param('id') chargerId: string, @Body() body: unknown, @Res({ passthrough: true }) response: Response) {
    chargerIdentity(chargerId, 'charger id');
    const input = objectBody(body);
    if (typeof input['kind'] !== 'string') throw new BadRequestException(`kind: is required, one of ${COMMAND_KINDS.join(', ')}`);
    const kind = queryChoice(input, 'kind', COMMAND_KINDS)!;
    const timeoutSeconds = optionalNumber(input, 'timeoutSeconds', { min: 0, max: 3600, exclusiveMin: true });
    const requestedBy = optionalString(input, 'requestedBy', 128);
    let payload: Record<string, unknown> = Object.fromEntries(Object.entries(input).filter(([field]) => !CONTROL_FIELDS.has(field)));
    if (!(await this.chargerKnown(chargerId))) throw new NotFoundException(`charger ${chargerId} not found`);
    if (kind === 'STOP_SESSION') payload = await this.stopTarget(chargerId, payload);
    try {
      const { commandId } = await this.commands.request({
        chargerId,
        kind,
        payload,
        origin: 'API',
        ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
        ...(requestedBy === undefined ? {} : { requestedBy }),
      });
      response.location(`/api/v1/commands/${commandId}`);
      return { commandId };
    } catch (error) {
      if (isChargingDomainError(error, 'INVALID_COMMAND') || isChargingDomainError(error, 'INVALID_PAYLOAD')) {
        throw new BadRequestException(error.message);
      }
      throw error;
    }
  }

  @Get('commands')
  @ApiOperation({ summary: 'Commands, latest first; vendor, model and firmware are the charger mix when requested' })
  @ApiQuery({ name: 'chargerId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: COMMAND_STATUSES })
  @ApiQuery({ name: 'kind', required: false, enum: COMMAND_KINDS })
  @ApiQuery({ name: 'vendor', required: false })
  @ApiQuery({ name: 'model', required: false })
  @ApiQuery({ name: 'firmwareVersion', required: false })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  @ApiOkResponse({ type: CommandPage })
  @ApiBadRequestResponse({ description: 'Invalid query parameter; the message names it' })
  list(@Query() query: Input) {
    return this.queries.page<CommandDocument, ReturnType<typeof commandView>>(
      COMMANDS,
      {
        chargerId: queryText(query, 'chargerId'),
        status: queryChoice(query, 'status', COMMAND_STATUSES),
        kind: queryChoice(query, 'kind', COMMAND_KINDS),
        vendor: queryText(query, 'vendor'),
        model: queryText(query, 'model'),
        firmwareVersion: queryText(query, 'firmwareVersion'),
      },
      { field: 'requestedAt', direction: 'desc' },
      paging(query),
      commandView,
    );
  }

  @Get('commands/:id')
  @ApiOperation({ summary: 'One command: status, OCPI result, timing, answer' })
  @ApiOkResponse({ type: CommandView })
  @ApiNotFoundResponse({ description: 'No such command (yet: projections are asynchronous)' })
  async get(@Param('id') id: string) {
    return commandView(await this.requireCommand(id));
  }

  @Get('commands/:id/messages')
  @ApiOperation({ summary: 'The OCPP frames that carried or answered the command' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: OcppMessagePage })
  @ApiNotFoundResponse({ description: 'No such command' })
  async messages(@Param('id') id: string, @Query() query: Input) {
    const page = paging(query);
    await this.requireCommand(id);
    return this.queries.messages({ commandId: id }, 'asc', page);
  }

  /** A document made only from a session naming the command is not a command yet. */
  private async requireCommand(id: string): Promise<CommandDocument> {
    const doc = await this.queries.find<CommandDocument>(COMMANDS, id);
    if (doc === undefined || doc.kind === null) throw new NotFoundException(`command ${id} not found`);
    return doc;
  }

  private async chargerKnown(chargerId: string): Promise<boolean> {
    return (await this.queries.find<ChargerDocument>(CHARGERS, chargerId)) !== undefined || this.registry.exists(chargerId);
  }

  /** OCPP stops a transaction, operators think in sessions: whichever is given, the other is looked up. */
  private async stopTarget(chargerId: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> {
    const sessionId = typeof payload['sessionId'] === 'string' ? payload['sessionId'] : '';
    const transactionId = typeof payload['transactionId'] === 'string' ? payload['transactionId'] : '';
    if (sessionId === '' && transactionId === '') throw new BadRequestException('sessionId: STOP_SESSION needs sessionId or transactionId');
    if (sessionId !== '') {
      const session = await this.queries.find<SessionDocument>(SESSIONS, sessionId);
      if (session === undefined) throw new BadRequestException(`sessionId: no session ${sessionId}`);
      if (session.chargerId !== chargerId) throw new BadRequestException(`sessionId: session ${sessionId} is on charger ${session.chargerId}, not ${chargerId}`);
      return transactionId === '' ? { ...payload, transactionId: session.transactionId } : payload;
    }
    // A session the read model has not caught up with yet is still stopped by its transaction id.
    const session = await this.queries.findOne<SessionDocument>(SESSIONS, { chargerId, transactionId });
    return session === undefined ? payload : { ...payload, sessionId: session.id };
  }
}
