import type { EventCodec } from '@roamgate/runtime';
import { fromStoredEvent, toStoredEvent, type DomainEvent } from '@roamgate/domain-charging';
import type { EventType } from '@roamgate/contracts';
import type { Json } from '@roamgate/event-store';

/** The store codec of every charging stream: contract JSON in, domain events out. */
export function domainCodec<E extends DomainEvent<EventType>>(): EventCodec<E> {
  return {
    toStored: (event) => toStoredEvent(event) as { type: string; data: Json },
    fromStored: (stored) => fromStoredEvent(stored as never) as E,
  };
}
