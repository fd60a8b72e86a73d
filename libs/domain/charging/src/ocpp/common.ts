import { AuthorizationStatus, BootStatus } from '@roamgate/contracts';
import { ChargingDomainError } from '../shared/errors.js';

/** An authorization decided outside this library (whitelist, real-time eMSP call, remote start), to be answered to the charger. */
export interface AuthorizationDecision {
  readonly status: AuthorizationStatus;
  /** 1.6 idTagInfo.expiryDate, 2.0.1 idTokenInfo.cacheExpiryDateTime. */
  readonly expiresAt?: Date;
  /** 1.6 parentIdTag, 2.0.1 groupIdToken. */
  readonly groupId?: string;
}

export interface BootAnswer {
  readonly status: BootStatus;
  readonly heartbeatIntervalSeconds: number;
  readonly now: Date;
}

export function registrationStatus(status: BootStatus): 'Accepted' | 'Pending' | 'Rejected' {
  switch (status) {
    case BootStatus.ACCEPTED:
      return 'Accepted';
    case BootStatus.PENDING:
      return 'Pending';
    default:
      return 'Rejected';
  }
}

/** OCPP wants integers where OCPI and Roamgate keep strings (transaction and reservation ids). */
export function ocppInteger(value: string | number | undefined, what: string): number {
  const text = String(value ?? '');
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text)) || Math.abs(Number(text)) > 2 ** 31 - 1) {
    throw new ChargingDomainError('INVALID_COMMAND', `${what} must be an OCPP integer, got "${text}"`);
  }
  return Number(text);
}

/** "<component>.<variable>" or "<component>[<instance>].<variable>[<instance>]" as 2.0.1 GetVariables/SetVariables address them. */
export function componentVariable(key: string): { component: { name: string; instance?: string }; variable: { name: string; instance?: string } } {
  const match = /^([^.[\]]+)(?:\[([^\]]+)\])?\.([^.[\]]+)(?:\[([^\]]+)\])?$/.exec(key);
  if (match === null) {
    throw new ChargingDomainError('INVALID_COMMAND', `"${key}" is not a 2.0.1 variable key; write <Component>.<Variable>, e.g. "OCPPCommCtrlr.HeartbeatInterval"`);
  }
  const [, component, componentInstance, variable, variableInstance] = match;
  return {
    component: { name: component!, ...(componentInstance === undefined ? {} : { instance: componentInstance }) },
    variable: { name: variable!, ...(variableInstance === undefined ? {} : { instance: variableInstance }) },
  };
}

export function unsupported(what: string): never {
  throw new ChargingDomainError('UNSUPPORTED_COMMAND', what);
}

/** The keys of source whose values are defined, so optional command fields stay absent rather than undefined. */
export function optional<T extends object, K extends keyof T>(source: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const picked: Partial<Pick<T, K>> = {};
  for (const key of keys) if (source[key] !== undefined) picked[key] = source[key];
  return picked;
}
