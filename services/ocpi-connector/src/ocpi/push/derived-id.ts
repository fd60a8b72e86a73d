import { createHash } from 'node:crypto';

/**
 * An event id derived from what caused the event (a consumed event id, an entry and attempt): a redelivered
 * message appends the same id again, which the store refuses (DuplicateEventIdError) instead of queuing twice.
 * UUID layout, version nibble 8 (custom).
 */
export function derivedEventId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
