import { AuthorizationSource, AuthorizationStatus, ChargingState, OcppVersion, timestampFromDate } from '@roamgate/contracts';
import {
  chargerStreamName,
  decideAll,
  domainEvent,
  initialSessionState,
  sessionDecider,
  sessionStreamName,
  toStoredEvent,
  type MeterReading,
  type SampledReading,
  type SessionCommand,
  type SessionStreamEvent,
} from '@roamgate/domain-charging';
import type { Tariff } from '@roamgate/domain-tariffs';
import type { SeededRandom } from '@roamgate/domain-tariffs/testing';
import { newEventId, type EventStore, type Json } from '@roamgate/event-store';
import type { TariffBook, TariffInForce, TariffQuery } from '../../tariffs/tariff-book';

export interface Reading {
  readonly at: string;
  readonly wh?: string;
  readonly powerW?: string;
  readonly currentA?: string;
  readonly context?: string;
}

/** A session as a test describes it; the session decider turns it into the events the gateway would append. */
export interface SessionSpec {
  readonly sessionId: string;
  readonly chargerId?: string;
  readonly protocol?: OcppVersion;
  readonly evseId?: number;
  readonly connectorId?: number;
  readonly start: string;
  readonly stop: string;
  readonly meterStartWh?: string;
  readonly meterStopWh?: string;
  readonly idToken?: { readonly id: string; readonly type?: string };
  readonly partnerId?: string;
  readonly authorizationReference?: string;
  readonly authorization?: AuthorizationSource;
  /** The remote start (command-<id>) that began the session. */
  readonly commandId?: string;
  readonly states?: readonly (readonly [at: string, state: ChargingState])[];
  readonly readings?: readonly Reading[];
}

const date = (iso: string) => new Date(iso);

export function readingOf(r: Reading): MeterReading {
  const values: SampledReading[] = [];
  const context = r.context ?? 'Sample.Periodic';
  if (r.wh !== undefined) values.push({ value: r.wh, measurand: 'Energy.Active.Import.Register', unit: 'Wh', context });
  if (r.powerW !== undefined) values.push({ value: r.powerW, measurand: 'Power.Active.Import', unit: 'W', context });
  if (r.currentA !== undefined) values.push({ value: r.currentA, measurand: 'Current.Import', unit: 'A', context });
  return { timestamp: date(r.at), values };
}

/** The session's events in the order a charger would cause them: start, authorization, state changes and readings by time, stop. */
export function sessionEventsOf(spec: SessionSpec): SessionStreamEvent[] {
  const now = (at: string) => ({ timestamp: date(at), now: date(at) });
  const commands: SessionCommand[] = [
    {
      type: 'StartSession',
      sessionId: spec.sessionId,
      chargerId: spec.chargerId ?? 'CP-1',
      protocol: spec.protocol ?? OcppVersion.OCPP_VERSION_1_6,
      evseId: spec.evseId ?? 0,
      connectorId: spec.connectorId ?? 1,
      transactionId: '1',
      idToken: spec.idToken ?? { id: 'TOKEN-1', type: 'ISO14443' },
      ...(spec.meterStartWh === undefined ? {} : { meterStartWh: spec.meterStartWh }),
      ...(spec.partnerId === undefined ? {} : { partnerId: spec.partnerId }),
      ...(spec.authorizationReference === undefined ? {} : { authorizationReference: spec.authorizationReference }),
      ...(spec.commandId === undefined ? {} : { commandId: spec.commandId }),
      ...now(spec.start),
    },
    {
      type: 'RecordAuthorization',
      sessionId: spec.sessionId,
      idToken: spec.idToken ?? { id: 'TOKEN-1', type: 'ISO14443' },
      status: AuthorizationStatus.ACCEPTED,
      source: spec.authorization ?? AuthorizationSource.WHITELIST,
      ...(spec.partnerId === undefined ? {} : { partnerId: spec.partnerId }),
      ...(spec.authorizationReference === undefined ? {} : { authorizationReference: spec.authorizationReference }),
      now: date(spec.start),
    },
  ];
  const timed: { at: number; command: SessionCommand }[] = [
    ...(spec.states ?? []).map(([at, chargingState]) => ({ at: Date.parse(at), command: { type: 'RecordChargingState', sessionId: spec.sessionId, chargingState, ...now(at) } as SessionCommand })),
    ...(spec.readings ?? []).map((r) => ({ at: Date.parse(r.at), command: { type: 'RecordMeterValues', sessionId: spec.sessionId, samples: [readingOf(r)], now: date(r.at) } as SessionCommand })),
  ].sort((a, b) => a.at - b.at);
  commands.push(...timed.map((t) => t.command));
  commands.push({ type: 'StopSession', sessionId: spec.sessionId, ...(spec.meterStopWh === undefined ? {} : { meterStopWh: spec.meterStopWh }), reason: 'EVDisconnected', ...now(spec.stop) });
  return [...decideAll(sessionDecider, commands, initialSessionState()).events];
}

