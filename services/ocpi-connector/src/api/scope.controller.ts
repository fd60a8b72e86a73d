import { BadRequestException, Body, Controller, Get, NotFoundException, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { IsArray, IsOptional, IsString, MaxLength } from 'class-validator';
import { ScopeError } from '@roamgate/domain-ocpi';
import { ScopeService, UnknownPartnerError } from '../ocpi/scope/scope.service';
import { PartnerRepository } from '../partners/partner.repository';
import { apiBody } from './api-input';

export class ScopeBody {
  @IsOptional() @IsArray() @IsString({ each: true }) evse_uids?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) location_ids?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) charger_ids?: string[];
  @IsOptional() @IsString() @MaxLength(500) reason?: string;
}

/** A partner's launch scope (admin token): the EVSEs it sees and may command. */
@ApiTags('partners')
@ApiBearerAuth()
@Controller('api/v1/partners/:id/scope')
export class ScopeController {
  constructor(
    private readonly scopes: ScopeService,
    private readonly partners: PartnerRepository,
  ) {}

  @Put()
  async set(@Param('id') partnerId: string, @Body() input: unknown) {
    const b = apiBody(ScopeBody, input);
    try {
      const { scope, changed } = await this.scopes.set({
        partnerId,
        evseUids: b.evse_uids ?? [],
        locationIds: b.location_ids ?? [],
        chargerIds: b.charger_ids ?? [],
        by: 'api',
        reason: b.reason ?? '',
        planId: '',
        sourceEventId: '',
        now: new Date(),
      });
      return { ...view(scope), changed };
    } catch (error) {
      if (error instanceof UnknownPartnerError) throw new NotFoundException(error.message);
      if (error instanceof ScopeError) throw new BadRequestException(error.message);
      throw error;
    }
  }

  @Get()
  async get(@Param('id') partnerId: string) {
    if (!(await this.partners.get(partnerId))) throw new NotFoundException(`unknown partner ${partnerId}`);
    return view(await this.scopes.get(partnerId));
  }
}

function view(scope: Awaited<ReturnType<ScopeService['get']>>) {
  return {
    set: scope.set,
    evse_uids: scope.evseUids,
    location_ids: scope.locationIds,
    charger_ids: scope.chargerIds,
    changed_by: scope.changedBy,
    reason: scope.reason,
    plan_id: scope.planId,
    updated_at: scope.updatedAt ?? null,
  };
}
