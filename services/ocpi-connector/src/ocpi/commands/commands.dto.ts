import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsIn, IsInt, IsISO8601, IsOptional, IsString, IsUrl, Matches, MaxLength, Min, ValidateNested } from 'class-validator';
import { DisplayTextDto, TokenDto } from '../tokens/tokens.dto';

export const COMMAND_TYPES = ['CANCEL_RESERVATION', 'RESERVE_NOW', 'START_SESSION', 'STOP_SESSION', 'UNLOCK_CONNECTOR'] as const;
export type CommandType = (typeof COMMAND_TYPES)[number];
export const COMMAND_RESPONSE_TYPES = ['NOT_SUPPORTED', 'REJECTED', 'ACCEPTED', 'UNKNOWN_SESSION'] as const;
export type CommandResponseType = (typeof COMMAND_RESPONSE_TYPES)[number];
export const COMMAND_RESULT_TYPES = [
  'ACCEPTED',
  'CANCELED_RESERVATION',
  'EVSE_OCCUPIED',
  'EVSE_INOPERATIVE',
  'FAILED',
  'NOT_SUPPORTED',
  'REJECTED',
  'TIMEOUT',
  'UNKNOWN_RESERVATION',
] as const;
export type CommandResultType = (typeof COMMAND_RESULT_TYPES)[number];

// types.asciidoc URL: string(255); partners on test benches use plain http and bare hosts.
const URL_OPTIONS = { require_protocol: true, require_tld: false, protocols: ['http', 'https'] };
const CI36 = { message: 'must be a CiString(36): printable ASCII' };
const CiString36 = (): PropertyDecorator => (target, key) => {
  IsString()(target, key);
  MaxLength(36)(target, key);
  Matches(/^[\x20-\x7e]*$/, CI36)(target, key);
};

abstract class CommandRequestDto {
  @IsUrl(URL_OPTIONS) @MaxLength(255) response_url!: string;
}

/** mod_commands CancelReservation object. */
export class CancelReservationDto extends CommandRequestDto {
  @CiString36() reservation_id!: string;
}

/** mod_commands ReserveNow object. */
export class ReserveNowDto extends CommandRequestDto {
  @IsDefined() @ValidateNested() @Type(() => TokenDto) token!: TokenDto;
  @IsISO8601({ strict: true }, { message: 'must be an RFC 3339 DateTime' }) expiry_date!: string;
  @CiString36() reservation_id!: string;
  @CiString36() location_id!: string;
  @IsOptional() @CiString36() evse_uid?: string;
  @IsOptional() @CiString36() authorization_reference?: string;
}

/** mod_commands StartSession object. */
export class StartSessionDto extends CommandRequestDto {
  @IsDefined() @ValidateNested() @Type(() => TokenDto) token!: TokenDto;
  @CiString36() location_id!: string;
  @IsOptional() @CiString36() evse_uid?: string;
  @IsOptional() @CiString36() connector_id?: string;
  @IsOptional() @CiString36() authorization_reference?: string;
}

/** mod_commands StopSession object. */
export class StopSessionDto extends CommandRequestDto {
  @CiString36() session_id!: string;
}

/** mod_commands UnlockConnector object. */
export class UnlockConnectorDto extends CommandRequestDto {
  @CiString36() location_id!: string;
  @CiString36() evse_uid!: string;
  @CiString36() connector_id!: string;
}

export const COMMAND_DTOS = {
  CANCEL_RESERVATION: CancelReservationDto,
  RESERVE_NOW: ReserveNowDto,
  START_SESSION: StartSessionDto,
  STOP_SESSION: StopSessionDto,
  UNLOCK_CONNECTOR: UnlockConnectorDto,
} as const;

/** mod_commands CommandResponse object: the synchronous answer. */
export class CommandResponseDto {
  @IsIn(COMMAND_RESPONSE_TYPES) result!: CommandResponseType;
  @IsInt() @Min(0) timeout!: number;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => DisplayTextDto) message?: DisplayTextDto[];
}

/** mod_commands CommandResult object: POSTed to response_url once the charger answered (or did not). */
export class CommandResultDto {
  @IsIn(COMMAND_RESULT_TYPES) result!: CommandResultType;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => DisplayTextDto) message?: DisplayTextDto[];
}

export type CommandResponse = { result: CommandResponseType; timeout: number; message?: { language: string; text: string }[] };
export type CommandResultBody = { result: CommandResultType; message?: { language: string; text: string }[] };
