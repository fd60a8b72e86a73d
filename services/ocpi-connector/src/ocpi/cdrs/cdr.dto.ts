import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsNumber, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { GeoLocationDto } from '../common.dto';
import { AUTH_METHODS, CdrTokenDto, ChargingPeriodDto, DATE_TIME, PriceDto } from '../sessions/session.dto';

const dateTime = { message: 'must be an RFC 3339 date-time in UTC' };

/** mod_cdrs CdrLocation. */
export class CdrLocationDto {
  @IsString() @MaxLength(36) id!: string;
  @IsOptional() @IsString() @MaxLength(255) name?: string;
  @IsString() @MaxLength(45) address!: string;
  @IsString() @MaxLength(45) city!: string;
  @IsOptional() @IsString() @MaxLength(10) postal_code?: string;
  @IsOptional() @IsString() @MaxLength(20) state?: string;
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 3166-1 alpha-3 code' }) country!: string;
  @ValidateNested() @Type(() => GeoLocationDto) coordinates!: GeoLocationDto;
  @IsString() @MaxLength(36) evse_uid!: string;
  @IsString() @MaxLength(48) evse_id!: string;
  @IsString() @MaxLength(36) connector_id!: string;
  @IsString() connector_standard!: string;
  @IsIn(['SOCKET', 'CABLE']) connector_format!: string;
  @IsIn(['AC_1_PHASE', 'AC_2_PHASE', 'AC_2_PHASE_SPLIT', 'AC_3_PHASE', 'DC']) connector_power_type!: string;
}

/** The Tariff objects a CDR carries (mod_tariffs); their elements are kept as they are. */
export class CdrTariffDto {
  @IsString() @Matches(/^[A-Za-z]{2}$/, { message: 'must be 2 letters' }) country_code!: string;
  @IsString() @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be 3 letters or digits' }) party_id!: string;
  @IsString() @MaxLength(36) id!: string;
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code' }) currency!: string;
  @IsArray() @IsObject({ each: true }) elements!: Record<string, unknown>[];
  @IsString() @Matches(DATE_TIME, dateTime) last_updated!: string;
}

/** mod_cdrs SignedData; the values are kept as they are. */
class SignedDataDto {
  @IsString() encoding_method!: string;
  @IsOptional() @IsNumber() encoding_method_version?: number;
  @IsOptional() @IsString() public_key?: string;
  @IsArray() @IsObject({ each: true }) signed_values!: Record<string, unknown>[];
  @IsOptional() @IsString() url?: string;
}

/** mod_cdrs CDR object. */
export class CdrDto {
  @IsString() @Matches(/^[A-Za-z]{2}$/, { message: 'must be 2 letters' }) country_code!: string;
  @IsString() @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be 3 letters or digits' }) party_id!: string;
  @IsString() @MaxLength(39) id!: string;
  @IsString() @Matches(DATE_TIME, dateTime) start_date_time!: string;
  @IsString() @Matches(DATE_TIME, dateTime) end_date_time!: string;
  @IsOptional() @IsString() @MaxLength(36) session_id?: string;
  @ValidateNested() @Type(() => CdrTokenDto) cdr_token!: CdrTokenDto;
  @IsIn(AUTH_METHODS) auth_method!: string;
  @IsOptional() @IsString() @MaxLength(36) authorization_reference?: string;
  @ValidateNested() @Type(() => CdrLocationDto) cdr_location!: CdrLocationDto;
  @IsOptional() @IsString() @MaxLength(255) meter_id?: string;
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code' }) currency!: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => CdrTariffDto) tariffs?: CdrTariffDto[];
  @IsArray() @ValidateNested({ each: true }) @Type(() => ChargingPeriodDto) charging_periods!: ChargingPeriodDto[];
  @IsOptional() @ValidateNested() @Type(() => SignedDataDto) signed_data?: SignedDataDto;
  @ValidateNested() @Type(() => PriceDto) total_cost!: PriceDto;
  @IsOptional() @ValidateNested() @Type(() => PriceDto) total_fixed_cost?: PriceDto;
  @IsNumber() total_energy!: number;
  @IsOptional() @ValidateNested() @Type(() => PriceDto) total_energy_cost?: PriceDto;
  @IsNumber() total_time!: number;
  @IsOptional() @ValidateNested() @Type(() => PriceDto) total_time_cost?: PriceDto;
  @IsOptional() @IsNumber() total_parking_time?: number;
  @IsOptional() @ValidateNested() @Type(() => PriceDto) total_parking_cost?: PriceDto;
  @IsOptional() @ValidateNested() @Type(() => PriceDto) total_reservation_cost?: PriceDto;
  @IsOptional() @IsString() @MaxLength(255) remark?: string;
  @IsOptional() @IsString() @MaxLength(36) invoice_reference_id?: string;
  @IsOptional() @IsBoolean() credit?: boolean;
  @IsOptional() @IsString() @MaxLength(39) credit_reference_id?: string;
  @IsOptional() @IsBoolean() home_charging_compensation?: boolean;
  @IsString() @Matches(DATE_TIME, dateTime) last_updated!: string;
}
