/** OCPI 2.2.1 shapes the simulator reads; objects it only stores stay `OcpiObject`. */
export type OcpiObject = Record<string, unknown>;

export interface OcpiResponse<T = unknown> {
  readonly data?: T;
  readonly status_code: number;
  readonly status_message?: string;
  readonly timestamp: string;
}

export type ModuleRole = 'SENDER' | 'RECEIVER';

export interface Endpoint {
  readonly identifier: string;
  readonly role: ModuleRole;
  readonly url: string;
}

export interface Version {
  readonly version: string;
  readonly url: string;
}

export interface VersionDetails {
  readonly version: string;
  readonly endpoints: readonly Endpoint[];
}

export interface CredentialsRole {
  readonly role: string;
  readonly party_id: string;
  readonly country_code: string;
  readonly business_details: { readonly name: string; readonly website?: string };
}

export interface Credentials {
  readonly token: string;
  readonly url: string;
  readonly roles: readonly CredentialsRole[];
}

export type TokenType = 'AD_HOC_USER' | 'APP_USER' | 'OTHER' | 'RFID';
export type WhitelistType = 'ALWAYS' | 'ALLOWED' | 'ALLOWED_OFFLINE' | 'NEVER';
export type AllowedType = 'ALLOWED' | 'BLOCKED' | 'EXPIRED' | 'NO_CREDIT' | 'NOT_ALLOWED';

export interface Token {
  readonly country_code: string;
  readonly party_id: string;
  readonly uid: string;
  readonly type: TokenType;
  readonly contract_id: string;
  readonly issuer: string;
  readonly valid: boolean;
  readonly whitelist: WhitelistType;
  readonly last_updated: string;
  readonly [field: string]: unknown;
}

export type CommandType = 'START_SESSION' | 'STOP_SESSION' | 'UNLOCK_CONNECTOR' | 'RESERVE_NOW' | 'CANCEL_RESERVATION';
export const commandTypes: readonly CommandType[] = [
  'START_SESSION',
  'STOP_SESSION',
  'UNLOCK_CONNECTOR',
  'RESERVE_NOW',
  'CANCEL_RESERVATION',
];

export interface CommandResponse {
  readonly result: 'NOT_SUPPORTED' | 'REJECTED' | 'ACCEPTED' | 'UNKNOWN_SESSION';
  readonly timeout: number;
  readonly message?: readonly OcpiObject[];
}

export interface CommandResult {
  readonly result: string;
  readonly message?: readonly OcpiObject[];
}

export const ocpiStatus = {
  success: 1000,
  clientError: 2000,
  invalidParameters: 2001,
  notEnoughInformation: 2002,
  unknownLocation: 2003,
  unknownToken: 2004,
  serverError: 3000,
  unableToUseClientApi: 3001,
  unsupportedVersion: 3002,
  noMatchingEndpoints: 3003,
} as const;
