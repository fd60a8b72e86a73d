import { SimulatedCharger } from './charger';
import type { Faults } from './faults';
import { assignModels, type MixFile, type MixModel } from './mix';
import { type ChargerProfile, DEFAULT_PROFILE, type OcppProtocol } from './model';
import { Scheduler } from './scheduler';

export interface FleetOptions {
  readonly url: string;
  readonly count: number;
  /** Protocol of every model that does not name its own. */
  readonly protocol: OcppProtocol;
  readonly mix?: MixFile;
  /** Charger ids are the prefix and a zero-padded number from 1: SIM-0001, SIM-0002, ... */
  readonly idPrefix?: string;
  readonly password?: string | ((chargerId: string) => string | undefined);
  /** How many chargers connect at the same time. */
  readonly connectConcurrency?: number;
  /** Defaults for every model (what a mix model leaves out). */
  readonly profile?: Partial<ChargerProfile>;
  /** Faults of every charger when there is no mix. */
  readonly faults?: Faults;
  /** Every charger runs local sessions on connector 1 in a loop: charge `durationS`, rest `pauseS`. */
  readonly autoSessions?: { readonly durationS: number; readonly pauseS: number; readonly idTag?: string };
  readonly clock?: () => Date;
  readonly callTimeoutMs?: number;
}

export interface FleetStats {
  readonly chargers: number;
  readonly connected: number;
  readonly booted: number;
  readonly connectFailures: number;
  readonly activeSessions: number;
  readonly sessionsStarted: number;
  readonly sessionsEnded: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly errors: number;
  readonly reconnects: number;
  /** Chargers per "vendor model". */
  readonly byModel: Readonly<Record<string, number>>;
}

export interface Fleet {
  readonly chargers: readonly SimulatedCharger[];
  /** The connect errors, one per charger that could not connect. */
  readonly connectErrors: readonly { readonly chargerId: string; readonly message: string }[];
  stats(): FleetStats;
  stop(): Promise<void>;
}

export function chargerIds(prefix: string, count: number): string[] {
  const width = Math.max(4, String(count).length);
  return Array.from({ length: count }, (_, index) => `${prefix}${String(index + 1).padStart(width, '0')}`);
}

/** Starts `count` chargers with models assigned by the mix's shares; resolves once every charger tried to connect. */
export async function simulateFleet(options: FleetOptions): Promise<Fleet> {
  if (!Number.isInteger(options.count) || options.count < 1) throw new Error(`count must be a positive integer, got ${options.count}`);
  const models: readonly MixModel[] = options.mix?.models ?? [
    {
      vendor: options.profile?.vendor ?? DEFAULT_PROFILE.vendor,
      model: options.profile?.model ?? DEFAULT_PROFILE.model,
      firmwareVersion: options.profile?.firmwareVersion ?? DEFAULT_PROFILE.firmwareVersion,
      share: 1,
      ...(options.faults ? { faults: options.faults } : {}),
    },
  ];
  const assignment = assignModels(
    models.map((model) => model.share),
    options.count,
  );
  const chargers = chargerIds(options.idPrefix ?? 'SIM-', options.count).map((id, index) => {
    const model = models[assignment[index]!]!;
    const password = typeof options.password === 'function' ? options.password(id) : options.password;
    return new SimulatedCharger({
      url: options.url,
      id,
      protocol: model.protocol ?? options.protocol,
      profile: profileOf(model, options.profile),
      ...(model.faults ? { faults: model.faults } : {}),
      ...(password === undefined ? {} : { password }),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
      ...(options.autoSessions?.idTag ? { idTag: options.autoSessions.idTag } : {}),
    });
  });

  const scheduler = new Scheduler();
  if (options.autoSessions) {
    const { durationS, pauseS } = options.autoSessions;
    chargers.forEach((charger, index) => {
      // Staggered, so that a fleet does not start every session in the same instant.
      const firstPauseMs = pauseS * 1000 * ((index % 10) / 10 + 0.1);
      charger.once('booted', () => loopSessions(charger, scheduler, firstPauseMs, durationS * 1000, pauseS * 1000));
    });
  }

  const connectErrors: { chargerId: string; message: string }[] = [];
  let next = 0;
  const connectNext = async (): Promise<void> => {
    while (next < chargers.length) {
      const charger = chargers[next++]!;
      await charger.start().catch((error: Error) => connectErrors.push({ chargerId: charger.id, message: error.message }));
    }
  };
  const concurrency = Math.max(1, Math.min(options.connectConcurrency ?? 25, chargers.length));
  await Promise.all(Array.from({ length: concurrency }, connectNext));

  return {
    chargers,
    connectErrors,
    stats: () => fleetStats(chargers, connectErrors.length),
    stop: async () => {
      scheduler.cancelAll();
      await Promise.all(chargers.map((charger) => charger.stop()));
    },
  };
}

function profileOf(model: MixModel, defaults: Partial<ChargerProfile> | undefined): Partial<ChargerProfile> {
  const { share: _share, protocol: _protocol, faults: _faults, ...profile } = model;
  return { ...defaults, ...profile };
}

function loopSessions(charger: SimulatedCharger, scheduler: Scheduler, waitMs: number, durationMs: number, pauseMs: number): void {
  scheduler.after(waitMs, () => {
    const connector = charger.connectors[0];
    if (!charger.isBooted || !connector || connector.status !== 'Available') {
      loopSessions(charger, scheduler, pauseMs, durationMs, pauseMs);
      return;
    }
    charger
      .startLocalSession(connector.id)
      .catch(() => undefined)
      .then((session) => {
        if (!session) return loopSessions(charger, scheduler, pauseMs, durationMs, pauseMs);
        scheduler.after(durationMs, () => {
          charger.stopLocalSession(connector.id);
          loopSessions(charger, scheduler, pauseMs, durationMs, pauseMs);
        });
      });
  });
}

function fleetStats(chargers: readonly SimulatedCharger[], connectFailures: number): FleetStats {
  const byModel: Record<string, number> = {};
  const totals = {
    connected: 0,
    booted: 0,
    activeSessions: 0,
    sessionsStarted: 0,
    sessionsEnded: 0,
    messagesSent: 0,
    messagesReceived: 0,
    errors: 0,
    reconnects: 0,
  };
  for (const charger of chargers) {
    const stats = charger.stats();
    const label = `${stats.vendor} ${stats.model}`;
    byModel[label] = (byModel[label] ?? 0) + 1;
    totals.connected += stats.connected ? 1 : 0;
    totals.booted += stats.booted ? 1 : 0;
    totals.activeSessions += stats.activeSessions;
    totals.sessionsStarted += stats.sessionsStarted;
    totals.sessionsEnded += stats.sessionsEnded;
    totals.messagesSent += stats.messagesSent;
    totals.messagesReceived += stats.messagesReceived;
    totals.errors += stats.errors;
    totals.reconnects += stats.reconnects;
  }
  return { chargers: chargers.length, connectFailures, ...totals, byModel };
}
