import { AuthorizationSource, AuthorizationStatus, ChargingState } from '@roamgate/contracts';
import {
  activePowerW,
  addDecimals,
  compareDecimals,
  DEFAULT_CHARGING_POWER_THRESHOLD_W,
  energyRegisterWh,
  evolveSession,
  fromStoredEvent,
  initialSessionState,
  sessionReadings,
  isAbove,
  isDecimal,
  scaleDecimal,
  type MeterReading,
  type SessionState,
  type SessionStreamEvent,
} from '@roamgate/domain-charging';
import type { SessionTimeline, TimelineSample } from '@roamgate/domain-tariffs';
import type { RecordedEvent } from '@roamgate/event-store';

const SESSION_EVENT_TYPES: ReadonlySet<string> = new Set([
  'SessionStarted',
  'SessionAuthorized',
  'SessionMeterValuesRecorded',
  'SessionChargingStateChanged',
  'SessionStopped',
]);

/** OCPI AuthMethod: how the session was authorized, the last method used (mod_cdrs, CDR.auth_method). */
export type AuthMethod = 'AUTH_REQUEST' | 'COMMAND' | 'WHITELIST';

/** What the CDR issuer reads from a session stream. */
export interface SessionFacts {
  readonly state: SessionState;
  /** Every reading of the session, once each, ordered by the charger's timestamps. */
  readonly readings: readonly MeterReading[];
  /** The eMSP whose token started the session; empty for local tokens. */
  readonly partnerId: string;
  /** The last authorization_reference the eMSP gave; empty when none. */
  readonly authorizationReference: string;
  readonly authMethod: AuthMethod;
  /** Global position of SessionStarted: facts about the charger are read as they were before it. */
  readonly startPosition: number;
}

/** Anomalies the issuer adds to the session's own, for the reconciler. */
export const IssuingAnomaly = {
  /** Energy register readings below an earlier one (a meter stop below the meter start among them) were left out. */
  EnergyReadingsIgnored: 'ENERGY_READINGS_IGNORED',
  /** The session has no energy register reading at all: its energy is 0. */
  NoEnergyReadings: 'NO_ENERGY_READINGS',
} as const;

function authMethodOf(source: AuthorizationSource): AuthMethod | undefined {
  switch (source) {
    case AuthorizationSource.REAL_TIME:
      return 'AUTH_REQUEST';
    case AuthorizationSource.REMOTE_START:
      return 'COMMAND';
    case AuthorizationSource.WHITELIST:
    case AuthorizationSource.ALLOWED_OFFLINE:
    case AuthorizationSource.LOCAL:
      return 'WHITELIST';
    default:
      return undefined;
  }
}

/** Folds a session stream (events of other types are skipped) into what a CDR needs. */
export function sessionFactsOf(recorded: readonly Pick<RecordedEvent, 'type' | 'data' | 'position'>[]): SessionFacts {
  let state = initialSessionState();
  let partnerId = '';
  let authorizationReference = '';
  let authMethod: AuthMethod | undefined;
  let startPosition = -1;
  const events: SessionStreamEvent[] = [];
  for (const stored of recorded) {
    if (!SESSION_EVENT_TYPES.has(stored.type)) continue;
    const event = fromStoredEvent(stored) as SessionStreamEvent;
    events.push(event);
    state = evolveSession(state, event);
    if (event.type === 'SessionStarted') {
      partnerId = event.data.partnerId;
      if (event.data.authorizationReference !== '') authorizationReference = event.data.authorizationReference;
      startPosition = stored.position;
    } else if (event.type === 'SessionAuthorized' && event.data.status === AuthorizationStatus.ACCEPTED) {
      if (partnerId === '') partnerId = event.data.partnerId;
      // mod_cdrs: "When different authorization_reference values have been given ... the last given value SHALL be used"
      if (event.data.authorizationReference !== '') authorizationReference = event.data.authorizationReference;
      authMethod = authMethodOf(event.data.source) ?? authMethod;
    }
  }
  // A session a START_SESSION began was authorized by that command; the charger's own check of the token
  // that followed (OCPP StartTransaction) is no other way of authorizing it.
  if (state.commandId !== '') authMethod = 'COMMAND';
  return { state, readings: sessionReadings(events), partnerId, authorizationReference, authMethod: authMethod ?? 'WHITELIST', startPosition };
}

/**
 * Under the OCPI 2.2.1 errata PARKING_TIME is time the EV does not request power: an EVSE that suspends
 * (SuspendedEVSE) still bills charging time, an EV that stops drawing (SuspendedEV), a connected EV that
 * does not charge yet or any more (EVConnected) and an idle connector bill parking time.
 */
export function requestsPower(state: ChargingState): boolean | undefined {
  switch (state) {
    case ChargingState.CHARGING:
    case ChargingState.SUSPENDED_EVSE:
      return true;
    case ChargingState.SUSPENDED_EV:
    case ChargingState.EV_CONNECTED:
    case ChargingState.IDLE:
      return false;
    default:
      return undefined;
  }
}

export interface IssuingTimeline {
  readonly timeline: SessionTimeline;
  /** A transaction bills charging time until the charger reports a state in which the EV requests no power. */
  readonly initiallyCharging: true;
  readonly anomalies: readonly string[];
}

