import {
  create,
  decodeEventJson,
  encodeEventJson,
  schemaOf,
  type EventMessage,
  type EventSchema,
  type EventType,
  type JsonValue,
} from '@roamgate/contracts';

export type EventInit<T extends EventType> = NonNullable<Parameters<typeof create<EventSchema<T>>>[1]>;

/** A domain event: the contract message tagged with its type name, the name it is stored under. */
export type DomainEvent<T extends EventType> = T extends EventType ? { readonly type: T; readonly data: EventMessage<T> } : never;

export interface StoredEvent {
  readonly type: string;
  readonly data: JsonValue;
}

export function domainEvent<T extends EventType>(type: T, init: EventInit<T>): DomainEvent<T> {
  return { type, data: create(schemaOf(type), init) } as unknown as DomainEvent<T>;
}

export function toStoredEvent(event: DomainEvent<EventType>): StoredEvent {
  return { type: event.type, data: encodeEventJson(event.type, event.data) };
}

/** Unknown fields are tolerated so that older readers can fold streams written by newer ones. */
export function fromStoredEvent<T extends EventType = EventType>(stored: StoredEvent): DomainEvent<T> {
  const data = decodeEventJson(stored.type, stored.data, { ignoreUnknownFields: true });
  return { type: stored.type, data } as unknown as DomainEvent<T>;
}
