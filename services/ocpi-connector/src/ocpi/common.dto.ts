import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IMAGE_CATEGORIES } from '@roamgate/domain-ocpi';

// The OCPI classes several modules share (types.asciidoc, and mod_locations classes that credentials and CDRs reuse).

// types.asciidoc URL: string(255); peers on test benches use plain http and bare hosts, so neither TLS nor a TLD is required.
export const URL_OPTIONS = { require_protocol: true, require_tld: false, protocols: ['http', 'https'] };

/** types DisplayText. */
export class DisplayTextDto {
  @IsString() @Matches(/^[a-z]{2}$/i, { message: 'must be an ISO 639-1 code' }) language!: string;
  @IsString() @MaxLength(512) text!: string;
}

/** mod_locations GeoLocation. */
export class GeoLocationDto {
  @IsString() @MaxLength(10) @Matches(/^-?[0-9]{1,2}\.[0-9]{5,7}$/, { message: 'must be a decimal latitude with 5 to 7 decimals' }) latitude!: string;
  @IsString() @MaxLength(11) @Matches(/^-?[0-9]{1,3}\.[0-9]{5,7}$/, { message: 'must be a decimal longitude with 5 to 7 decimals' }) longitude!: string;
}

/** mod_locations Image class. */
export class ImageDto {
  @IsUrl(URL_OPTIONS) @MaxLength(255) url!: string;
  @IsOptional() @IsUrl(URL_OPTIONS) @MaxLength(255) thumbnail?: string;
  @IsIn(IMAGE_CATEGORIES) category!: (typeof IMAGE_CATEGORIES)[number];
  @IsString() @MaxLength(4) type!: string;
  @IsOptional() @IsInt() @Min(0) @Max(99_999) width?: number;
  @IsOptional() @IsInt() @Min(0) @Max(99_999) height?: number;
}

/** mod_locations BusinessDetails class. */
export class BusinessDetailsDto {
  @IsString() @MaxLength(100) name!: string;
  @IsOptional() @IsUrl(URL_OPTIONS) @MaxLength(255) website?: string;
  @IsOptional() @ValidateNested() @Type(() => ImageDto) logo?: ImageDto;
}
