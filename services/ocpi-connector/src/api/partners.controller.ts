import { BadRequestException, Body, ConflictException, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min } from 'class-validator';
import { isOcpiDomainError, PARTY_ROLES, type PartyRoleName } from '@roamgate/domain-ocpi';
import { CredentialsService } from '../ocpi/credentials/credentials.service';
import { CallRecorder } from '../ocpi/transport/call-recorder';
import { partnerView } from '../partners/partner-documents';
import { PartnerRepository } from '../partners/partner.repository';
import { apiBody } from './api-input';

export class InviteBody {
  @IsString() @Matches(/^[A-Za-z]{2}$/, { message: 'must be 2 letters' }) countryCode!: string;
  @IsString() @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be 3 letters or digits' }) partyId!: string;
  @IsIn(PARTY_ROLES) role!: PartyRoleName;
  @IsOptional() @IsString() @MaxLength(100) name?: string;
  @IsOptional() @IsBoolean() acceptsUnencodedTokens?: boolean;
}

export class RegisterBody extends InviteBody {
  @IsUrl({ require_protocol: true, require_tld: false, protocols: ['http', 'https'] }) versionsUrl!: string;
  @IsString() @MaxLength(64) @Matches(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII' }) token!: string;
}

class PageParams {
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) offset?: number;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @IsOptional() @IsIn(['INBOUND', 'OUTBOUND']) direction?: 'INBOUND' | 'OUTBOUND';
  @IsOptional() @IsString() sessionId?: string;
}

async function domain<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isOcpiDomainError(error, 'INVALID_PARTY') || isOcpiDomainError(error, 'INVALID_CREDENTIALS')) throw new BadRequestException(error.message);
    if (isOcpiDomainError(error)) throw new ConflictException(error.message);
    throw error;
  }
}

/** Operations API for OCPI partners (admin token, see AdminGuard). */
@ApiTags('partners')
@ApiBearerAuth()
@Controller('api/v1/partners')
export class PartnersController {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly partners: PartnerRepository,
    private readonly calls: CallRecorder,
  ) {}

  /** Issues token A for a party to register with us; the token is in this answer only. */
  @Post('invitations')
  invite(@Body() input: unknown) {
    return domain(() => this.credentials.invite(apiBody(InviteBody, input)));
  }

  /** Registers with a partner from the token A and versions URL it gave us. */
  @Post('registrations')
  register(@Body() input: unknown) {
    return domain(() => this.credentials.register(apiBody(RegisterBody, input)));
  }

  @Get()
  async list(@Query() query: Record<string, unknown>) {
    const page = apiBody(PageParams, query, 'query');
    const offset = page.offset ?? 0;
    const limit = page.limit ?? 50;
    const found = await this.partners.list(offset, limit);
    return { items: found.items.map(partnerView), total: found.total, offset, limit };
  }

  @Get(':id')
  async show(@Param('id') id: string) {
    const partner = await this.partners.get(id.toUpperCase());
    if (!partner) throw new NotFoundException(`no partner ${id}`);
    return partnerView(partner);
  }

  /** Every OCPI call with the partner, newest first; `sessionId` narrows to one charging session. */
  @Get(':id/calls')
  async callsOf(@Param('id') id: string, @Query() query: Record<string, unknown>) {
    const page = apiBody(PageParams, query, 'query');
    const offset = page.offset ?? 0;
    const limit = page.limit ?? 50;
    const found = await this.calls.list(id.toUpperCase(), offset, limit, { ...(page.direction ? { direction: page.direction } : {}), ...(page.sessionId ? { sessionId: page.sessionId } : {}) });
    return { items: found.items, total: found.total, offset, limit };
  }

  /** Rotates the token the partner presents to us (PUT on its credentials endpoint); it answers with a new one for us. */
  @Post(':id/rotate')
  @HttpCode(200)
  rotate(@Param('id') id: string) {
    return domain(() => this.credentials.rotate(id.toUpperCase()));
  }

  @Delete(':id')
  remove(@Param('id') id: string) {
    return domain(() => this.credentials.remove(id.toUpperCase()));
  }
}