export interface TimelineOptions {
  /** Active power at or below which a charger that still says Charging is taken as not requesting power. */
  readonly chargingPowerThresholdW?: string;
}

interface EnergyPoint {
  readonly at: number;
  readonly wh: string;
}

const AMPERE_UNITS: Readonly<Record<string, true>> = { '': true, A: true };

/** Sum of the current over the phases (or the total, when the charger sends one), in A. */
export function currentImportA(reading: MeterReading): string | undefined {
  const values = reading.values.filter((v) => v.measurand === 'Current.Import' && (v.unit ?? '') in AMPERE_UNITS && isDecimal(v.value));
  const total = values.find((v) => (v.phase ?? '') === '');
  if (total !== undefined) return total.value;
  const phases = values.filter((v) => v.phase === 'L1' || v.phase === 'L2' || v.phase === 'L3').map((v) => v.value);
  return phases.length === 0 ? undefined : addDecimals(...phases);
}

/**
 * The register readings that can be trusted: from the meter start on, each reading at least the one before.
 * A reading below an earlier one (the register went back, a meter stop below the meter start) is left out,
 * so the CDR bills the energy that is known rather than a negative one.
 */
function monotoneEnergy(points: readonly EnergyPoint[]): { kept: ReadonlySet<EnergyPoint>; ignored: number } {
  const kept = new Set<EnergyPoint>();
  let highest: string | undefined;
  let ignored = 0;
  for (const point of [...points].sort((a, b) => a.at - b.at)) {
    if (highest !== undefined && compareDecimals(point.wh, highest) < 0) {
      ignored++;
      continue;
    }
    kept.add(point);
    highest = point.wh;
  }
  return { kept, ignored };
}

/**
 * The session as the pricing library reads it: register readings, power and current at the charger's
 * timestamps, and whether the EV requested power from each instant on. The session starts as charging
 * until the charger says otherwise; a charger that keeps saying Charging while the active power is at or
 * below the threshold has an EV that is not requesting power.
 */
export function timelineOf(facts: SessionFacts, options: TimelineOptions = {}): IssuingTimeline {
  const { state } = facts;
  if (state.startedAt === undefined || state.stoppedAt === undefined) throw new Error(`session ${state.sessionId} has not both started and stopped`);
  const start = state.startedAt.getTime();
  const end = Math.max(start, state.stoppedAt.getTime());
  const threshold = options.chargingPowerThresholdW ?? DEFAULT_CHARGING_POWER_THRESHOLD_W;
  const anomalies: string[] = [];

  const meterStart: EnergyPoint | undefined = isDecimal(state.meterStartWh) ? { at: start, wh: state.meterStartWh } : undefined;
  const meterStop: EnergyPoint | undefined = isDecimal(state.meterStopWh) ? { at: end, wh: state.meterStopWh } : undefined;
  const readings = facts.readings.map((reading) => {
    const wh = energyRegisterWh(reading);
    return { reading, energy: wh === undefined ? undefined : { at: reading.timestamp.getTime(), wh } };
  });
  const points = [meterStart, ...readings.map((r) => r.energy), meterStop].filter((p): p is EnergyPoint => p !== undefined);
  const { kept, ignored } = monotoneEnergy(points);
  if (ignored > 0) anomalies.push(IssuingAnomaly.EnergyReadingsIgnored);
  if (points.length === 0) anomalies.push(IssuingAnomaly.NoEnergyReadings);

  type Change = { at: number; kind: 0; state: ChargingState } | { at: number; kind: 1; sample: (typeof readings)[number] };
  const changes: Change[] = [
    ...state.chargingStates.map((c) => ({ at: c.at.getTime(), kind: 0 as const, state: c.state })),
    ...readings.map((sample) => ({ at: sample.reading.timestamp.getTime(), kind: 1 as const, sample })),
  ].sort((a, b) => a.at - b.at || a.kind - b.kind);

  const samples: TimelineSample[] = [];
  let status: ChargingState = ChargingState.CHARGING;
  let drawsNothing = false;
  for (const change of changes) {
    const at = new Date(change.at);
    if (change.kind === 0) {
      if (requestsPower(change.state) === undefined) continue;
      status = change.state;
      drawsNothing = false;
      samples.push({ at, charging: requestsPower(status)! });
      continue;
    }
    const { reading, energy } = change.sample;
    const powerW = activePowerW(reading);
    if (powerW !== undefined) drawsNothing = !isAbove(powerW, threshold);
    const currentA = currentImportA(reading);
    samples.push({
      at,
      charging: requestsPower(status)! && !(status === ChargingState.CHARGING && drawsNothing),
      ...(energy !== undefined && kept.has(energy) ? { energyWh: energy.wh } : {}),
      ...(powerW === undefined ? {} : { powerKw: scaleDecimal(powerW, -3) }),
      ...(currentA === undefined ? {} : { currentA }),
    });
  }

  return {
    timeline: {
      startDateTime: new Date(start),
      endDateTime: new Date(end),
      ...(meterStart !== undefined && kept.has(meterStart) ? { meterStartWh: meterStart.wh } : {}),
      ...(meterStop !== undefined && kept.has(meterStop) ? { meterStopWh: meterStop.wh } : {}),
      samples,
    },
    initiallyCharging: true,
    anomalies,
  };
}
