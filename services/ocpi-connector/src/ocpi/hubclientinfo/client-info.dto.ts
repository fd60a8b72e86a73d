import 'reflect-metadata';
import { IsIn, IsString, Matches } from 'class-validator';
import { PARTY_ROLES, type PartyRoleName } from '@roamgate/domain-ocpi';
import { DATE_TIME } from '../sessions/session.dto';

export const CONNECTION_STATUSES = ['CONNECTED', 'OFFLINE', 'PLANNED', 'SUSPENDED'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** mod_hub_client_info ClientInfo object. */
export class ClientInfoDto {
  @IsString() @Matches(/^[A-Za-z0-9]{3}$/, { message: 'must be a CiString(3) party id' }) party_id!: string;
  @IsString() @Matches(/^[A-Za-z]{2}$/, { message: 'must be a CiString(2) country code' }) country_code!: string;
  @IsIn(PARTY_ROLES) role!: PartyRoleName;
  @IsIn(CONNECTION_STATUSES) status!: ConnectionStatus;
  @IsString() @Matches(DATE_TIME, { message: 'must be an RFC 3339 date-time in UTC' }) last_updated!: string;
}

export type OcpiClientInfo = { party_id: string; country_code: string; role: PartyRoleName; status: ConnectionStatus; last_updated: string };
