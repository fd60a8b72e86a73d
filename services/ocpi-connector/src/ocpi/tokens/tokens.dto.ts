import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsBoolean, IsDefined, IsIn, IsISO8601, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { DisplayTextDto } from '../common.dto';

export { DisplayTextDto } from '../common.dto';

export const TOKEN_TYPES = ['AD_HOC_USER', 'APP_USER', 'OTHER', 'RFID'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];
export const WHITELIST_TYPES = ['ALWAYS', 'ALLOWED', 'ALLOWED_OFFLINE', 'NEVER'] as const;
export type WhitelistTypeName = (typeof WHITELIST_TYPES)[number];
export const PROFILE_TYPES = ['CHEAP', 'FAST', 'GREEN', 'REGULAR'] as const;
export const ALLOWED_TYPES = ['ALLOWED', 'BLOCKED', 'EXPIRED', 'NO_CREDIT', 'NOT_ALLOWED'] as const;
export type AllowedType = (typeof ALLOWED_TYPES)[number];

// types.asciidoc: CiString is printable ASCII; DateTime is RFC 3339 in UTC ("Z" optional in 2.2.1).
const CI_STRING = /^[\x20-\x7e]*$/;
const ciString = (length: number) => [IsString(), MaxLength(length), Matches(CI_STRING, { message: 'must be a CiString: printable ASCII' })];
const CiString = (length: number): PropertyDecorator => (target, key) => ciString(length).forEach((decorate) => decorate(target, key));
const DateTime = (): PropertyDecorator => (target, key) => {
  IsISO8601({ strict: true }, { message: 'must be an RFC 3339 DateTime' })(target, key);
  Matches(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?$/, { message: 'must be a UTC DateTime like 2015-06-29T20:39:09Z' })(target, key);
};

/** mod_tokens EnergyContract class. */
export class EnergyContractDto {
  @IsString() @MaxLength(64) supplier_name!: string;
  @IsOptional() @IsString() @MaxLength(64) contract_id?: string;
}

/** mod_tokens Token object, as a PUT carries it. */
export class TokenDto {
  @CiString(2) @Matches(/^[A-Za-z]{2}$/, { message: 'must be a CiString(2) country code' }) country_code!: string;
  @CiString(3) @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be a CiString(3) party id' }) party_id!: string;
  @CiString(36) uid!: string;
  @IsIn(TOKEN_TYPES) type!: TokenType;
  @CiString(36) contract_id!: string;
  @IsOptional() @IsString() @MaxLength(64) visual_number?: string;
  @IsString() @MaxLength(64) issuer!: string;
  @IsOptional() @CiString(36) group_id?: string;
  @IsBoolean() valid!: boolean;
  @IsIn(WHITELIST_TYPES) whitelist!: WhitelistTypeName;
  @IsOptional() @IsString() @MaxLength(2) language?: string;
  @IsOptional() @IsIn(PROFILE_TYPES) default_profile_type?: (typeof PROFILE_TYPES)[number];
  @IsOptional() @ValidateNested() @Type(() => EnergyContractDto) energy_contract?: EnergyContractDto;
  @DateTime() last_updated!: string;
}

/**
 * A PATCH: any Token field but the identity, and last_updated, which the spec requires on every PATCH
 * (transport_and_format, PATCH). The identity comes from the URL.
 */
export class TokenPatchDto {
  @IsOptional() @CiString(36) contract_id?: string;
  @IsOptional() @IsString() @MaxLength(64) visual_number?: string;
  @IsOptional() @IsString() @MaxLength(64) issuer?: string;
  @IsOptional() @CiString(36) group_id?: string;
  @IsOptional() @IsBoolean() valid?: boolean;
  @IsOptional() @IsIn(WHITELIST_TYPES) whitelist?: WhitelistTypeName;
  @IsOptional() @IsString() @MaxLength(2) language?: string;
  @IsOptional() @IsIn(PROFILE_TYPES) default_profile_type?: (typeof PROFILE_TYPES)[number];
  @IsOptional() @ValidateNested() @Type(() => EnergyContractDto) energy_contract?: EnergyContractDto;
  @DateTime() last_updated!: string;
}

/** mod_tokens LocationReferences class. */
export class LocationReferencesDto {
  @CiString(36) location_id!: string;
  @IsOptional() @IsArray() @IsString({ each: true }) @MaxLength(36, { each: true }) evse_uids?: string[];
}

/** mod_tokens AuthorizationInfo object: the eMSP's answer to a real-time authorization. */
export class AuthorizationInfoDto {
  @IsIn(ALLOWED_TYPES) allowed!: AllowedType;
  @IsDefined() @ValidateNested() @Type(() => TokenDto) token!: TokenDto;
  @IsOptional() @ValidateNested() @Type(() => LocationReferencesDto) location?: LocationReferencesDto;
  @IsOptional() @CiString(36) authorization_reference?: string;
  @IsOptional() @ValidateNested() @Type(() => DisplayTextDto) info?: DisplayTextDto;
}

/** The Token object as stored and served: plain JSON, exactly the fields the eMSP sent. */
export type OcpiToken = {
  country_code: string;
  party_id: string;
  uid: string;
  type: TokenType;
  contract_id: string;
  visual_number?: string;
  issuer: string;
  group_id?: string;
  valid: boolean;
  whitelist: WhitelistTypeName;
  language?: string;
  default_profile_type?: string;
  energy_contract?: { supplier_name: string; contract_id?: string };
  last_updated: string;
};
