import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  CAPABILITIES,
  CONNECTOR_FORMATS,
  CONNECTOR_TYPES,
  ENERGY_SOURCE_CATEGORIES,
  ENVIRONMENTAL_IMPACT_CATEGORIES,
  EVSE_STATUSES,
  FACILITIES,
  PARKING_RESTRICTIONS,
  PARKING_TYPES,
  POWER_TYPES,
  TOKEN_TYPES,
} from '@roamgate/domain-ocpi';
import { BusinessDetailsDto, DisplayTextDto, GeoLocationDto, ImageDto } from '../common.dto';
import { DATE_TIME } from '../sessions/session.dto';

export { BusinessDetailsDto, DisplayTextDto, GeoLocationDto, ImageDto } from '../common.dto';

const dateTime = { message: 'must be an RFC 3339 date-time in UTC' };
const url = { message: 'must be a URL' };
const URL_PATTERN = /^https?:\/\/\S+$/;

/** mod_locations AdditionalGeoLocation. */
export class AdditionalGeoLocationDto extends GeoLocationDto {
  @IsOptional() @ValidateNested() @Type(() => DisplayTextDto) name?: DisplayTextDto;
}

/** mod_locations RegularHours. */
export class RegularHoursDto {
  @IsInt() @Min(1) @Max(7) weekday!: number;
  @IsString() @Matches(/^([0-1][0-9]|2[0-3]):[0-5][0-9]$/, { message: 'must be HH:MM' }) period_begin!: string;
  @IsString() @Matches(/^([0-1][0-9]|2[0-4]):[0-5][0-9]$/, { message: 'must be HH:MM' }) period_end!: string;
}

/** mod_locations ExceptionalPeriod. */
export class ExceptionalPeriodDto {
  @IsString() @Matches(DATE_TIME, dateTime) period_begin!: string;
  @IsString() @Matches(DATE_TIME, dateTime) period_end!: string;
}

/** mod_locations Hours. */
export class HoursDto {
  @IsBoolean() twentyfourseven!: boolean;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => RegularHoursDto) regular_hours?: RegularHoursDto[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => ExceptionalPeriodDto) exceptional_openings?: ExceptionalPeriodDto[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => ExceptionalPeriodDto) exceptional_closings?: ExceptionalPeriodDto[];
}

/** mod_locations EnergySource. */
export class EnergySourceDto {
  @IsIn(ENERGY_SOURCE_CATEGORIES) source!: string;
  @IsNumber() @Min(0) @Max(100) percentage!: number;
}

/** mod_locations EnvironmentalImpact. */
export class EnvironmentalImpactDto {
  @IsIn(ENVIRONMENTAL_IMPACT_CATEGORIES) category!: string;
  @IsNumber() @Min(0) amount!: number;
}

/** mod_locations EnergyMix. */
export class EnergyMixDto {
  @IsBoolean() is_green_energy!: boolean;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => EnergySourceDto) energy_sources?: EnergySourceDto[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => EnvironmentalImpactDto) environ_impact?: EnvironmentalImpactDto[];
  @IsOptional() @IsString() @MaxLength(64) supplier_name?: string;
  @IsOptional() @IsString() @MaxLength(64) energy_product_name?: string;
}

/** mod_locations PublishTokenType. */
export class PublishTokenTypeDto {
  @IsOptional() @IsString() @MaxLength(36) uid?: string;
  @IsOptional() @IsIn(TOKEN_TYPES) type?: string;
  @IsOptional() @IsString() @MaxLength(64) visual_number?: string;
  @IsOptional() @IsString() @MaxLength(64) issuer?: string;
  @IsOptional() @IsString() @MaxLength(36) group_id?: string;
}

/** mod_locations StatusSchedule. */
export class StatusScheduleDto {
  @IsString() @Matches(DATE_TIME, dateTime) period_begin!: string;
  @IsOptional() @IsString() @Matches(DATE_TIME, dateTime) period_end?: string;
  @IsIn(EVSE_STATUSES) status!: string;
}

/** mod_locations Connector object. */
export class ConnectorDto {
  @IsString() @MaxLength(36) id!: string;
  @IsIn(CONNECTOR_TYPES) standard!: string;
  @IsIn(CONNECTOR_FORMATS) format!: string;
  @IsIn(POWER_TYPES) power_type!: string;
  @IsInt() max_voltage!: number;
  @IsInt() max_amperage!: number;
  @IsOptional() @IsInt() max_electric_power?: number;
  @IsOptional() @IsArray() @IsString({ each: true }) @MaxLength(36, { each: true }) tariff_ids?: string[];
  @IsOptional() @IsString() @Matches(URL_PATTERN, url) terms_and_conditions?: string;
  @IsString() @Matches(DATE_TIME, dateTime) last_updated!: string;
}

