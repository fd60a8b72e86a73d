import type { OcppMessageDocument } from '../projections/documents';

/**
 * What the main thread hands the message log's writer for one frame: the document's fields but its id, time and
 * order, which the writer derives (no protobuf here: the writer thread does not load the contracts).
 */
export type FrameFields = Omit<OcppMessageDocument, 'id' | 'at' | 'position' | 'order'> & {
  /** When the frame went by, in Unix milliseconds; null when the frame carried no time (older events). */
  readonly atMs: number | null;
};

/** The message-log entry of a frame; `position` orders the frames logged within one millisecond. */
export function frameDocument(id: string, position: number, fields: FrameFields): OcppMessageDocument {
  const at = fields.atMs === null ? null : new Date(fields.atMs).toISOString();
  return {
    id,
    chargerId: fields.chargerId,
    sessionId: fields.sessionId,
    commandId: fields.commandId,
    connectionId: fields.connectionId,
    protocol: fields.protocol,
    at,
    position,
    order: messageOrder(at, position),
    direction: fields.direction,
    frameType: fields.frameType,
    action: fields.action,
    messageId: fields.messageId,
    payload: fields.payload,
    latencyMs: fields.latencyMs,
    validationError: fields.validationError,
  };
}

/** Sorts as text in time order, then in log order for frames logged within the same millisecond. */
export function messageOrder(at: string | null, position: number): string {
  return `${at ?? '0000-00-00T00:00:00.000Z'}#${String(position).padStart(16, '0')}`;
}
