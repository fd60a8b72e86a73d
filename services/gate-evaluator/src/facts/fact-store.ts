import { Inject, Injectable } from '@nestjs/common';
import type { ChargerFact, LaunchFacts, PushStatus, SessionFact } from '@roamgate/launch';
import type { Document, FieldValue, ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import {
  daysBetween,
  FACTS,
  type CdrDocument,
  type ChargerDocument,
  type CommandDocument,
  type EvseLocationDocument,
  type ExceptionDocument,
  type ProbeDocument,
  type PushDocument,
  type ReconciliationDocument,
  type SessionDocument,
} from './fact-documents';

/** Reads the facts of a window back from the gate evaluator's read models, as the pure metrics take them. */
@Injectable()
export class FactStore {
  constructor(@Inject(READ_MODELS) private readonly store: ReadModelStore) {}

  /** The chargers with the attributes groups select on; a charger's location is the one it registered with, else the one its EVSEs are attached to. */
  async chargers(): Promise<ChargerFact[]> {
    const [chargers, attached] = await Promise.all([this.all<ChargerDocument>(FACTS.chargers), this.all<EvseLocationDocument>(FACTS.evseLocations)]);
    const locationOf = new Map(attached.map((a) => [a.chargerId, a.locationId]));
    const known = new Set(chargers.map((c) => c.chargerId));
    return [
      ...chargers.map((c): ChargerFact => (c.locationId === undefined && locationOf.has(c.chargerId) ? { ...c, locationId: locationOf.get(c.chargerId)! } : c)),
      ...[...locationOf].filter(([chargerId]) => !known.has(chargerId)).map(([chargerId, locationId]) => ({ chargerId, locationId })),
    ];
  }

  /** Facts of the days the window touches; the metrics cut them to the exact window. */
  async load(start: Date, end: Date): Promise<LaunchFacts> {
    const days = daysBetween(start, end);
    const [chargers, commands, sessions, pushes, cdrs, reconciliations, exceptions, openExceptions, probes] = await Promise.all([
      this.chargers(),
      this.byDay<CommandDocument>(FACTS.commands, days),
      this.byDay<SessionDocument>(FACTS.sessions, days),
      this.byDay<PushDocument>(FACTS.pushes, days),
      this.byDay<CdrDocument>(FACTS.cdrs, days),
      this.byDay<ReconciliationDocument>(FACTS.reconciliations, days),
      this.byDay<ExceptionDocument>(FACTS.exceptions, days),
      this.all<ExceptionDocument>(FACTS.exceptions, { open: true }),
      this.all<ProbeDocument>(FACTS.probes),
    ]);
    const pushBySession = new Map(pushes.map((p) => [p.sessionId, p]));
    const chargerOfSession = new Map(sessions.map((s) => [s.sessionId, s.chargerId]));
    const cdrOfSession = new Map(cdrs.map((c) => [c.sessionId, c.cdrId]));
    const uniqueExceptions = new Map([...exceptions, ...openExceptions].map((x) => [x.exceptionId, x]));
    return {
      chargers,
      commands: commands.map(({ day: _day, ...fact }) => fact),
      sessions: sessions.map((s) => sessionFact(s, pushBySession.get(s.sessionId), cdrOfSession.get(s.sessionId))),
      cdrs: cdrs.map(({ day: _day, ...fact }) => fact),
      reconciliations: reconciliations.map(({ day: _day, ...fact }) => fact),
      exceptions: [...uniqueExceptions.values()].map(({ day: _day, open: _open, ...fact }) => {
        const chargerId = fact.chargerId ?? (fact.sessionId === undefined ? undefined : chargerOfSession.get(fact.sessionId));
        return chargerId === undefined ? fact : { ...fact, chargerId };
      }),
      probes,
    };
  }

  private async byDay<T extends Document>(collection: string, days: readonly string[]): Promise<T[]> {
    const pages = await Promise.all(days.map((day) => this.all<T>(collection, { day })));
    return pages.flat();
  }

  private async all<T extends Document>(collection: string, where?: Readonly<Record<string, FieldValue>>): Promise<T[]> {
    const found = await this.store.find<T>(collection, where === undefined ? {} : { where });
    return found.items.map((item) => item.data);
  }
}

function sessionFact(session: SessionDocument, push: PushDocument | undefined, cdrId: string | undefined): SessionFact {
  const { day: _day, flowViolations, ...rest } = session;
  return { ...rest, push: pushStatus(push), ...(flowViolations.length ? { flowViolations } : {}), ...(cdrId === undefined ? {} : { cdrId }) };
}

function pushStatus(push: PushDocument | undefined): PushStatus {
  if (push === undefined || push.queued === 0) return 'NONE';
  if (push.deadLettered > 0) return 'FAILED';
  return push.delivered >= push.queued ? 'ACKNOWLEDGED' : 'QUEUED';
}
