import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsIn,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { PARTY_ROLES, type PartyRoleName } from '@roamgate/domain-ocpi';
import { BusinessDetailsDto, URL_OPTIONS } from '../common.dto';

export { BusinessDetailsDto, ImageDto } from '../common.dto';

/** credentials CredentialsRole class. */
export class CredentialsRoleDto {
  @IsIn(PARTY_ROLES) role!: PartyRoleName;
  @ValidateNested() @Type(() => BusinessDetailsDto) business_details!: BusinessDetailsDto;
  @IsString() @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be a CiString(3): three letters or digits' }) party_id!: string;
  @IsString() @Matches(/^[A-Za-z]{2}$/, { message: 'must be a CiString(2): an ISO 3166 alpha-2 country code' }) country_code!: string;
}

/** credentials Credentials object. */
export class CredentialsDto {
  @IsString() @MaxLength(64) @Matches(/^[\x21-\x7e]+$/, { message: 'must be printable non-whitespace ASCII (U+0021..U+007E)' }) token!: string;
  @IsUrl(URL_OPTIONS) @MaxLength(255) url!: string;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => CredentialsRoleDto) roles!: CredentialsRoleDto[];
}

export const VERSION_NUMBERS = ['2.0', '2.1', '2.1.1', '2.2', '2.2.1'] as const;

export class VersionDto {
  @IsString() version!: string;
  @IsUrl(URL_OPTIONS) url!: string;
}

export class EndpointDto {
  @IsString() @MaxLength(255) identifier!: string;
  @IsIn(['SENDER', 'RECEIVER']) role!: 'SENDER' | 'RECEIVER';
  @IsUrl(URL_OPTIONS) url!: string;
}

export class VersionDetailsDto {
  @IsString() version!: string;
  @IsArray() @ValidateNested({ each: true }) @Type(() => EndpointDto) endpoints!: EndpointDto[];
}
