import {
  create,
  fromBinary,
  fromJson,
  isMessage,
  toBinary,
  toJson,
  type DescField,
  type DescMessage,
  type JsonReadOptions,
  type JsonValue,
  type MessageShape,
} from '@bufbuild/protobuf';
import {
  CdrDeliveredSchema,
  CdrDeliveryFailedSchema,
  CdrEventSchema,
  CdrIssuedSchema,
  CdrIssuingFailedSchema,
  CdrReplayedSchema,
} from './gen/roamgate/v1/cdr_pb.js';
import {
  ChargerBootedSchema,
  ChargerConnectedSchema,
  ChargerDisconnectedSchema,
  ChargerEventSchema,
  ChargerRegisteredSchema,
  ConnectorStatusChangedSchema,
  OcppFrameLoggedSchema,
  OcppIdsEventSchema,
  OcppIdsReservedSchema,
} from './gen/roamgate/v1/charger_pb.js';
import {
  CommandAnsweredSchema,
  CommandEventSchema,
  CommandFailedSchema,
  CommandRequestedSchema,
  CommandResultDeliveredSchema,
  CommandResultDeliveryFailedSchema,
  CommandSentToChargerSchema,
  CommandTimedOutSchema,
} from './gen/roamgate/v1/command_pb.js';
import {
  GateDecisionAppliedSchema,
  GateEvaluatedSchema,
  LaunchEventSchema,
  LaunchPausedSchema,
  LaunchPlanCreatedSchema,
  LaunchPlanUpdatedSchema,
  LaunchResumedSchema,
  ScopeChangedSchema,
} from './gen/roamgate/v1/launch_pb.js';
import {
  OcpiCallRecordedSchema,
  OcpiEventSchema,
  OcpiPushAttemptFailedSchema,
  OcpiPushDeliveredSchema,
  OcpiPushQueuedSchema,
  OcpiPushRetryRequestedSchema,
  PartnerCredentialsUpdatedSchema,
  PartnerEventSchema,
  PartnerInvitedSchema,
  PartnerProbedSchema,
  PartnerRegisteredSchema,
  PartnerRegistrationStartedSchema,
  PartnerTokenRotationStartedSchema,
  PartnerUnregisteredSchema,
} from './gen/roamgate/v1/partner_pb.js';
import {
  SessionAuthorizedSchema,
  SessionChargingStateChangedSchema,
  SessionEventSchema,
  SessionMeterValuesRecordedSchema,
  SessionStartedSchema,
  SessionStoppedSchema,
} from './gen/roamgate/v1/session_pb.js';
import {
  TariffAssignedSchema,
  TariffDeletedSchema,
  TariffEventSchema,
  TariffPublishedSchema,
  TariffUnassignedSchema,
} from './gen/roamgate/v1/tariff_pb.js';
import { OcpiTokenStoredSchema, TokenEventSchema } from './gen/roamgate/v1/token_pb.js';
import {
  EvseAttachedSchema,
  EvseDetachedSchema,
  EvseStatusChangedSchema,
  LocationCreatedSchema,
  LocationEventSchema,
  LocationUpdatedSchema,
  PartnerScopeSetSchema,
} from './gen/roamgate/v1/location_pb.js';
import {
  PartnerRecordsImportedSchema,
  ReconciliationRunCompletedSchema,
  ReconEventSchema,
  ReconExceptionOpenedSchema,
  ReconExceptionStatusChangedSchema,
  ReconMatchesRecordedSchema,
  ReconSettingsUpdatedSchema,
} from './gen/roamgate/v1/recon_pb.js';
import { HubClientInfoEventSchema, HubClientInfoStoredSchema } from './gen/roamgate/v1/hubclientinfo_pb.js';
import {
  TokenAuthorizationDecidedSchema,
  TokenAuthEventSchema,
  TokenAuthorizationRequestedSchema,
  TokenAuthorizationTimedOutSchema,
} from './gen/roamgate/v1/tokenauth_pb.js';

