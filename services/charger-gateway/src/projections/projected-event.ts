import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, isEventType, type EventMessage, type EventType } from '@roamgate/contracts';
import { EVENT_HEADERS } from '@roamgate/relay';

/** A decoded event with where it sits in its stream and in the global log. */
export type ProjectedEvent = {
  [T in EventType]: {
    readonly type: T;
    readonly data: EventMessage<T>;
    readonly id: string;
    readonly streamId: string;
    readonly revision: number;
    readonly position: number;
  };
}[EventType];

export type ProjectedEventOf<T extends EventType> = Extract<ProjectedEvent, { type: T }>;

export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/** Reads a relayed bus message; throws when a header the relay always sets is missing. */
export function eventOfMessage(message: DeliveredMessage): ProjectedEvent {
  const header = (name: string): string => {
    const value = message.headers[name];
    if (value === undefined || value === '') {
      throw new MalformedMessageError(`${message.topic}@${message.partition}:${message.offset} has no ${name} header`);
    }
    return value;
  };
  const type = header(EVENT_HEADERS.eventType);
  if (!isEventType(type)) throw new MalformedMessageError(`unknown event type ${type} on ${message.topic}`);
  return {
    type,
    data: decodeEventBinary(type, message.value),
    id: header(EVENT_HEADERS.eventId),
    streamId: header(EVENT_HEADERS.streamId),
    revision: integer(header(EVENT_HEADERS.revision), EVENT_HEADERS.revision),
    position: integer(header(EVENT_HEADERS.position), EVENT_HEADERS.position),
  } as ProjectedEvent;
}

function integer(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new MalformedMessageError(`${name} header is not an integer: ${text}`);
  return value;
}