/** mod_locations EVSE object. */
export class EvseDto {
  @IsString() @MaxLength(36) uid!: string;
  @IsOptional() @IsString() @MaxLength(48) evse_id?: string;
  @IsIn(EVSE_STATUSES) status!: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => StatusScheduleDto) status_schedule?: StatusScheduleDto[];
  @IsOptional() @IsArray() @IsIn(CAPABILITIES, { each: true }) capabilities?: string[];
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => ConnectorDto) connectors!: ConnectorDto[];
  @IsOptional() @IsString() @MaxLength(4) floor_level?: string;
  @IsOptional() @ValidateNested() @Type(() => GeoLocationDto) coordinates?: GeoLocationDto;
  @IsOptional() @IsString() @MaxLength(16) physical_reference?: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => DisplayTextDto) directions?: DisplayTextDto[];
  @IsOptional() @IsArray() @IsIn(PARKING_RESTRICTIONS, { each: true }) parking_restrictions?: string[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => ImageDto) images?: ImageDto[];
  @IsString() @Matches(DATE_TIME, dateTime) last_updated!: string;
}

/** mod_locations Location object. */
export class LocationDto {
  @IsString() @Matches(/^[A-Za-z]{2}$/, { message: 'must be 2 letters' }) country_code!: string;
  @IsString() @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be 3 letters or digits' }) party_id!: string;
  @IsString() @MaxLength(36) id!: string;
  @IsBoolean() publish!: boolean;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => PublishTokenTypeDto) publish_allowed_to?: PublishTokenTypeDto[];
  @IsOptional() @IsString() @MaxLength(255) name?: string;
  @IsString() @MaxLength(45) address!: string;
  @IsString() @MaxLength(45) city!: string;
  @IsOptional() @IsString() @MaxLength(10) postal_code?: string;
  @IsOptional() @IsString() @MaxLength(20) state?: string;
  @IsString() @Matches(/^[A-Z]{3}$/, { message: 'must be an ISO 3166-1 alpha-3 code' }) country!: string;
  @ValidateNested() @Type(() => GeoLocationDto) coordinates!: GeoLocationDto;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => AdditionalGeoLocationDto) related_locations?: AdditionalGeoLocationDto[];
  @IsOptional() @IsIn(PARKING_TYPES) parking_type?: string;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => EvseDto) evses?: EvseDto[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => DisplayTextDto) directions?: DisplayTextDto[];
  @IsOptional() @ValidateNested() @Type(() => BusinessDetailsDto) operator?: BusinessDetailsDto;
  @IsOptional() @ValidateNested() @Type(() => BusinessDetailsDto) suboperator?: BusinessDetailsDto;
  @IsOptional() @ValidateNested() @Type(() => BusinessDetailsDto) owner?: BusinessDetailsDto;
  @IsOptional() @IsArray() @IsIn(FACILITIES, { each: true }) facilities?: string[];
  @IsString() @MaxLength(255) time_zone!: string;
  @IsOptional() @ValidateNested() @Type(() => HoursDto) opening_times?: HoursDto;
  @IsOptional() @IsBoolean() charging_when_closed?: boolean;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => ImageDto) images?: ImageDto[];
  @IsOptional() @ValidateNested() @Type(() => EnergyMixDto) energy_mix?: EnergyMixDto;
  @IsString() @Matches(DATE_TIME, dateTime) last_updated!: string;
}

/** A PATCH of any locations object: only last_updated is required (mod_locations, receiver PATCH). */
export class LocationPatchDto {
  @IsString() @Matches(DATE_TIME, dateTime) last_updated!: string;
  @IsOptional() @IsIn(EVSE_STATUSES) status?: string;
  @IsOptional() @IsString() @MaxLength(255) name?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) tariff_ids?: string[];
}

/** Examples that show one field of a Location: the field validates as the Location's would. */
export class LocationFragmentDto {
  @IsOptional() @ValidateNested() @Type(() => EnergyMixDto) energy_mix?: EnergyMixDto;
  @IsOptional() @ValidateNested() @Type(() => HoursDto) opening_times?: HoursDto;
}
