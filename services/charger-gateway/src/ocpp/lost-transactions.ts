import type { Logger } from '@nestjs/common';
import type { CloseSupersededSession } from '@roamgate/domain-charging';
import { placeOf } from './places';

type SupersededBy = CloseSupersededSession['supersededBy'];

/** A session open on a charger, as the sessions read model shows it. */
export interface OpenSession {
  readonly sessionId: string;
  readonly chargerId: string;
  readonly evseId: number;
  readonly connectorId: number;
  readonly startedAt: Date | undefined;
}

export interface LostTransactionsOptions {
  /** OCPP_LOST_TRANSACTION_GRACE_S in ms; 0 closes at the newer start. */
  readonly graceMs: number;
  /** The charger's open sessions, or every open session (no charger). Durable: a restarted gateway finds them too. */
  readonly openSessions: (chargerId?: string) => Promise<readonly OpenSession[]>;
  /** Appends CloseSupersededSession to the session; true when it closed it (the session's stream decides). */
  readonly close: (sessionId: string, supersededBy: SupersededBy, now: Date) => Promise<boolean>;
  readonly logger: Logger;
}

/**
 * Sessions the charger lost: still open where it started a newer one (see CloseSupersededSession). They are closed a
 * grace period after the newer start, so that a stop the charger delivers late (held back, or queued while offline
 * and sent after the reconnect) still ends the session with its own figures; the session's stream decides whether a
 * close is still due. The timers live in memory: at start-up `recover` schedules the closes for every place with more
 * than one open session.
 */
export class LostTransactions {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly options: LostTransactionsOptions) {}

  /**
   * After `started` began: closes the older sessions open at its place once the grace period has passed (at once, and
   * resolved when done, with no grace). `previous` is the session this process last saw open there.
   */
  superseding(started: OpenSession, previous: string | undefined): Promise<void> {
    return this.after(this.options.graceMs, () => this.closeOlder(started, previous));
  }

  /** At start-up: every place where more than one session is open gets its close, when the grace period is over. */
  async recover(now = new Date()): Promise<void> {
    const newest = new Map<string, OpenSession>();
    const places = new Map<string, number>();
    for (const session of await this.options.openSessions()) {
      if (session.startedAt === undefined) continue;
      const key = `${session.chargerId}|${placeOf(session)}`;
      places.set(key, (places.get(key) ?? 0) + 1);
      const known = newest.get(key);
      if (known?.startedAt === undefined || known.startedAt < session.startedAt) newest.set(key, session);
    }
    for (const [key, count] of places) {
      const started = newest.get(key)!;
      if (count < 2) continue;
      // By the charger's clock, so never later than a grace period from now (a clock far ahead would put it off).
      const due = started.startedAt!.getTime() + this.options.graceMs - now.getTime();
      void this.after(Math.min(this.options.graceMs, Math.max(0, due)), () => this.closeOlder(started, undefined));
    }
  }

  /** Cancels the closes not yet due (recover schedules them again) and waits for those running. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private after(delayMs: number, work: () => Promise<void>): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (delayMs <= 0) return this.track(work());
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.track(work());
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
    return Promise.resolve();
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
    return work;
  }

  private async closeOlder(started: OpenSession, previous: string | undefined): Promise<void> {
    if (started.startedAt === undefined) return;
    const place = placeOf(started);
    try {
      const candidates = new Set((await this.options.openSessions(started.chargerId)).filter((s) => placeOf(s) === place).map((s) => s.sessionId));
      if (previous !== undefined) candidates.add(previous);
      candidates.delete(started.sessionId);
      const supersededBy: SupersededBy = { sessionId: started.sessionId, evseId: started.evseId, connectorId: started.connectorId, startedAt: started.startedAt };
      for (const sessionId of candidates) {
        if (await this.options.close(sessionId, supersededBy, new Date())) {
          this.options.logger.warn(
            `charger ${started.chargerId} started session ${started.sessionId} at ${place} and never stopped session ${sessionId}: closed it at its last reading (STOP_MISSING)`,
          );
        }
      }
    } catch (error) {
      // The next start at the place, or the next start-up, tries again.
      this.options.logger.error(`closing the sessions session ${started.sessionId} supersedes: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
