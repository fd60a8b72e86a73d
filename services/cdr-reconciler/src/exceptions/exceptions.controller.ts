import { BadRequestException, Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
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
import { choice, integer, objectBody, text, type Input } from '@roamgate/runtime';
import { partnerId } from '../api-input';
import { EXCEPTION_TYPES, OWNERS, STATUSES } from '../recon-events';
import { ExceptionService } from './exception.service';

@ApiTags('reconciliation')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/recon/exceptions')
export class ExceptionsController {
  constructor(private readonly exceptions: ExceptionService) {}

  @Get()
  @ApiOperation({ summary: 'The exception queue, newest first; filters combine with AND' })
  @ApiQuery({ name: 'partner', required: false, description: 'partner id, e.g. NL-EMS' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'type', required: false, enum: EXCEPTION_TYPES })
  @ApiQuery({ name: 'owner', required: false, enum: OWNERS })
  @ApiQuery({ name: 'sessionId', required: false })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number, description: '1-500, default 50' })
  @ApiOkResponse({ description: '{ items, total, offset, limit }' })
  @ApiBadRequestResponse({ description: 'Invalid query parameter; the message names it' })
  list(@Query() query: Input) {
    const partner = text(query, 'partner');
    const filter = {
      ...(partner === undefined ? {} : { partnerId: partnerId(partner) }),
      status: choice(query, 'status', STATUSES),
      type: choice(query, 'type', EXCEPTION_TYPES),
      owner: choice(query, 'owner', OWNERS),
      sessionId: text(query, 'sessionId'),
    };
    return this.exceptions.list(filter, integer(query, 'offset', 0, Number.MAX_SAFE_INTEGER, 0), integer(query, 'limit', 1, 500, 50));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One exception: type, owner, the rule and facts that decided it, its workflow history' })
  @ApiNotFoundResponse({ description: 'No such exception' })
  get(@Param('id') id: string) {
    return this.exceptions.get(id);
  }

  @Post(':id/investigate')
  @HttpCode(200)
  @ApiOperation({ summary: 'OPEN -> INVESTIGATING; body { note? }' })
  @ApiConflictResponse({ description: 'The exception is not OPEN' })
  @ApiNotFoundResponse({ description: 'No such exception' })
  investigate(@Param('id') id: string, @Body() body: unknown) {
    const input = objectBody(body, { absentAsEmpty: true });
    const note = text(input, 'note', { max: 2000 });
    return this.exceptions.investigate(id, { ...(note === undefined ? {} : { note }), by: text(input, 'by') ?? 'api' });
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @ApiOperation({ summary: 'OPEN or INVESTIGATING -> RESOLVED; body { resolution, note }' })
  @ApiBadRequestResponse({ description: 'resolution or note missing' })
  @ApiConflictResponse({ description: 'The exception is already RESOLVED or ACCEPTED' })
  @ApiNotFoundResponse({ description: 'No such exception' })
  resolve(@Param('id') id: string, @Body() body: unknown) {
    const input = objectBody(body, { absentAsEmpty: true });
    const resolution = text(input, 'resolution', { required: true, max: 200 })!;
    const note = text(input, 'note', { required: true, max: 2000 })!;
    return this.exceptions.resolve(id, { resolution, note, by: text(input, 'by') ?? 'api' });
  }

  @Post(':id/accept')
  @HttpCode(200)
  @ApiOperation({ summary: 'OPEN or INVESTIGATING -> ACCEPTED (the difference is accepted as is); body { note }' })
  @ApiBadRequestResponse({ description: 'note missing' })
  @ApiConflictResponse({ description: 'The exception is already RESOLVED or ACCEPTED' })
  @ApiNotFoundResponse({ description: 'No such exception' })
  accept(@Param('id') id: string, @Body() body: unknown) {
    const input = objectBody(body, { absentAsEmpty: true });
    const note = text(input, 'note', { required: true, max: 2000 });
    if (note === undefined) throw new BadRequestException('note: is required');
    return this.exceptions.accept(id, { note, by: text(input, 'by') ?? 'api' });
  }
}