/** The wrapper message of each topic family: its `event` oneof lists every event of the family. */
export const eventFamilies = {
  charger: ChargerEventSchema,
  ocppids: OcppIdsEventSchema,
  session: SessionEventSchema,
  command: CommandEventSchema,
  cdr: CdrEventSchema,
  partner: PartnerEventSchema,
  ocpi: OcpiEventSchema,
  launch: LaunchEventSchema,
  tariff: TariffEventSchema,
  token: TokenEventSchema,
  location: LocationEventSchema,
  recon: ReconEventSchema,
  hubclientinfo: HubClientInfoEventSchema,
  tokenauth: TokenAuthEventSchema,
} as const;

export type EventFamily = keyof typeof eventFamilies;

/** Event type name (the proto message name, as stored in the event store) to its schema. */
export const eventSchemas = {
  ChargerRegistered: ChargerRegisteredSchema,
  ChargerBooted: ChargerBootedSchema,
  ChargerConnected: ChargerConnectedSchema,
  ChargerDisconnected: ChargerDisconnectedSchema,
  ConnectorStatusChanged: ConnectorStatusChangedSchema,
  OcppFrameLogged: OcppFrameLoggedSchema,

  OcppIdsReserved: OcppIdsReservedSchema,

  SessionStarted: SessionStartedSchema,
  SessionAuthorized: SessionAuthorizedSchema,
  SessionMeterValuesRecorded: SessionMeterValuesRecordedSchema,
  SessionChargingStateChanged: SessionChargingStateChangedSchema,
  SessionStopped: SessionStoppedSchema,

  CommandRequested: CommandRequestedSchema,
  CommandSentToCharger: CommandSentToChargerSchema,
  CommandAnswered: CommandAnsweredSchema,
  CommandTimedOut: CommandTimedOutSchema,
  CommandFailed: CommandFailedSchema,
  CommandResultDelivered: CommandResultDeliveredSchema,
  CommandResultDeliveryFailed: CommandResultDeliveryFailedSchema,

  CdrIssued: CdrIssuedSchema,
  CdrDelivered: CdrDeliveredSchema,
  CdrDeliveryFailed: CdrDeliveryFailedSchema,
  CdrReplayed: CdrReplayedSchema,
  CdrIssuingFailed: CdrIssuingFailedSchema,

  PartnerInvited: PartnerInvitedSchema,
  PartnerRegistered: PartnerRegisteredSchema,
  PartnerCredentialsUpdated: PartnerCredentialsUpdatedSchema,
  PartnerUnregistered: PartnerUnregisteredSchema,
  PartnerProbed: PartnerProbedSchema,
  PartnerRegistrationStarted: PartnerRegistrationStartedSchema,
  PartnerTokenRotationStarted: PartnerTokenRotationStartedSchema,
  OcpiCallRecorded: OcpiCallRecordedSchema,
  OcpiPushQueued: OcpiPushQueuedSchema,
  OcpiPushAttemptFailed: OcpiPushAttemptFailedSchema,
  OcpiPushDelivered: OcpiPushDeliveredSchema,
  OcpiPushRetryRequested: OcpiPushRetryRequestedSchema,

  LaunchPlanCreated: LaunchPlanCreatedSchema,
  GateEvaluated: GateEvaluatedSchema,
  ScopeChanged: ScopeChangedSchema,
  LaunchPlanUpdated: LaunchPlanUpdatedSchema,
  GateDecisionApplied: GateDecisionAppliedSchema,
  LaunchPaused: LaunchPausedSchema,
  LaunchResumed: LaunchResumedSchema,

  TariffPublished: TariffPublishedSchema,
  TariffDeleted: TariffDeletedSchema,
  TariffAssigned: TariffAssignedSchema,
  TariffUnassigned: TariffUnassignedSchema,

  OcpiTokenStored: OcpiTokenStoredSchema,

  LocationCreated: LocationCreatedSchema,
  LocationUpdated: LocationUpdatedSchema,
  EvseAttached: EvseAttachedSchema,
  EvseDetached: EvseDetachedSchema,
  EvseStatusChanged: EvseStatusChangedSchema,
  PartnerScopeSet: PartnerScopeSetSchema,

  ReconSettingsUpdated: ReconSettingsUpdatedSchema,
  PartnerRecordsImported: PartnerRecordsImportedSchema,
  ReconciliationRunCompleted: ReconciliationRunCompletedSchema,
  ReconMatchesRecorded: ReconMatchesRecordedSchema,
  ReconExceptionOpened: ReconExceptionOpenedSchema,
  ReconExceptionStatusChanged: ReconExceptionStatusChangedSchema,

  HubClientInfoStored: HubClientInfoStoredSchema,

  TokenAuthorizationRequested: TokenAuthorizationRequestedSchema,
  TokenAuthorizationDecided: TokenAuthorizationDecidedSchema,
  TokenAuthorizationTimedOut: TokenAuthorizationTimedOutSchema,
} as const;

