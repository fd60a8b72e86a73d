import type { DeliveryFacts, OurCdr } from '@roamgate/reconciliation';
import type { ReadModelStore } from '@roamgate/read-models';
import { CDR_FACTS, CHARGER_FACTS, PUSH_FACTS, SESSION_FACTS, sessionPushesOf, type CdrFacts, type ChargerFacts, type PushFacts, type SessionFacts } from '../facts/fact-documents';
import { allOf } from '../reports/reports.controller';

const num = (text: string | null): number | undefined => {
  if (text === null) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
};

function deliveryFactsOf(cdr: CdrFacts): DeliveryFacts | undefined {
  if (cdr.delivery !== 'FAILED') return cdr.deliveryAttempts > 0 ? { attempts: cdr.deliveryAttempts } : undefined;
  const http = cdr.deliveryHttpStatus ?? 0;
  const failure = http === 0 ? 'TRANSPORT' : http >= 400 ? 'HTTP' : 'OCPI';
  return {
    attempts: cdr.deliveryAttempts,
    failure,
    ...(http ? { httpStatus: http } : {}),
    ...(cdr.deliveryOcpiStatus ? { ocpiStatus: cdr.deliveryOcpiStatus } : {}),
    ...(cdr.deliveryError ? { message: cdr.deliveryError } : {}),
  };
}

/** The session anomaly the gateway records when it closes a transaction the charger never stopped. */
const STOP_MISSING = 'STOP_MISSING';

/** Our CDR as the matcher reads it: the issued CDR with its delivery, replay and the charger's facts of its session. */
export function ourCdrOf(cdr: CdrFacts, session: SessionFacts | undefined, charger: ChargerFacts | undefined, pushes: readonly PushFacts[] = []): OurCdr {
  const delivery = deliveryFactsOf(cdr);
  const sessionPushes = sessionPushesOf(pushes.filter((p) => p.partnerId === '' || p.partnerId === cdr.partnerId));
  const meterStartWh = num(session?.meterStartWh ?? null);
  const meterStopWh = num(session?.meterStopWh ?? null);
  const maxPowerW = num(session?.maxPowerW ?? null);
  return {
    cdrId: cdr.id,
    sessionId: cdr.sessionId,
    ...(cdr.authorizationReference ? { authorizationReference: cdr.authorizationReference } : {}),
    partnerId: cdr.partnerId,
    evseUid: cdr.evseUid ?? '',
    tokenUid: cdr.tokenUid ?? '',
    start: cdr.start ?? '',
    end: cdr.end ?? '',
    kwh: cdr.kwh ?? '0',
    amountExclVat: cdr.amountExclVat ?? '0',
    amountInclVat: cdr.amountInclVat ?? cdr.amountExclVat ?? '0',
    currency: cdr.currency ?? '',
    ...(cdr.tariff ? { tariff: { id: cdr.tariff.id, ...(cdr.tariff.version ? { version: cdr.tariff.version } : {}) } } : {}),
    delivery: cdr.delivery,
    ...(delivery ? { deliveryFacts: delivery } : {}),
    ...(sessionPushes ? { sessionPushes } : {}),
    ...(cdr.replay ? { replay: { matches: cdr.replay.matches, diffs: cdr.replay.diffs.map((d) => ({ field: d.field, cdr: d.issued, replay: d.replayed })) } } : {}),
    ...(session !== undefined && meterStartWh !== undefined
      ? {
          charger: {
            chargePointId: session.chargerId,
            meterStartWh,
            ...(meterStopWh === undefined ? {} : { meterStopWh }),
            // Not stopped, or closed by the gateway because the charger started another transaction in its place.
            ...(session.stopped && !session.anomalies.includes(STOP_MISSING) ? {} : { stopMissing: true }),
            ...(session.clockSkewS === null ? {} : { clockSkewS: session.clockSkewS }),
            ...(maxPowerW === undefined ? {} : { maxPowerKw: maxPowerW / 1000 }),
            ...(charger?.vendor ? { vendor: charger.vendor } : {}),
            ...(charger?.model ? { model: charger.model } : {}),
            ...(charger?.firmware ? { firmware: charger.firmware } : {}),
          },
        }
      : {}),
  };
}

/** Our issued CDRs for the partner that started in [from, to), ordered by start, as the matcher wants them. */
export async function ourCdrsOf(store: ReadModelStore, partnerId: string, from: Date, to: Date): Promise<OurCdr[]> {
  const cdrs: OurCdr[] = [];
  for await (const cdr of allOf<CdrFacts>(store, CDR_FACTS, { partnerId, issued: true })) {
    if (cdr.start === null) continue;
    const start = Date.parse(cdr.start);
    if (start < from.getTime() || start >= to.getTime()) continue;
    const session = (await store.get<SessionFacts>(SESSION_FACTS, cdr.sessionId))?.data;
    const charger = session?.chargerId ? (await store.get<ChargerFacts>(CHARGER_FACTS, session.chargerId))?.data : undefined;
    const pushes = (await store.find<PushFacts>(PUSH_FACTS, { where: { sessionId: cdr.sessionId }, limit: 100 })).items.map((item) => item.data);
    cdrs.push(ourCdrOf(cdr, session, charger, pushes));
  }
  return cdrs.sort((a, b) => a.start.localeCompare(b.start));
}
