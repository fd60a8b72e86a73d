/** The eMSP endpoints a fault can hit; `commands` is the response_url of CommandResults. */
export type FaultTarget = 'versions' | 'credentials' | 'locations' | 'sessions' | 'cdrs' | 'tariffs' | 'tokens' | 'commands';

/** `unavailable` answers HTTP 503; `reset` drops the connection without an answer, like a crashed peer. */
export type OutageMode = 'unavailable' | 'reset';

export interface FaultSettings {
  readonly responseUrlDownForMs?: number;
  readonly cdrEndpointDownForMs?: number;
  readonly outageMode?: OutageMode;
  readonly slowResponsesMs?: number;
}

interface Outage {
  readonly until: number;
  readonly mode: OutageMode;
}

export class Faults {
  private readonly outages = new Map<FaultTarget, Outage>();
  private readonly delays = new Map<FaultTarget | 'all', number>();

  constructor(private readonly nowMs: () => number) {}

  static from(settings: FaultSettings | undefined, nowMs: () => number): Faults {
    const faults = new Faults(nowMs);
    const mode = settings?.outageMode ?? 'unavailable';
    if (settings?.responseUrlDownForMs) faults.downFor('commands', settings.responseUrlDownForMs, mode);
    if (settings?.cdrEndpointDownForMs) faults.downFor('cdrs', settings.cdrEndpointDownForMs, mode);
    if (settings?.slowResponsesMs) faults.slow(settings.slowResponsesMs);
    return faults;
  }

  downFor(target: FaultTarget, ms: number, mode: OutageMode = 'unavailable'): void {
    this.outages.set(target, { until: this.nowMs() + ms, mode });
  }

  /** Ends an outage early, so a test can decide exactly when the CPO's retry should get through. */
  restore(target: FaultTarget): void {
    this.outages.delete(target);
  }

  slow(ms: number, target: FaultTarget | 'all' = 'all'): void {
    if (ms > 0) this.delays.set(target, ms);
    else this.delays.delete(target);
  }

  outageOf(target: FaultTarget): OutageMode | undefined {
    const outage = this.outages.get(target);
    if (!outage) return undefined;
    if (this.nowMs() < outage.until) return outage.mode;
    this.outages.delete(target);
    return undefined;
  }

  delayOf(target: FaultTarget): number {
    return this.delays.get(target) ?? this.delays.get('all') ?? 0;
  }
}