export type EventType = keyof typeof eventSchemas;
export type EventSchema<T extends EventType = EventType> = (typeof eventSchemas)[T];
/** The generated message type of an event; without a type argument, the union of all events (discriminated by `$typeName`). */
export type EventMessage<T extends EventType = EventType> = MessageShape<EventSchema<T>>;

export class UnknownEventTypeError extends Error {
  constructor(readonly type: string) {
    super(`Unknown event type "${type}": it is not in the roamgate.v1 event registry`);
    this.name = 'UnknownEventTypeError';
  }
}

export class InvalidEventError extends Error {
  constructor(
    readonly type: string,
    message: string,
    options?: { cause?: unknown; field?: string },
  ) {
    super(`Invalid ${type}: ${options?.field === undefined ? '' : `field ${options.field}: `}${message}`, options);
    this.name = 'InvalidEventError';
    this.field = options?.field;
  }

  /** JSON path of the offending field, e.g. "samples[0].timestamp", when it could be located. */
  readonly field: string | undefined;
}

interface FamilyMember {
  readonly family: EventFamily;
  readonly field: DescField;
}

const members: ReadonlyMap<string, FamilyMember> = indexFamilyMembers();

function indexFamilyMembers(): Map<string, FamilyMember> {
  const index = new Map<string, FamilyMember>();
  for (const [family, wrapper] of Object.entries(eventFamilies) as [EventFamily, DescMessage][]) {
    for (const field of wrapper.oneofs[0]?.fields ?? []) {
      if (field.message === undefined) continue;
      index.set(field.message.name, { family, field });
    }
  }
  return index;
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(eventSchemas, type);
}

export function schemaOf<T extends EventType>(type: T): EventSchema<T>;
export function schemaOf(type: string): EventSchema;
export function schemaOf(type: string): EventSchema {
  if (!isEventType(type)) throw new UnknownEventTypeError(type);
  return eventSchemas[type];
}

export function familyOf(type: string): EventFamily {
  return memberOf(type).family;
}

/** The event type name of a generated event message, e.g. "ChargerBooted" for roamgate.v1.ChargerBooted. */
export function eventTypeOf(message: EventMessage): EventType {
  const type = message.$typeName.slice(message.$typeName.lastIndexOf('.') + 1);
  schemaOf(type);
  return type as EventType;
}

/**
 * The message each event's JSON was encoded from: the relay publishes events in the binary encoding, and when the
 * event store hands it the very JSON object it was given (an event it just committed), the message need not be
 * decoded from that JSON again. Events are read-only, so the two stay equal.
 *
 * It is a non-enumerable symbol property of the JSON object (JSON.stringify, structured clones and spreads leave it
 * out), not a WeakMap entry: a WeakMap's entries are ephemerons, which every full garbage collection processes one
 * by one, and with thousands of events a second reaching the old generation they were half of its pause (13.6 of
 * 28 ms at 3,000 MeterValues/s; docs/benchmarks.md, round 10).
 */
const MESSAGE_OF_JSON = Symbol('roamgate.eventMessage');