export async function appendSession(store: EventStore, spec: SessionSpec): Promise<void> {
  const events = sessionEventsOf(spec);
  await store.append(
    sessionStreamName(spec.sessionId),
    events.map((e) => ({ id: newEventId(), ...toStoredEvent(e) })),
    { expectedRevision: 'any' },
  );
}

export async function registerCharger(store: EventStore, chargerId: string, locationId: string, at = '2024-01-01T00:00:00Z'): Promise<void> {
  const registered = domainEvent('ChargerRegistered', { chargerId, occurredAt: timestampFromDate(date(at)), passwordHash: '', securityProfile: 0, locationId, tags: [] });
  await store.append(chargerStreamName(chargerId), [{ id: newEventId(), ...toStoredEvent(registered) }], { expectedRevision: 'any' });
}

/** Versions of tariffs assigned to chargers, each from its last_updated on: enough of a tariff book for issuing and replay. */
export class InMemoryTariffBook implements TariffBook {
  readonly queries: TariffQuery[] = [];
  private readonly entries: { chargerId: string; tariff: Tariff; timeZone: string }[] = [];

  assign(chargerId: string, tariff: Tariff, timeZone = 'UTC'): this {
    this.entries.push({ chargerId, tariff, timeZone });
    return this;
  }

  async tariffsInForce(query: TariffQuery): Promise<readonly TariffInForce[]> {
    this.queries.push(query);
    const latest = new Map<string, TariffInForce>();
    for (const entry of this.entries) {
      if (entry.chargerId !== query.chargerId || Date.parse(entry.tariff.last_updated) > query.at.getTime()) continue;
      const known = latest.get(entry.tariff.id);
      if (known === undefined || Date.parse(known.tariff.last_updated) < Date.parse(entry.tariff.last_updated)) latest.set(entry.tariff.id, { tariff: entry.tariff, timeZone: entry.timeZone });
    }
    return [...latest.values()];
  }

  async version(tariffId: string, lastUpdated: string): Promise<Tariff | undefined> {
    return this.entries.find((e) => e.tariff.id === tariffId && Date.parse(e.tariff.last_updated) === Date.parse(lastUpdated))?.tariff;
  }

  /** Replaces a stored version in place: what a tariff book that lost or rewrote history would answer. */
  rewrite(tariffId: string, lastUpdated: string, tariff: Tariff): void {
    const entry = this.entries.find((e) => e.tariff.id === tariffId && e.tariff.last_updated === lastUpdated);
    if (entry === undefined) throw new Error(`no version ${tariffId} ${lastUpdated}`);
    entry.tariff = tariff;
  }
}

export { ChargingState, AuthorizationSource };

/** Session events as the event store returns them, at positions 1, 2, ... */
export function recordedOf(events: readonly SessionStreamEvent[]): { type: string; data: Json; position: number }[] {
  return events.map((e, i) => ({ ...toStoredEvent(e), data: toStoredEvent(e).data as Json, position: i + 1 }));
}

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * A session of 1 to 6 stretches of charging or not, at a random moment of 2025 (so across time windows, weekdays
 * and the DST switches of Europe/Amsterdam), with register, power and current readings every 5 to 15 minutes.
 */
export function aRandomSessionSpec(random: SeededRandom, sessionId: string): SessionSpec {
  const start = Date.UTC(2025, 0, 1) + random.int(0, 364 * 24 * 60) * 60_000 + random.int(0, 59) * 1000;
  const meterStart = random.int(0, 500_000);
  let wh = meterStart;
  let at = start;
  const states: [string, ChargingState][] = [];
  const readings: Reading[] = [];
  let state: ChargingState = ChargingState.CHARGING;
  const stretches = random.int(1, 6);
  for (let i = 0; i < stretches; i++) {
    if (i > 0 || random.bool(0.5)) {
      state = random.pick([ChargingState.CHARGING, ChargingState.SUSPENDED_EVSE, ChargingState.SUSPENDED_EV, ChargingState.EV_CONNECTED]);
      states.push([iso(at), state]);
    }
    const until = at + random.int(1, 90) * 60_000 + random.int(0, 59) * 1000;
    const powerW = state === ChargingState.CHARGING ? random.int(1_400, 150_000) : 0;
    for (let t = at + random.int(5, 15) * 60_000; t < until; t += random.int(5, 15) * 60_000) {
      wh += Math.round((powerW * (t - at)) / 3_600_000);
      at = t;
      readings.push({ at: iso(t), wh: String(wh), powerW: String(powerW), currentA: String(Math.round(powerW / 230)) });
    }
    wh += Math.round((powerW * (until - at)) / 3_600_000);
    at = until;
  }
  return {
    sessionId,
    chargerId: 'CP-RANDOM',
    start: iso(start),
    stop: iso(at),
    meterStartWh: String(meterStart),
    meterStopWh: random.bool(0.1) ? String(meterStart - 1) : String(wh),
    partnerId: random.pick(['NL-EMS', 'DE-ABC', '']),
    authorization: random.pick([AuthorizationSource.WHITELIST, AuthorizationSource.REAL_TIME, AuthorizationSource.REMOTE_START]),
    states,
    readings,
  };
}
