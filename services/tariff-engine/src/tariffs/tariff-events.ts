import { create, decodeEventJson, encodeEventJson, schemaOf, type EventMessage, type EventSchema, type JsonValue } from '@roamgate/contracts';
import type { RecordedEvent } from '@roamgate/event-store';

export const TARIFF_EVENT_TYPES = ['TariffPublished', 'TariffDeleted', 'TariffAssigned', 'TariffUnassigned'] as const;
export type TariffEventType = (typeof TARIFF_EVENT_TYPES)[number];

/** A tariff stream event: the contract message tagged with the type name it is stored under. */
export type TariffEvent = { [T in TariffEventType]: { readonly type: T; readonly data: EventMessage<T> } }[TariffEventType];
export type TariffEventOf<T extends TariffEventType> = Extract<TariffEvent, { type: T }>;

type Init<T extends TariffEventType> = NonNullable<Parameters<typeof create<EventSchema<T>>>[1]>;

export function tariffEvent<T extends TariffEventType>(type: T, init: Init<T>): TariffEventOf<T> {
  return { type, data: create(schemaOf(type), init as never) } as unknown as TariffEventOf<T>;
}

export const tariffStreamName = (tariffId: string): string => `tariff-${tariffId}`;

const isTariffEventType = (type: string): type is TariffEventType => (TARIFF_EVENT_TYPES as readonly string[]).includes(type);

/** Events are stored as canonical proto3 JSON; unknown fields are tolerated so older readers fold newer streams. */
export const tariffEventCodec = {
  toStored(event: TariffEvent): { readonly type: string; readonly data: JsonValue } {
    return { type: event.type, data: encodeEventJson(event.type, event.data) };
  },
  fromStored(stored: Pick<RecordedEvent, 'type' | 'data' | 'streamId'>): TariffEvent {
    if (!isTariffEventType(stored.type)) throw new Error(`${stored.streamId}: ${stored.type} is not a tariff event`);
    return { type: stored.type, data: decodeEventJson(stored.type, stored.data, { ignoreUnknownFields: true }) } as TariffEvent;
  },
};
