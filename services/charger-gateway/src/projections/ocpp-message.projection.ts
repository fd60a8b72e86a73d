import { FrameDirection, FrameType } from '@roamgate/contracts';
import type { FrameDirectionLabel, OcppMessageDocument } from './documents';
import { iso, label, orNull, protocolLabel } from './labels';
import type { ProjectedEventOf } from './projected-event';

/** One message-log entry per logged frame, keyed by the event id so a redelivery rewrites nothing. */
export function ocppMessageOf(event: ProjectedEventOf<'OcppFrameLogged'>): OcppMessageDocument {
  const { data } = event;
  const at = iso(data.occurredAt);
  return {
    id: event.id,
    chargerId: data.chargerId,
    sessionId: orNull(data.sessionId),
    commandId: orNull(data.commandId),
    connectionId: orNull(data.connectionId),
    protocol: protocolLabel(data.protocol),
    at,
    position: event.position,
    order: messageOrder(at, event.position),
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
