import type { OurCdr, PartnerRecord, ReconLookup } from '@roamgate/reconciliation';
import type { ReadModelStore } from '@roamgate/read-models';
import {
  AUTHORIZATION_FACTS,
  CDR_FACTS,
  CHARGER_FACTS,
  LOCATION_FACTS,
  SESSION_FACTS,
  type AuthorizationFacts,
  type CdrFacts,
  type ChargerFacts,
  type LocationFacts,
  type SessionFacts,
} from '../facts/fact-documents';
import { allOf } from '../reports/reports.controller';

/**
 * Whether an EVSE is ours, from what the reconciler saw: EVSEs attached to our locations (uid or eMI3 id), EVSEs our
 * CDRs name, and `<charger id>-<evse>` uids of chargers registered with us. When we know no EVSE and no charger at
 * all the answer is undefined (we cannot tell), else an EVSE we never saw is not ours.
 */
export function evseOwnership(evses: ReadonlySet<string>, chargers: ReadonlySet<string>): (uid: string) => boolean | undefined {
  const knowsEstate = evses.size > 0 || chargers.size > 0;
  return (uid) => {
    if (evses.has(uid)) return true;
    const dash = uid.lastIndexOf('-');
    if (dash > 0 && chargers.has(uid.slice(0, dash))) return true;
    return knowsEstate ? false : undefined;
  };
}

/**
 * What else we know, for the partner records that none of our CDRs of the period carries: sessions we saw (and their
 * partner and CDR), CDR ids we issued, authorizations the eMSP granted, and our EVSEs. The UNKNOWN_TO_US rules read it
 * to tell a session we routed to another partner, or saw without issuing a CDR, from a record that is not ours.
 * Store reads happen only for records whose ids are not in `ours`, so a clean file costs none.
 */
export async function reconLookupFor(store: ReadModelStore, ours: readonly OurCdr[], records: readonly PartnerRecord[]): Promise<ReconLookup> {
  const sessions = new Map<string, { partnerId?: string; cdrId?: string }>();
  const cdrs = new Map<string, boolean>();
  const authorizations = new Map<string, { evseUid?: string } | undefined>();
  const evses = new Set<string>();
  const ourRefs = new Set<string>();
  for (const c of ours) {
    sessions.set(c.sessionId, { partnerId: c.partnerId, cdrId: c.cdrId });
    cdrs.set(c.cdrId, true);
    if (c.evseUid) evses.add(c.evseUid);
    if (c.authorizationReference) ourRefs.add(c.authorizationReference);
  }
  let unmatched = 0;
  for (const r of records) {
    if (r.cdrId !== undefined && cdrs.get(r.cdrId) === true) continue;
    if (r.sessionId !== undefined && sessions.has(r.sessionId)) continue;
    unmatched += 1;
    if (r.cdrId !== undefined && !cdrs.has(r.cdrId)) cdrs.set(r.cdrId, (await store.get<CdrFacts>(CDR_FACTS, r.cdrId))?.data.issued === true);
    if (r.sessionId !== undefined && !sessions.has(r.sessionId)) {
      const facts = (await store.get<SessionFacts>(SESSION_FACTS, r.sessionId))?.data;
      const cdr = (await store.find<CdrFacts>(CDR_FACTS, { where: { sessionId: r.sessionId }, limit: 1 })).items[0]?.data;
      if (facts !== undefined || cdr !== undefined) {
        const partnerId = facts?.partnerId ?? cdr?.partnerId;
        sessions.set(r.sessionId, { ...(partnerId ? { partnerId } : {}), ...(cdr?.issued ? { cdrId: cdr.id } : {}) });
      }
    }
    const ref = r.authorizationReference;
    if (ref !== undefined && !ourRefs.has(ref) && !authorizations.has(ref)) {
      const granted = (await store.get<AuthorizationFacts>(AUTHORIZATION_FACTS, ref))?.data;
      authorizations.set(ref, granted === undefined ? undefined : granted.evseUids[0] === undefined ? {} : { evseUid: granted.evseUids[0] });
    }
  }
  const chargers = new Set<string>();
  if (unmatched > 0) {
    for await (const location of allOf<LocationFacts>(store, LOCATION_FACTS, {})) for (const uid of location.evseUids) evses.add(uid);
    for await (const charger of allOf<ChargerFacts>(store, CHARGER_FACTS, {})) if (charger.registered) chargers.add(charger.id);
  }
  return {
    session: (id) => sessions.get(id),
    cdrIssued: (id) => cdrs.get(id),
    authorization: (ref) => authorizations.get(ref),
    evseIsOurs: evseOwnership(evses, chargers),
  };
}
