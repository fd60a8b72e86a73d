import { ConflictException, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FieldValue, ReadModelStore } from '@roamgate/read-models';
import { DEFAULT_LIMIT, integer, MAX_LIMIT, queryChoice, queryText, READ_MODELS, type Input } from '@roamgate/runtime';
import { CdrIssuer } from './cdr-issuer';
import { CdrNotIssuedError } from './cdr.decider';
import { CDRS, type CdrDocument } from './cdr.projection';

const CDR_STATUSES: readonly CdrDocument['status'][] = ['ISSUED', 'ISSUING_FAILED'];


@ApiTags('cdrs')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/cdrs')
export class CdrsController {
  constructor(
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
    private readonly issuer: CdrIssuer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'CDRs, latest issued first, each with its OCPI 2.2.1 CDR object and replay status; filters combine with AND' })
  @ApiQuery({ name: 'sessionId', required: false })
  @ApiQuery({ name: 'chargerId', required: false })
  @ApiQuery({ name: 'partnerId', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['ISSUED', 'ISSUING_FAILED'] })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: `1-${MAX_LIMIT}, default ${DEFAULT_LIMIT}` })
  @ApiOkResponse({ description: '{ items, total, offset, limit }' })
  @ApiBadRequestResponse({ description: 'Invalid query parameter; the message names it' })
  async list(@Query() query: Input) {
    const where: Record<string, FieldValue> = {};
    for (const field of ['sessionId', 'chargerId', 'partnerId'] as const) {
      const value = queryText(query, field);
      if (value !== undefined) where[field] = value;
    }
    const status = queryChoice(query, 'status', CDR_STATUSES);
    if (status !== undefined) where['status'] = status;
    const offset = integer(query, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = integer(query, 'limit', 1, MAX_LIMIT, DEFAULT_LIMIT);
    const found = await this.store.find<CdrDocument>(CDRS, { where, sort: { field: 'issuedAt', direction: 'desc' }, offset, limit });
    return { items: found.items.map((doc) => doc.data), total: found.total, offset, limit };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One CDR: the OCPI 2.2.1 CDR object as issued, its anomalies, replay and delivery status' })
  @ApiOkResponse({ description: 'The CDR document' })
  @ApiNotFoundResponse({ description: 'No such CDR (the read model is asynchronous: a fresh CDR may take a moment)' })
  async get(@Param('id') id: string) {
    const doc = await this.store.get<CdrDocument>(CDRS, id);
    if (doc === undefined) throw new NotFoundException(`CDR ${id} not found`);
    return doc.data;
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Recompute the CDR from its session events and the tariff versions in force at start; field-by-field diff (roamgate tariff replay)' })
  @ApiOkResponse({ description: '{ cdrId, sessionId, matches, diffs: [{ field, issued, replayed }], tariffs, replayedAt, replayed }' })
  @ApiNotFoundResponse({ description: 'No such CDR' })
  @ApiConflictResponse({ description: 'The CDR was never issued (its issuing failed)' })
  async replay(@Param('id') id: string) {
    try {
      return await this.issuer.replay(id);
    } catch (error) {
      if (error instanceof CdrNotIssuedError) {
        if (error.status === 'none') throw new NotFoundException(error.message);
        throw new ConflictException(error.message);
      }
      throw error;
    }
  }
}
