import { FrameDirection, FrameType, timestampMs, type EventMessage } from '@roamgate/contracts';
import type { FrameFields } from '../message-log/frame-document';
import type { FrameDirectionLabel } from './documents';
import { label, orNull, protocolLabel } from './labels';

/** What the message log keeps of a frame: the fields of OcppFrameLogged. */
export type FrameRecord = Omit<EventMessage<'OcppFrameLogged'>, '$typeName' | '$unknown'>;

/**
 * The message-log fields of a frame, whether the gateway logged it directly or older versions logged it as an
 * OcppFrameLogged event on the charger stream; the log's writer completes them into the document
 * (message-log/frame-document.ts).
 */
export function frameFields(data: FrameRecord): FrameFields {
  return {
    chargerId: data.chargerId,
    sessionId: orNull(data.sessionId),
    commandId: orNull(data.commandId),
    connectionId: orNull(data.connectionId),
    protocol: protocolLabel(data.protocol),
    atMs: data.occurredAt === undefined ? null : timestampMs(data.occurredAt),
    direction: label(FrameDirection, data.direction) as FrameDirectionLabel | null,
    frameType: label(FrameType, data.frameType),
    action: data.action,
    messageId: data.messageId,
    payload: data.frame,
    latencyMs: data.frameType === FrameType.CALL ? null : data.latencyMs,
    validationError: orNull(data.validationError),
  };
}
