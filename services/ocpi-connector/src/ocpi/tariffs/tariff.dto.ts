import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { EnergyMixDto } from '../locations/location.dto';
import { DATE_TIME, PriceDto } from '../sessions/session.dto';
import { DisplayTextDto } from '../common.dto';

const dateTime = { message: 'must be an RFC 3339 date-time in UTC' };
const URL_OPTIONS = { require_protocol: true, require_tld: false, protocols: ['http', 'https'] };

export const TARIFF_TYPES = ['AD_HOC_PAYMENT', 'PROFILE_CHEAP', 'PROFILE_FAST', 'PROFILE_GREEN', 'REGULAR'] as const;
export const TARIFF_DIMENSION_TYPES = ['ENERGY', 'FLAT', 'PARKING_TIME', 'TIME'] as const;
export const DAYS_OF_WEEK = ['MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY', 'SUNDAY'] as const;
export const RESERVATION_RESTRICTION_TYPES = ['RESERVATION', 'RESERVATION_EXPIRES'] as const;

/** mod_tariffs PriceComponent class. step_size is "int" in the spec; FLAT has no unit for it (the Free of Charge example uses 0). */
export class PriceComponentDto {
  @IsIn(TARIFF_DIMENSION_TYPES) type!: (typeof TARIFF_DIMENSION_TYPES)[number];
  @IsNumber() @Min(0) price!: number;
  @IsOptional() @IsNumber() @Min(0) vat?: number;
  @IsInt() @Min(0) step_size!: number;
}

/** mod_tariffs TariffRestrictions class. Times are local to the location (HH:MM), dates YYYY-MM-DD. */
export class TariffRestrictionsDto {
  @IsOptional() @IsString() @Matches(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, { message: 'must be a local time HH:MM' }) start_time?: string;
  @IsOptional() @IsString() @Matches(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, { message: 'must be a local time HH:MM' }) end_time?: string;
  @IsOptional() @IsString() @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, { message: 'must be a local date YYYY-MM-DD' }) start_date?: string;
  @IsOptional() @IsString() @Matches(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$/, { message: 'must be a local date YYYY-MM-DD' }) end_date?: string;
  @IsOptional() @IsNumber() @Min(0) min_kwh?: number;
  @IsOptional() @IsNumber() @Min(0) max_kwh?: number;
  @IsOptional() @IsNumber() @Min(0) min_current?: number;
  @IsOptional() @IsNumber() @Min(0) max_current?: number;
  @IsOptional() @IsNumber() @Min(0) min_power?: number;
  @IsOptional() @IsNumber() @Min(0) max_power?: number;
  @IsOptional() @IsInt() @Min(0) min_duration?: number;
  @IsOptional() @IsInt() @Min(0) max_duration?: number;
  @IsOptional() @IsArray() @IsIn(DAYS_OF_WEEK, { each: true }) day_of_week?: (typeof DAYS_OF_WEEK)[number][];
  @IsOptional() @IsIn(RESERVATION_RESTRICTION_TYPES) reservation?: (typeof RESERVATION_RESTRICTION_TYPES)[number];
}

/** mod_tariffs TariffElement class. */
export class TariffElementDto {
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => PriceComponentDto) price_components!: PriceComponentDto[];
  @IsOptional() @ValidateNested() @Type(() => TariffRestrictionsDto) restrictions?: TariffRestrictionsDto;
}

/** mod_tariffs Tariff object. */
export class TariffDto {
  @IsString() @Matches(/^[A-Za-z]{2}$/, { message: 'must be a CiString(2) country code' }) country_code!: string;
  @IsString() @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be a CiString(3) party id' }) party_id!: string;
  @IsString() @MaxLength(36) @Matches(/^[\x20-\x7e]+$/, { message: 'must be a CiString: printable ASCII' }) id!: string;
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 4217 code' }) currency!: string;
  @IsOptional() @IsIn(TARIFF_TYPES) type?: (typeof TARIFF_TYPES)[number];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => DisplayTextDto) tariff_alt_text?: DisplayTextDto[];
  @IsOptional() @IsUrl(URL_OPTIONS) @MaxLength(255) tariff_alt_url?: string;
  @IsOptional() @ValidateNested() @Type(() => PriceDto) min_price?: PriceDto;
  @IsOptional() @ValidateNested() @Type(() => PriceDto) max_price?: PriceDto;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => TariffElementDto) elements!: TariffElementDto[];
  @IsOptional() @IsString() @Matches(DATE_TIME, dateTime) start_date_time?: string;
  @IsOptional() @IsString() @Matches(DATE_TIME, dateTime) end_date_time?: string;
  /** mod_locations EnergyMix, shared with the Location DTOs. */
  @IsOptional() @ValidateNested() @Type(() => EnergyMixDto) energy_mix?: EnergyMixDto;
  @IsString() @Matches(DATE_TIME, dateTime) last_updated!: string;
}

/** The Tariff object as stored and served: plain JSON, exactly as the tariff engine published it. */
export type OcpiTariff = Record<string, unknown> & { id: string; country_code: string; party_id: string; last_updated: string };
