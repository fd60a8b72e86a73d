import { createHash } from 'node:crypto';
import { create, decodeEventJson, encodeEventJson, schemaOf, type EventMessage, type EventSchema, type JsonValue } from '@roamgate/contracts';
import type { RecordedEvent } from '@roamgate/event-store';

export const CDR_EVENT_TYPES = ['CdrIssued', 'CdrIssuingFailed', 'CdrReplayed', 'CdrDelivered', 'CdrDeliveryFailed'] as const;
export type CdrEventType = (typeof CDR_EVENT_TYPES)[number];

/** A cdr stream event: the contract message tagged with the type name it is stored under. */
export type CdrEvent = { [T in CdrEventType]: { readonly type: T; readonly data: EventMessage<T> } }[CdrEventType];
export type CdrEventOf<T extends CdrEventType> = Extract<CdrEvent, { type: T }>;

type Init<T extends CdrEventType> = NonNullable<Parameters<typeof create<EventSchema<T>>>[1]>;

export function cdrEvent<T extends CdrEventType>(type: T, init: Init<T>): CdrEventOf<T> {
  return { type, data: create(schemaOf(type), init as never) } as unknown as CdrEventOf<T>;
}

export const cdrStreamName = (cdrId: string): string => `cdr-${cdrId}`;

export const isCdrEventType = (type: string): type is CdrEventType => (CDR_EVENT_TYPES as readonly string[]).includes(type);

/** Events are stored as canonical proto3 JSON; unknown fields are tolerated so older readers fold newer streams. */
export const cdrEventCodec = {
  toStored(event: CdrEvent): { readonly type: string; readonly data: JsonValue } {
    return { type: event.type, data: encodeEventJson(event.type, event.data) };
  },
  fromStored(stored: Pick<RecordedEvent, 'type' | 'data' | 'streamId'>): CdrEvent {
    if (!isCdrEventType(stored.type)) throw new Error(`${stored.streamId}: ${stored.type} is not a cdr event`);
    return { type: stored.type, data: decodeEventJson(stored.type, stored.data, { ignoreUnknownFields: true }) } as CdrEvent;
  },
};

const CDR_NAMESPACE = Buffer.from('93711333024040e1b6a02e0c58554143', 'hex');

/**
 * The CDR id of a session: a name-based UUID (RFC 9562 version 5) of the session id, so every attempt to issue
 * the CDR of one session, redelivered or concurrent, names the same stream. 36 characters, as OCPI allows for
 * a CDR that is not a credit CDR.
 */
export function cdrIdOf(sessionId: string): string {
  const hash = createHash('sha1').update(CDR_NAMESPACE).update(sessionId, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
