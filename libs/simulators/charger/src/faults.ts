import { randomUUID } from 'node:crypto';
import type { OcppProtocol } from './model';
import { booleanAt, type Fields, InvalidInput, integerAt, noOtherFields, numberAt, objectAt, optional } from './validation';

/** Misbehaviour seen on real chargers, switched on per charger or per model of a fleet mix. */
export interface Faults {
  /** Answers every RequestStart/RemoteStartTransaction with Rejected. */
  readonly rejectRemoteStart?: boolean;
  /**
   * Once, after `afterMeterValues` periodic samples of a session were acknowledged, kills the socket without a close
   * frame, keeps producing (and queueing) transaction messages, and reconnects after `reconnectAfterMs`. With
   * `stopWhileOffline` (default true) the driver leaves halfway through the outage, so the stop is queued too.
   */
  readonly dropConnectionMidSession?: DropConnectionFault;
  /**
   * Once, after `afterMeterValues` periodic samples of a session were acknowledged, loses power and comes back without
   * the transaction: the socket dies without a close frame, no stop is ever sent for it, and after `restartAfterMs` the
   * charger connects and boots again (PowerUp). The driver then plugs in again: a new session on the same connector.
   */
  readonly losesTransaction?: LoseTransactionFault;
  readonly meterStopBelowStart?: boolean;
  /** Shifts every timestamp the charger sends. */
  readonly clockSkewSeconds?: number;
  /** Holds the StopTransaction / TransactionEvent Ended back for `delayMs` (counted from the reconnect when offline). */
  readonly lateStopTransaction?: { readonly delayMs: number };
  /** After boot, `count` times Unavailable then Available on connector 1, `intervalMs` apart. */
  readonly statusFlapping?: { readonly count: number; readonly intervalMs: number };
  /** After boot, sends one frame the CSMS must answer with a CALLERROR (default kind: wrongType). */
  readonly badFrame?: boolean | { readonly kind: BadFrameKind };
}

export interface DropConnectionFault {
  readonly afterMeterValues: number;
  readonly reconnectAfterMs: number;
  readonly stopWhileOffline?: boolean;
}

export interface LoseTransactionFault {
  readonly afterMeterValues: number;
  readonly restartAfterMs: number;
}

export const BAD_FRAME_KINDS = ['wrongType', 'badEnum', 'missingField', 'unknownAction', 'notJson'] as const;
export type BadFrameKind = (typeof BAD_FRAME_KINDS)[number];

export function badFrameKind(faults: Faults): BadFrameKind | undefined {
  if (faults.badFrame === undefined || faults.badFrame === false) return undefined;
  return faults.badFrame === true ? 'wrongType' : faults.badFrame.kind;
}

/** A frame the strict client would refuse to send: it goes out through the raw socket. */
export function badFrame(protocol: OcppProtocol, kind: BadFrameKind, timestamp: string, messageId: string = randomUUID()): string {
  const valid: Record<string, unknown> =
    protocol === 'ocpp1.6'
      ? { connectorId: 1, errorCode: 'NoError', status: 'Available', timestamp }
      : { timestamp, connectorStatus: 'Available', evseId: 1, connectorId: 1 };
  const statusKey = protocol === 'ocpp1.6' ? 'status' : 'connectorStatus';
  const idKey = protocol === 'ocpp1.6' ? 'connectorId' : 'evseId';
  switch (kind) {
    case 'wrongType':
      return JSON.stringify([2, messageId, 'StatusNotification', { ...valid, [idKey]: 'one' }]);
    case 'badEnum':
      return JSON.stringify([2, messageId, 'StatusNotification', { ...valid, [statusKey]: 'Exploded' }]);
    case 'missingField': {
      const { [statusKey]: _dropped, ...rest } = valid;
      return JSON.stringify([2, messageId, 'StatusNotification', rest]);
    }
    case 'unknownAction':
      return JSON.stringify([2, messageId, 'SelfDestruct', {}]);
    case 'notJson':
      return `[2,"${messageId}","Heartbeat",{`;
  }
}

