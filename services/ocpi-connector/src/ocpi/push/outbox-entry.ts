import { timestampMs, type EventMessage } from '@roamgate/contracts';

export const OUTBOX = { name: 'ocpi_outbox', indexes: ['partnerId', 'status', 'partnerStatus', 'objectKey', 'seq', 'sessionId'] } as const;

export type OutboxStatus = 'pending' | 'delivered' | 'dead';
export type PushMethod = 'PUT' | 'PATCH' | 'POST' | 'DELETE';

export type OutboxEntry = {
  readonly id: string;
  readonly partnerId: string;
  readonly module: string;
  readonly objectId: string;
  /** `<partnerId>|<module>|<objectId>`: entries with one key go out one after the other, in seq order. */
  readonly objectKey: string;
  readonly method: PushMethod;
  readonly path: string;
  readonly body: string;
  readonly sessionId: string | null;
  readonly sourceEventId: string;
  /** Global position of the OcpiPushQueued event: the queue order. */
  readonly seq: number;
  readonly status: OutboxStatus;
  readonly partnerStatus: string;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly lastHttpStatus: number | null;
  readonly lastOcpiStatus: number | null;
  readonly locationUrl: string | null;
  readonly queuedAt: string;
  readonly deliveredAt: string | null;
  /**
   * Trace headers (traceparent, x-correlation-id) of the work that queued the entry, from the OcpiPushQueued event's
   * metadata: every attempt is made in that context, so the partner sees the chain's X-Correlation-ID.
   */
  readonly trace?: Readonly<Record<string, string>>;
};

export type OutboxEvent =
  | { readonly type: 'OcpiPushQueued'; readonly data: EventMessage<'OcpiPushQueued'> }
  | { readonly type: 'OcpiPushAttemptFailed'; readonly data: EventMessage<'OcpiPushAttemptFailed'> }
  | { readonly type: 'OcpiPushDelivered'; readonly data: EventMessage<'OcpiPushDelivered'> }
  | { readonly type: 'OcpiPushRetryRequested'; readonly data: EventMessage<'OcpiPushRetryRequested'> };

export const OUTBOX_EVENT_TYPES: ReadonlySet<string> = new Set(['OcpiPushQueued', 'OcpiPushAttemptFailed', 'OcpiPushDelivered', 'OcpiPushRetryRequested']);

const iso = (ts: Parameters<typeof timestampMs>[0] | undefined): string | null => (ts ? new Date(timestampMs(ts)).toISOString() : null);

/** Folds one outbox event into its entry; `position` is the event's global position (the seq of a new entry). */
export function evolveEntry(entry: OutboxEntry | undefined, event: OutboxEvent, position: number, trace: Readonly<Record<string, string>> = {}): OutboxEntry | undefined {
  const data = event.data;
  if (event.type === 'OcpiPushQueued') {
    if (entry) return entry;
    const d = event.data;
    return {
      id: d.entryId,
      partnerId: d.partnerId,
      module: d.module,
      objectId: d.objectId,
      objectKey: `${d.partnerId}|${d.module}|${d.objectId}`,
      method: d.method as PushMethod,
      path: d.path,
      body: d.bodyJson,
      sessionId: d.sessionId || null,
      sourceEventId: d.sourceEventId,
      seq: position,
      status: 'pending',
      partnerStatus: `${d.partnerId}|pending`,
      attempts: 0,
      nextAttemptAt: iso(d.occurredAt),
      lastError: null,
      lastHttpStatus: null,
      lastOcpiStatus: null,
      locationUrl: null,
      queuedAt: iso(d.occurredAt) ?? new Date(0).toISOString(),
      deliveredAt: null,
      ...(Object.keys(trace).length > 0 ? { trace } : {}),
    };
  }
  if (!entry || entry.id !== data.entryId) return entry;
  switch (event.type) {
    case 'OcpiPushAttemptFailed': {
      const d = event.data;
      const status: OutboxStatus = d.deadLettered ? 'dead' : 'pending';
      return {
        ...entry,
        status,
        partnerStatus: `${entry.partnerId}|${status}`,
        attempts: d.attempt,
        nextAttemptAt: d.deadLettered ? null : iso(d.nextAttemptAt),
        lastError: d.error,
        lastHttpStatus: d.httpStatus,
        lastOcpiStatus: d.ocpiStatusCode,
      };
    }
    case 'OcpiPushDelivered': {
      const d = event.data;
      return {
        ...entry,
        status: 'delivered',
        partnerStatus: `${entry.partnerId}|delivered`,
        attempts: d.attempt,
        nextAttemptAt: null,
        lastHttpStatus: d.httpStatus,
        lastOcpiStatus: d.ocpiStatusCode,
        locationUrl: d.locationUrl || null,
        deliveredAt: iso(d.occurredAt),
      };
    }
    case 'OcpiPushRetryRequested':
      if (entry.status !== 'dead') return entry;
      return { ...entry, status: 'pending', partnerStatus: `${entry.partnerId}|pending`, attempts: 0, nextAttemptAt: iso(event.data.occurredAt) };
  }
}
