import { FrameDirection, FrameType, type EventMessage } from '@roamgate/contracts';
import type { FrameDirectionLabel, OcppMessageDocument } from './documents';
import { iso, label, orNull, protocolLabel } from './labels';
import type { ProjectedEventOf } from './projected-event';

/**
 * One message-log entry per frame logged as an event on the charger stream (as the gateway did before it wrote the
 * log directly; see ocpp/frame-log.ts), keyed by the event id so a redelivery rewrites nothing.
 */
export function ocppMessageOf(event: ProjectedEventOf<'OcppFrameLogged'>): OcppMessageDocument {
  return messageDocument(event.id, event.position, event.data);
}

/** What the message log keeps of a frame: the fields of OcppFrameLogged. */
export type FrameRecord = Omit<EventMessage<'OcppFrameLogged'>, '$typeName' | '$unknown'>;

/** The message-log entry of a frame; `position` orders the frames logged within one millisecond. */
export function messageDocument(id: string, position: number, data: FrameRecord): OcppMessageDocument {
  const at = iso(data.occurredAt);
  return {
    id,
    chargerId: data.chargerId,
    sessionId: orNull(data.sessionId),
    commandId: orNull(data.commandId),
    connectionId: orNull(data.connectionId),
    protocol: protocolLabel(data.protocol),
    at,
    position,
    order: messageOrder(at, position),
    direction: label(FrameDirection, data.direction) as FrameDirectionLabel | null,
    frameType: label(FrameType, data.frameType),
    action: data.action,
    messageId: data.messageId,
    payload: data.frame,
    latencyMs: data.frameType === FrameType.CALL ? null : data.latencyMs,
    validationError: orNull(data.validationError),
  };
}

/** Sorts as text in time order, then in log order for frames logged within the same millisecond. */
export function messageOrder(at: string | null, position: number): string {
  return `${at ?? '0000-00-00T00:00:00.000Z'}#${String(position).padStart(16, '0')}`;
}
