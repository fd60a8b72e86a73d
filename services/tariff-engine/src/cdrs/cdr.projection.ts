import { CdrIssuingFailure, timestampDate, type Price, type Timestamp } from '@roamgate/contracts';
import type { CollectionSpec } from '@roamgate/read-models';
import type { CdrFieldDiff } from './cdr-diff';
import type { CdrEvent } from './cdr-events';

export const CDRS = 'cdrs';

export const CDR_COLLECTION: CollectionSpec = { name: CDRS, indexes: ['sessionId', 'chargerId', 'partnerId', 'status', 'issuedAt'] };

export type CdrStatus = 'ISSUED' | 'ISSUING_FAILED';
export type ReplayStatus = 'NOT_REPLAYED' | 'MATCHES' | 'DIFFERS';

export interface PriceView {
  readonly exclVat: string;
  readonly inclVat: string | null;
}

/** One CDR as the operations API shows it: the OCPI CDR as issued, and what replays and delivery made of it. */
export interface CdrDocument {
  readonly [field: string]: unknown;
  readonly id: string;
  readonly status: CdrStatus;
  readonly sessionId: string;
  readonly chargerId: string;
  readonly partnerId: string | null;
  /** When the CDR was issued, or when issuing last failed. */
  readonly issuedAt: string | null;
  readonly currency: string | null;
  readonly startDateTime: string | null;
  readonly endDateTime: string | null;
  readonly totalCost: PriceView | null;
  readonly totalEnergyKwh: string | null;
  readonly tariffs: readonly { readonly tariffId: string; readonly lastUpdated: string | null }[];
  readonly timeZone: string | null;
  readonly anomalies: readonly string[];
  readonly failure: { readonly reason: string; readonly detail: string } | null;
  /** The OCPI 2.2.1 CDR object exactly as issued. */
  readonly cdr: Record<string, unknown> | null;
  readonly replay: {
    readonly status: ReplayStatus;
    readonly replays: number;
    readonly lastReplayedAt: string | null;
    readonly diffs: readonly CdrFieldDiff[];
    readonly replayedTotalCost: PriceView | null;
  };
  readonly delivery: {
    readonly status: 'PENDING' | 'DELIVERED' | 'FAILED';
    readonly attempts: number;
    readonly at: string | null;
    readonly locationUrl: string | null;
    readonly error: string | null;
  };
}

const iso = (value: Timestamp | undefined): string | null => (value === undefined ? null : timestampDate(value).toISOString());
const priceView = (price: Price | undefined): PriceView | null => (price === undefined ? null : { exclVat: price.exclVat, inclVat: price.inclVat ?? null });
const failureName = (reason: CdrIssuingFailure): string => CdrIssuingFailure[reason] ?? String(reason);

function emptyDocument(cdrId: string, sessionId: string): CdrDocument {
  return {
    id: cdrId,
    status: 'ISSUING_FAILED',
    sessionId,
    chargerId: '',
    partnerId: null,
    issuedAt: null,
    currency: null,
    startDateTime: null,
    endDateTime: null,
    totalCost: null,
    totalEnergyKwh: null,
    tariffs: [],
    timeZone: null,
    anomalies: [],
    failure: null,
    cdr: null,
    replay: { status: 'NOT_REPLAYED', replays: 0, lastReplayedAt: null, diffs: [], replayedTotalCost: null },
    delivery: { status: 'PENDING', attempts: 0, at: null, locationUrl: null, error: null },
  };
}

/** The next state of a CDR document; events of one cdr stream arrive in order, the caller guards by revision. */
export function projectCdr(doc: CdrDocument | undefined, event: CdrEvent): CdrDocument {
  switch (event.type) {
    case 'CdrIssued': {
      const e = event.data;
      return {
        ...(doc ?? emptyDocument(e.cdrId, e.sessionId)),
        status: 'ISSUED',
        sessionId: e.sessionId,
        chargerId: e.chargerId,
        partnerId: e.partnerId === '' ? null : e.partnerId,
        issuedAt: iso(e.occurredAt),
        currency: e.currency,
        startDateTime: iso(e.startDateTime),
        endDateTime: iso(e.endDateTime),
        totalCost: priceView(e.totalCost),
        totalEnergyKwh: e.totalEnergyKwh,
        tariffs: e.tariffs.map((t) => ({ tariffId: t.tariffId, lastUpdated: iso(t.lastUpdated) })),
        timeZone: e.timeZone === '' ? null : e.timeZone,
        anomalies: [...e.anomalies],
        failure: null,
        cdr: JSON.parse(e.cdrJson) as Record<string, unknown>,
      };
    }
    case 'CdrIssuingFailed': {
      const e = event.data;
      const base = doc ?? emptyDocument(e.cdrId, e.sessionId);
      if (base.status === 'ISSUED') return base;
      return {
        ...base,
        chargerId: e.chargerId,
        partnerId: e.partnerId === '' ? null : e.partnerId,
        issuedAt: iso(e.occurredAt),
        tariffs: e.tariffs.map((t) => ({ tariffId: t.tariffId, lastUpdated: iso(t.lastUpdated) })),
        anomalies: [...e.anomalies],
        failure: { reason: failureName(e.reason), detail: e.detail },
      };
    }
    case 'CdrReplayed': {
      const e = event.data;
      const base = doc ?? emptyDocument(e.cdrId, e.sessionId);
      return {
        ...base,
        replay: {
          status: e.matches ? 'MATCHES' : 'DIFFERS',
          replays: base.replay.replays + 1,
          lastReplayedAt: iso(e.occurredAt),
          diffs: e.diffs.map(({ field, issued, replayed }) => ({ field, issued, replayed })),
          replayedTotalCost: priceView(e.replayedTotalCost),
        },
      };
    }
    case 'CdrDelivered': {
      const e = event.data;
      const base = doc ?? emptyDocument(e.cdrId, '');
      return { ...base, delivery: { status: 'DELIVERED', attempts: e.attempt, at: iso(e.occurredAt), locationUrl: e.locationUrl || null, error: null } };
    }
    case 'CdrDeliveryFailed': {
      const e = event.data;
      const base = doc ?? emptyDocument(e.cdrId, '');
      if (base.delivery.status === 'DELIVERED') return base;
      return { ...base, delivery: { status: 'FAILED', attempts: e.attempt, at: iso(e.occurredAt), locationUrl: null, error: e.error || null } };
    }
  }
}
