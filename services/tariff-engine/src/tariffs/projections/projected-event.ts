import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary } from '@roamgate/contracts';
import { EVENT_HEADERS } from '@roamgate/relay';
import { TARIFF_EVENT_TYPES, type TariffEvent, type TariffEventType } from '../tariff-events';

/** A tariff event with where it sits in its stream. */
export type ProjectedTariffEvent = TariffEvent & { readonly id: string; readonly streamId: string; readonly revision: number };

export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/** Reads a relayed message of the tariff topic; throws when a header the relay always sets is missing. */
export function tariffEventOfMessage(message: DeliveredMessage): ProjectedTariffEvent {
  const header = (name: string): string => {
    const value = message.headers[name];
    if (value === undefined || value === '') throw new MalformedMessageError(`${message.topic}@${message.partition}:${message.offset} has no ${name} header`);
    return value;
  };
  const type = header(EVENT_HEADERS.eventType);
  if (!(TARIFF_EVENT_TYPES as readonly string[]).includes(type)) throw new MalformedMessageError(`${type} on ${message.topic} is not a tariff event`);
  const revision = Number(header(EVENT_HEADERS.revision));
  if (!Number.isSafeInteger(revision) || revision < 0) throw new MalformedMessageError(`${EVENT_HEADERS.revision} header is not an integer`);
  return {
    type,
    data: decodeEventBinary(type as TariffEventType, message.value),
    id: header(EVENT_HEADERS.eventId),
    streamId: header(EVENT_HEADERS.streamId),
    revision,
  } as ProjectedTariffEvent;
}
