import { create, type JsonValue } from '@bufbuild/protobuf';
import { decodeEventJson, encodeEventJson, schemaOf, type EventMessage, type EventSchema, type EventType } from './codec.js';

/** What `create` takes for an event type: the fields of the contract message. */
export type EventInit<T extends EventType> = NonNullable<Parameters<typeof create<EventSchema<T>>>[1]>;

/** A domain event: the contract message tagged with its type name, the name it is stored under. */
export type DomainEvent<T extends EventType> = T extends EventType ? { readonly type: T; readonly data: EventMessage<T> } : never;

/** The record the event store appends: `{ type, data }` with data in canonical proto3 JSON. */
export interface StoredEvent {
  readonly type: string;
  readonly data: JsonValue;
}

export function domainEvent<T extends EventType>(type: T, init: EventInit<T>): DomainEvent<T> {
  return { type, data: create(schemaOf(type), init as never) } as unknown as DomainEvent<T>;
}

export function toStoredEvent(event: DomainEvent<EventType>): StoredEvent {
  return { type: event.type, data: encodeEventJson(event.type, event.data) };
}

/** Reads a stored event back; unknown fields are tolerated so older readers can fold newer streams. */
export function fromStoredEvent<T extends EventType = EventType>(stored: StoredEvent): DomainEvent<T> {
  const data = decodeEventJson(stored.type, stored.data, { ignoreUnknownFields: true });
  return { type: stored.type, data } as unknown as DomainEvent<T>;
}

/**
 * The codec of one stream family (a closed list of event types): `is` narrows a type name, `toStored`/`fromStored`
 * convert as above, and `fromStored` refuses a type outside the family, naming the stream (`<name> stream` without one).
 */
export function streamEventCodec<T extends EventType>(types: readonly T[], name: string) {
  const is = (type: string): type is T => (types as readonly string[]).includes(type);
  return {
    is,
    toStored(event: DomainEvent<T>): StoredEvent {
      return toStoredEvent(event as DomainEvent<EventType>);
    },
    fromStored(stored: StoredEvent & { readonly streamId?: string }): DomainEvent<T> {
      if (!is(stored.type)) throw new Error(`${stored.streamId ?? `${name} stream`}: ${stored.type} is not a ${name} event`);
      return fromStoredEvent<T>(stored);
    },
  };
}
