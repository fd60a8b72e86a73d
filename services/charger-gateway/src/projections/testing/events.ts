import { decodeEventJson, timestampFromDate, type EventType, type JsonValue, type Timestamp } from '@roamgate/contracts';
import { domainEvent, toStoredEvent, type DomainEvent, type EventInit } from '@roamgate/domain-charging';
import { newEventId, type Json, type NewEvent, type RecordedEvent } from '@roamgate/event-store';
import type { ProjectedEvent } from '../projected-event';

export const at = (iso: string): Timestamp => timestampFromDate(new Date(iso));

export function event<T extends EventType>(type: T, init: EventInit<T>): DomainEvent<T> {
  return domainEvent(type, init);
}

/** A domain event as a projection receives it from the bus. */
export function delivered<T extends EventType>(
  type: T,
  init: EventInit<T>,
  where: { readonly streamId: string; readonly revision: number; readonly position: number; readonly id?: string },
): ProjectedEvent {
  const { data } = domainEvent(type, init);
  return { type, data, id: where.id ?? newEventId(), streamId: where.streamId, revision: where.revision, position: where.position } as ProjectedEvent;
}

/** A domain event as the event store appends it. */
export function stored(event: DomainEvent<EventType>): NewEvent {
  const { type, data } = toStoredEvent(event);
  return { id: newEventId(), type, data: data as Json };
}

/** A stored event as a projection receives it, with the store's revision and position. */
export function projectedOf(recorded: RecordedEvent): ProjectedEvent {
  const data = decodeEventJson(recorded.type, recorded.data as JsonValue, { ignoreUnknownFields: true });
  return { type: recorded.type, data, id: recorded.id, streamId: recorded.streamId, revision: recorded.revision, position: recorded.position } as ProjectedEvent;
}