function messageOfJson(json: unknown): unknown {
  return typeof json === 'object' && json !== null ? (json as { [MESSAGE_OF_JSON]?: unknown })[MESSAGE_OF_JSON] : undefined;
}

/** The event as the schema's canonical proto3 JSON, the form the event store keeps. */
export function encodeEventJson<T extends EventType>(type: T, message: EventMessage<T>): JsonValue;
export function encodeEventJson(type: string, message: EventMessage): JsonValue;
export function encodeEventJson(type: string, message: unknown): JsonValue {
  const schema = schemaOf(type);
  requireMessageOf(type, schema, message);
  const json = guarded(type, () => toJson(schema, message as never));
  if (typeof json === 'object' && json !== null) Object.defineProperty(json, MESSAGE_OF_JSON, { value: message });
  return json;
}

/**
 * Parses stored JSON. Strict by default: an unknown field is an error, so a reader must be deployed
 * before the writer that adds a field (or pass `{ ignoreUnknownFields: true }`).
 */
export function decodeEventJson<T extends EventType>(type: T, json: JsonValue, options?: Partial<JsonReadOptions>): EventMessage<T>;
export function decodeEventJson(type: string, json: JsonValue, options?: Partial<JsonReadOptions>): EventMessage;
export function decodeEventJson(type: string, json: JsonValue, options?: Partial<JsonReadOptions>): EventMessage {
  const schema = schemaOf(type);
  try {
    return fromJson(schema, json, options) as EventMessage;
  } catch (error) {
    const field = invalidFieldPath(schema, json, options);
    throw new InvalidEventError(type, error instanceof Error ? error.message : String(error), { cause: error, field });
  }
}

/**
 * The event in its family's wrapper (e.g. ChargerEvent), binary encoded: the Kafka payload.
 * Every message on a family topic has the wrapper's type, so consumers can decode without a type header.
 */
export function encodeEventBinary<T extends EventType>(type: T, event: EventMessage<T> | JsonValue): Uint8Array;
export function encodeEventBinary(type: string, event: EventMessage | JsonValue): Uint8Array;
export function encodeEventBinary(type: string, event: unknown): Uint8Array {
  const { family, field } = memberOf(type);
  const wrapper = eventFamilies[family] as DescMessage;
  const message = isMessage(event)
    ? event
    : (messageOfJson(event) ?? decodeEventJson(type, event as JsonValue));
  requireMessageOf(type, schemaOf(type), message);
  const envelope = create(wrapper, { event: { case: field.localName, value: message } });
  const bytes = guarded(type, () => toBinary(wrapper, envelope));
  // requireMessageOf made sure the message is a `type`.
  const carried: CarriedMessage = { family, decoded: { type: type as EventType, message: message as EventMessage } };
  Object.defineProperty(bytes, MESSAGE_OF_BYTES, { value: carried });
  return bytes;
}

export function decodeEventBinary<T extends EventType>(type: T, bytes: Uint8Array): EventMessage<T>;
export function decodeEventBinary(type: string, bytes: Uint8Array): EventMessage;
export function decodeEventBinary(type: string, bytes: Uint8Array): EventMessage {
  const { family } = memberOf(type);
  const decoded = decodeFamilyBinary(family, bytes);
  if (decoded.type !== type) {
    throw new InvalidEventError(type, `the ${family} payload carries ${decoded.type}`);
  }
  return decoded.message;
}

/**
 * The message a payload was encoded from, carried by the bytes themselves: on the in-process bus every consumer group
 * of a topic is handed the very bytes the relay encoded, so none of them decodes what the process already holds as a
 * message (decoding was a measurable share of the standalone's CPU and of its allocations under charger load; bytes
 * from Kafka or read back from a file carry nothing and are decoded). A non-enumerable symbol property, like
 * MESSAGE_OF_JSON and for the same reason. Consumers treat events as read-only, so sharing one message is safe.
 */
const MESSAGE_OF_BYTES = Symbol('roamgate.eventMessageOfBytes');

