import { ConflictException, Controller, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { apiBody } from '../../api/api-input';
import { Outbox, OutboxEntryNotDeadError, OutboxEntryNotFoundError } from './outbox';
import type { OutboxStatus } from './outbox-entry';

class OutboxQuery {
  @IsOptional() @IsIn(['pending', 'dead', 'delivered']) status?: OutboxStatus;
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

/** The push outbox of a partner: what waits, what was dead-lettered, and a retry for the latter (admin token). */
@ApiTags('partners')
@ApiBearerAuth()
@Controller('api/v1/partners/:id/outbox')
export class OutboxController {
  constructor(private readonly outbox: Outbox) {}

  @Get()
  async list(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    const params = apiBody(OutboxQuery, query, 'query');
    const offset = params.offset ?? 0;
    const limit = params.limit ?? 50;
    const found = await this.outbox.list(id.toUpperCase(), params.status, offset, limit);
    return { items: found.items, total: found.total, offset, limit };
  }

  @Post(':entryId/retry')
  @HttpCode(200)
  async retry(@Param('id') id: string, @Param('entryId') entryId: string) {
    try {
      return await this.outbox.retry(id.toUpperCase(), entryId);
    } catch (error) {
      if (error instanceof OutboxEntryNotFoundError) throw new NotFoundException(error.message);
      if (error instanceof OutboxEntryNotDeadError) throw new ConflictException(error.message);
      throw error;
    }
  }
}