export function skewed(clock: () => Date, skewSeconds: number): () => Date {
  if (skewSeconds === 0) return clock;
  return () => new Date(clock().getTime() + skewSeconds * 1000);
}

const FAULT_FIELDS = [
  'rejectRemoteStart',
  'dropConnectionMidSession',
  'losesTransaction',
  'meterStopBelowStart',
  'clockSkewSeconds',
  'lateStopTransaction',
  'statusFlapping',
  'badFrame',
];

export function parseFaults(value: unknown, path: string): Faults {
  const fields = objectAt(value, path);
  noOtherFields(fields, FAULT_FIELDS, path);
  const at = (key: string) => `${path}.${key}`;
  const object = (key: string) => optional(fields, key, () => objectAt(fields[key], at(key)));
  const drop = object('dropConnectionMidSession');
  const lose = object('losesTransaction');
  const late = object('lateStopTransaction');
  const flapping = object('statusFlapping');
  return withoutUndefined({
    rejectRemoteStart: optional(fields, 'rejectRemoteStart', (f, k) => booleanAt(f, k, path)),
    meterStopBelowStart: optional(fields, 'meterStopBelowStart', (f, k) => booleanAt(f, k, path)),
    clockSkewSeconds: optional(fields, 'clockSkewSeconds', (f, k) => numberAt(f, k, path)),
    dropConnectionMidSession: drop && parseDrop(drop, at('dropConnectionMidSession')),
    losesTransaction: lose && parseLose(lose, at('losesTransaction')),
    lateStopTransaction: late && parseLate(late, at('lateStopTransaction')),
    statusFlapping: flapping && parseFlapping(flapping, at('statusFlapping')),
    badFrame: optional(fields, 'badFrame', () => parseBadFrame(fields['badFrame'], at('badFrame'))),
  });
}

function parseDrop(fields: Fields, path: string): DropConnectionFault {
  noOtherFields(fields, ['afterMeterValues', 'reconnectAfterMs', 'stopWhileOffline'], path);
  return withoutUndefined({
    afterMeterValues: integerAt(fields, 'afterMeterValues', path, 0),
    reconnectAfterMs: numberAt(fields, 'reconnectAfterMs', path, 'non-negative'),
    stopWhileOffline: optional(fields, 'stopWhileOffline', (f, k) => booleanAt(f, k, path)),
  });
}

function parseLose(fields: Fields, path: string): LoseTransactionFault {
  noOtherFields(fields, ['afterMeterValues', 'restartAfterMs'], path);
  return { afterMeterValues: integerAt(fields, 'afterMeterValues', path, 0), restartAfterMs: numberAt(fields, 'restartAfterMs', path, 'non-negative') };
}

function parseLate(fields: Fields, path: string): { delayMs: number } {
  noOtherFields(fields, ['delayMs'], path);
  return { delayMs: numberAt(fields, 'delayMs', path, 'non-negative') };
}

function parseFlapping(fields: Fields, path: string): { count: number; intervalMs: number } {
  noOtherFields(fields, ['count', 'intervalMs'], path);
  return { count: integerAt(fields, 'count', path, 1), intervalMs: numberAt(fields, 'intervalMs', path, 'non-negative') };
}

function parseBadFrame(value: unknown, path: string): Faults['badFrame'] {
  if (typeof value === 'boolean') return value;
  const fields = objectAt(value, path);
  noOtherFields(fields, ['kind'], path);
  const kind = fields['kind'];
  if (!BAD_FRAME_KINDS.includes(kind as BadFrameKind))
    throw new InvalidInput(`${path}.kind`, `expected one of ${BAD_FRAME_KINDS.join(', ')}`);
  return { kind: kind as BadFrameKind };
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