interface CarriedMessage {
  readonly family: EventFamily;
  readonly decoded: { type: EventType; message: EventMessage };
}

/** Decodes a family topic payload without knowing its event type. */
export function decodeFamilyBinary(family: EventFamily, bytes: Uint8Array): { type: EventType; message: EventMessage } {
  const carried = (bytes as { [MESSAGE_OF_BYTES]?: CarriedMessage })[MESSAGE_OF_BYTES];
  if (carried !== undefined && carried.family === family) return carried.decoded;
  return decodeFamilyBinaryOnce(family, bytes);
}

function decodeFamilyBinaryOnce(family: EventFamily, bytes: Uint8Array): { type: EventType; message: EventMessage } {
  if (!Object.hasOwn(eventFamilies, family)) throw new Error(`Unknown event family "${String(family)}"`);
  const wrapper = eventFamilies[family] as DescMessage;
  const envelope = guarded(wrapper.name, () => fromBinary(wrapper, bytes)) as unknown as {
    event: { case: string | undefined; value?: EventMessage };
  };
  const { value } = envelope.event;
  if (value === undefined) {
    throw new InvalidEventError(wrapper.name, 'the payload carries no event (empty oneof, or an event unknown to this version)');
  }
  return { type: eventTypeOf(value), message: value };
}

function memberOf(type: string): FamilyMember {
  schemaOf(type);
  const member = members.get(type);
  if (member === undefined) throw new UnknownEventTypeError(type);
  return member;
}

function requireMessageOf(type: string, schema: DescMessage, message: unknown): void {
  if (!isMessage(message, schema)) {
    const actual = isMessage(message) ? message.$typeName : typeof message;
    throw new InvalidEventError(type, `expected a ${schema.typeName} message, got ${actual}`);
  }
}

function guarded<R>(type: string, run: () => R): R {
  try {
    return run();
  } catch (error) {
    if (error instanceof InvalidEventError || error instanceof UnknownEventTypeError) throw error;
    throw new InvalidEventError(type, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

// protobuf-es names the enum or well-known type that failed but not always the field holding it;
// decoding one key at a time finds the path a reader needs to fix the document.
function invalidFieldPath(schema: DescMessage, json: JsonValue, options?: Partial<JsonReadOptions>): string | undefined {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
  for (const [key, value] of Object.entries(json)) {
    const field = schema.fields.find((f) => f.jsonName === key || f.name === key);
    if (field === undefined) {
      if (options?.ignoreUnknownFields) continue;
      return key;
    }
    if (decodes(schema, { [key]: value }, options)) continue;
    return key + (nestedInvalidPath(schema, key, field, value, options) ?? '');
  }
  return undefined;
}

function nestedInvalidPath(
  schema: DescMessage,
  key: string,
  field: DescField,
  value: JsonValue,
  options?: Partial<JsonReadOptions>,
): string | undefined {
  const inner = (schema: DescMessage, json: JsonValue): string => {
    const path = invalidFieldPath(schema, json, options);
    return path === undefined ? '' : `.${path}`;
  };
  if (field.fieldKind === 'message') return inner(field.message, value);
  if (field.fieldKind === 'list' && Array.isArray(value)) {
    const index = value.findIndex((item) =>
      field.listKind === 'message' ? !decodes(field.message, item, options) : !decodes(schema, { [key]: [item] }, options),
    );
    if (index < 0) return undefined;
    return `[${index}]` + (field.listKind === 'message' ? inner(field.message, value[index] ?? null) : '');
  }
  if (field.fieldKind === 'map' && field.mapKind === 'message' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entry = Object.entries(value).find(([, item]) => !decodes(field.message, item, options));
    return entry === undefined ? undefined : `[${JSON.stringify(entry[0])}]` + inner(field.message, entry[1]);
  }
  return undefined;
}

function decodes(schema: DescMessage, json: JsonValue, options?: Partial<JsonReadOptions>): boolean {
  try {
    fromJson(schema, json, options);
    return true;
  } catch {
    return false;
  }
}
