import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AllowedType, CommandResponse, CommandResult, CommandType, OcpiObject } from './model';

export interface CallRecord {
  readonly direction: 'in' | 'out';
  readonly method: string;
  readonly url: string;
  /** 0 when no HTTP response came back (connection refused or reset). */
  readonly status: number;
  readonly ocpiStatus?: number;
  readonly requestHeaders: Readonly<Record<string, string>>;
  readonly responseHeaders: Readonly<Record<string, string>>;
  readonly requestBody?: unknown;
  readonly responseBody?: unknown;
  readonly at: string;
  readonly latencyMs: number;
  readonly error?: string;
  /** Set when a simulated fault answered instead of the endpoint. */
  readonly fault?: string;
}

export interface SessionUpdate {
  readonly method: 'PUT' | 'PATCH';
  readonly body: OcpiObject;
  readonly at: string;
}

export interface SessionRecord {
  readonly countryCode: string;
  readonly partyId: string;
  readonly id: string;
  current: OcpiObject;
  readonly updates: SessionUpdate[];
}

export interface CdrRecord {
  readonly key: string;
  readonly cdr: OcpiObject;
  readonly location: string;
  readonly receivedAt: string;
  deliveries: number;
}

export interface CommandRecord {
  readonly id: string;
  readonly type: CommandType;
  readonly request: OcpiObject;
  readonly responseUrl: string;
  response?: CommandResponse;
  ocpiStatus?: number;
  readonly results: { readonly result: CommandResult; readonly at: string }[];
}

export interface AuthorizationRecord {
  readonly uid: string;
  readonly type: string;
  readonly allowed: AllowedType | 'UNKNOWN';
  readonly authorizationReference?: string;
  readonly locationReferences?: OcpiObject;
  readonly at: string;
}

export interface ReceivedSnapshot {
  readonly sessions: readonly SessionRecord[];
  readonly cdrs: readonly CdrRecord[];
  readonly commands: readonly CommandRecord[];
  readonly locations: readonly OcpiObject[];
  readonly tariffs: readonly OcpiObject[];
  readonly deletedTariffs: readonly string[];
  readonly authorizations: readonly AuthorizationRecord[];
  readonly calls: readonly CallRecord[];
}

/** Everything the eMSP received or sent, in arrival order, for tests and for the --data dump. */
export class Received {
  readonly sessions = new Map<string, SessionRecord>();
  readonly cdrs = new Map<string, CdrRecord>();
  readonly commands = new Map<string, CommandRecord>();
  readonly locations = new Map<string, OcpiObject>();
  readonly tariffs = new Map<string, OcpiObject>();
  readonly deletedTariffs: string[] = [];
  readonly authorizations: AuthorizationRecord[] = [];
  readonly calls: CallRecord[] = [];

  snapshot(): ReceivedSnapshot {
    return structuredClone({
      sessions: [...this.sessions.values()],
      cdrs: [...this.cdrs.values()],
      commands: [...this.commands.values()],
      locations: [...this.locations.values()],
      tariffs: [...this.tariffs.values()],
      deletedTariffs: this.deletedTariffs,
      authorizations: this.authorizations,
      calls: this.calls,
    });
  }

  writeTo(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(this.snapshot(), null, 2)}\n`);
  }
}

export function objectKey(countryCode: string, partyId: string, id: string): string {
  return `${countryCode}/${partyId}/${id}`;
}
