import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, isEventType, type EventMessage, type EventType } from '@roamgate/contracts';
import { EVENT_HEADERS } from '@roamgate/relay';

/** An event as the relay published it, with where it sits in its stream. */
export interface RelayedEvent<T extends EventType = EventType> {
  readonly type: T;
  readonly data: EventMessage<T>;
  readonly streamId: string;
  readonly revision: number;
}

/** Decodes a relayed message when its type is one of `wanted`; throws when a header the relay always sets is missing. */
export function relayedEvent<T extends EventType>(message: DeliveredMessage, wanted: readonly T[]): RelayedEvent<T> | undefined {
  const type = message.headers[EVENT_HEADERS.eventType] ?? '';
  if (!isEventType(type) || !(wanted as readonly string[]).includes(type)) return undefined;
  const streamId = message.headers[EVENT_HEADERS.streamId] ?? '';
  const revision = Number(message.headers[EVENT_HEADERS.revision]);
  if (streamId === '' || !Number.isSafeInteger(revision) || revision < 0) {
    throw new Error(`${message.topic}@${message.partition}:${message.offset} lacks its stream id or revision header`);
  }
  return { type: type as T, data: decodeEventBinary(type, message.value) as EventMessage<T>, streamId, revision };
}
