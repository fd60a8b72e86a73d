import { Type } from 'class-transformer';
import { ArrayMinSize, IsArray, IsIn, IsNumber, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';

/** types.asciidoc DateTime: RFC 3339 in UTC; a missing zone is read as UTC, as the spec's examples are. */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]00:00)?$/;
const dateTime = { message: 'must be an RFC 3339 date-time in UTC' };

export const TOKEN_TYPES = ['AD_HOC_USER', 'APP_USER', 'OTHER', 'RFID'] as const;
export const AUTH_METHODS = ['AUTH_REQUEST', 'COMMAND', 'WHITELIST'] as const;
export const SESSION_STATUSES = ['ACTIVE', 'COMPLETED', 'INVALID', 'PENDING', 'RESERVATION'] as const;
export const CDR_DIMENSION_TYPES = [
  'CURRENT',
  'ENERGY',
  'ENERGY_EXPORT',
  'ENERGY_IMPORT',
  'MAX_CURRENT',
  'MIN_CURRENT',
  'MAX_POWER',
  'MIN_POWER',
  'PARKING_TIME',
  'POWER',
  'RESERVATION_TIME',
  'STATE_OF_CHARGE',
  'TIME',
] as const;

/** mod_cdrs CdrToken. */
export class CdrTokenDto {
  @IsString() @Matches(/^[A-Za-z]{2}$/, { message: 'must be 2 letters' }) country_code!: string;
  @IsString() @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be 3 letters or digits' }) party_id!: string;
  @IsString() @MaxLength(36) uid!: string;
  @IsIn(TOKEN_TYPES) type!: (typeof TOKEN_TYPES)[number];
  @IsString() @MaxLength(36) contract_id!: string;
}

/** types.asciidoc Price. */
export class PriceDto {
  @IsNumber() excl_vat!: number;
  @IsOptional() @IsNumber() incl_vat?: number;
}

/** mod_cdrs CdrDimension. */
export class CdrDimensionDto {
  @IsIn(CDR_DIMENSION_TYPES) type!: (typeof CDR_DIMENSION_TYPES)[number];
  @IsNumber() volume!: number;
}

/** mod_cdrs ChargingPeriod. */
export class ChargingPeriodDto {
  @IsString() @Matches(DATE_TIME, dateTime) start_date_time!: string;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => CdrDimensionDto) dimensions!: CdrDimensionDto[];
  @IsOptional() @IsString() @MaxLength(36) tariff_id?: string;
}

/** mod_sessions Session object. */
export class SessionDto {
  @IsString() @Matches(/^[A-Za-z]{2}$/, { message: 'must be 2 letters' }) country_code!: string;
  @IsString() @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be 3 letters or digits' }) party_id!: string;
  @IsString() @MaxLength(36) id!: string;
  @IsString() @Matches(DATE_TIME, dateTime) start_date_time!: string;
  @IsOptional() @IsString() @Matches(DATE_TIME, dateTime) end_date_time?: string;
  @IsNumber() kwh!: number;
  @ValidateNested() @Type(() => CdrTokenDto) cdr_token!: CdrTokenDto;
  @IsIn(AUTH_METHODS) auth_method!: (typeof AUTH_METHODS)[number];
  @IsOptional() @IsString() @MaxLength(36) authorization_reference?: string;
  @IsString() @MaxLength(36) location_id!: string;
  @IsString() @MaxLength(36) evse_uid!: string;
  @IsString() @MaxLength(36) connector_id!: string;
  @IsOptional() @IsString() @MaxLength(255) meter_id?: string;
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code' }) currency!: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => ChargingPeriodDto) charging_periods?: ChargingPeriodDto[];
  @IsOptional() @ValidateNested() @Type(() => PriceDto) total_cost?: PriceDto;
  @IsIn(SESSION_STATUSES) status!: (typeof SESSION_STATUSES)[number];
  @IsString() @Matches(DATE_TIME, dateTime) last_updated!: string;
}

/** A PATCH of a Session: any field, last_updated always (mod_sessions, PATCH method). */
export class SessionPatchDto {
  @IsOptional() @IsString() @Matches(DATE_TIME, dateTime) end_date_time?: string;
  @IsOptional() @IsNumber() kwh?: number;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => ChargingPeriodDto) charging_periods?: ChargingPeriodDto[];
  @IsOptional() @ValidateNested() @Type(() => PriceDto) total_cost?: PriceDto;
  @IsOptional() @IsIn(SESSION_STATUSES) status?: (typeof SESSION_STATUSES)[number];
  @IsString() @Matches(DATE_TIME, dateTime) last_updated!: string;
}

export type OcpiSession = {
  country_code: string;
  party_id: string;
  id: string;
  start_date_time: string;
  end_date_time?: string;
  kwh: number;
  cdr_token: { country_code: string; party_id: string; uid: string; type: (typeof TOKEN_TYPES)[number]; contract_id: string };
  auth_method: (typeof AUTH_METHODS)[number];
  authorization_reference?: string;
  location_id: string;
  evse_uid: string;
  connector_id: string;
  currency: string;
  charging_periods: OcpiChargingPeriod[];
  status: (typeof SESSION_STATUSES)[number];
  last_updated: string;
};

export type OcpiChargingPeriod = { start_date_time: string; dimensions: { type: (typeof CDR_DIMENSION_TYPES)[number]; volume: number }[]; tariff_id?: string };
