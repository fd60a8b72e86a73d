import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { Configuration } from './configuration';
import { Connection } from './connection';
import { Connectors } from './connectors';
import { meterStopBelowStart, registerAfter, wholeWh } from './energy';
import { badFrame, badFrameKind, type DropConnectionFault, type Faults, type LoseTransactionFault, skewed } from './faults';
import {
  type BootReason,
  type ChargerProfile,
  type Connector,
  type ConnectorStatus,
  DEFAULT_METER_START_WH,
  DEFAULT_PROFILE,
  type IdTokenType,
  type MeterSample,
  type OcppProtocol,
  type Session,
  type StopReason,
} from './model';
import { OfflineError } from './outbox';
import type { BootResult, ChargerContext, ProtocolAdapter, StartRequest } from './protocols/adapter';
import { Ocpp16Adapter } from './protocols/ocpp16';
import { Ocpp201Adapter } from './protocols/ocpp201';
import { Scheduler } from './scheduler';

export interface SimulatedChargerOptions {
  /** WebSocket base URL of the CSMS, e.g. ws://127.0.0.1:8080/ocpp; the charger id is appended as the last segment. */
  readonly url: string;
  readonly id: string;
  /** HTTP Basic password (security profiles 1 and 2); the user name is the charger id. */
  readonly password?: string;
  readonly protocol: OcppProtocol;
  readonly profile?: Partial<ChargerProfile>;
  readonly faults?: Faults;
  /** Source of the timestamps the charger sends (before any clock skew fault); timers stay on real time. */
  readonly clock?: () => Date;
  /** Id tag of local sessions when none is given. */
  readonly idTag?: string;
  readonly callTimeoutMs?: number;
}

export interface ChargerStats {
  readonly id: string;
  readonly protocol: OcppProtocol;
  readonly vendor: string;
  readonly model: string;
  readonly connected: boolean;
  readonly booted: boolean;
  readonly activeSessions: number;
  readonly sessionsStarted: number;
  readonly sessionsEnded: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly errors: number;
  readonly reconnects: number;
  readonly queued: number;
}

export interface ChargerEvents {
  connected: [];
  disconnected: [];
  booted: [intervalS: number];
  bootRefused: [result: BootResult];
  sessionStarted: [session: Session];
  sessionEnded: [session: Session];
  /** The CSMS's answer to the badFrame fault's frame (normally a CALLERROR). */
  badFrameAnswered: [reply: unknown[]];
  failure: [error: Error];
}

interface SessionRequest {
  readonly idTag: string;
  readonly idTokenType: IdTokenType;
  readonly trigger: Session['trigger'];
  readonly remoteStartId?: number;
  readonly authorize: boolean;
}

const DEFAULT_ID_TAG = 'SIMTAG0001';
const DEFAULT_HEARTBEAT_S = 300;
const BOOT_RETRY_MS = 10_000;
const REBOOT_DRAIN_MS = 5_000;

/**
 * An OCPP charger over a real WebSocket: boots, reports connector status, heartbeats, runs sessions with a
 * deterministic meter, answers the CSMS's remote commands, and misbehaves as its faults say.
 */
export class SimulatedCharger extends EventEmitter<ChargerEvents> {
  readonly id: string;
  readonly protocol: OcppProtocol;
  readonly profile: ChargerProfile;
  readonly faults: Faults;
  readonly configuration: Configuration;

  private readonly scheduler = new Scheduler();
  private readonly connection: Connection;
  private readonly adapter: ProtocolAdapter;
  private readonly station: Connectors;
  private readonly now: () => Date;
  private readonly defaultIdTag: string;
  private readonly lastReported = new Map<number, string>();
  private readonly meterTimers = new Map<number, NodeJS.Timeout>();
  /** Held-back work that needs the CSMS: run once the charger is online and registered again. */
  private readonly whenOnline: (() => void)[] = [];
  private readonly counters = { sessionsStarted: 0, sessionsEnded: 0, errors: 0 };

  private started = false;
  private stopped = false;
  private booted = false;
  private booting = false;
  private rebooting = false;
  private bootReason: BootReason = 'PowerUp';
  private bootFaultsApplied = false;
  private dropped = false;
  private lost = false;
  private resetWhenIdle = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(options: SimulatedChargerOptions) {
    super();
    this.id = options.id;
    this.protocol = options.protocol;
    this.profile = { ...DEFAULT_PROFILE, ...options.profile };
    this.faults = options.faults ?? {};
    this.defaultIdTag = options.idTag ?? DEFAULT_ID_TAG;
    this.now = skewed(options.clock ?? (() => new Date()), this.faults.clockSkewSeconds ?? 0);
    this.configuration = new Configuration({
      heartbeatIntervalS: this.profile.heartbeatIntervalS ?? 0,
      meterValueIntervalS: this.profile.meterValueIntervalS,
      connectors: this.profile.connectors,
    });
    this.configuration.onChange((key) => {
      if (key === 'HeartbeatInterval') this.restartHeartbeat();
    });
    this.station = new Connectors(
      this.profile.connectors,
      this.profile.meterStartWh ?? DEFAULT_METER_START_WH,
      this.scheduler,
      this.now,
      // The status is read now: by the time the reply is out, a later command may have changed it back,
      // and the CSMS must still hear both changes.
      (connector) => {
        const status = connector.status;
        this.afterReply(() => this.reportStatus(connector, false, status));
      },
    );
    this.connection = new Connection(
      {
        url: options.url,
        id: options.id,
        protocol: options.protocol,
        registered: () => this.booted,
        ...(options.password === undefined ? {} : { password: options.password }),
        ...(options.callTimeoutMs === undefined ? {} : { callTimeoutMs: options.callTimeoutMs }),
      },
      this.scheduler,
    );
    const context = this.context();
    this.adapter = options.protocol === 'ocpp1.6' ? new Ocpp16Adapter(context) : new Ocpp201Adapter(context);
    for (const [action, handler] of Object.entries(this.adapter.handlers)) this.connection.handle(action, handler);
    this.connection.on('open', () => this.connected());
    this.connection.on('offline', () => this.emit('disconnected'));
    this.connection.on('failure', (error) => this.failed(error));
    this.connection.on('badFrameAnswered', (reply) => this.emit('badFrameAnswered', reply));
  }

  get isConnected(): boolean {
    return this.connection.isOnline;
  }

  get isBooted(): boolean {
    return this.booted;
  }

  get connectors(): readonly Readonly<Connector>[] {
    return this.station.list;
  }

  /** Connects; the BootNotification follows. Rejects when the CSMS refuses the connection (e.g. HTTP 401). */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    try {
      await this.connection.connect();
    } catch (error) {
      this.counters.errors++;
      throw error;
    }
  }

  whenBooted(): Promise<void> {
    if (this.booted) return Promise.resolve();
    return once(this, 'booted').then(() => undefined);
  }

  /** Resolves once every message produced so far was answered (messages held back by lateStopTransaction aside). */
  drained(): Promise<void> {
    return this.connection.outbox.idle();
  }

  activeSessions(): Session[] {
    return this.station.withSessions().map((connector) => connector.session!);
  }

  /** A driver badges (Authorize) and plugs in. Resolves with the session once the CSMS acknowledged its start. */
  async startLocalSession(connectorId: number, idTag = this.defaultIdTag): Promise<Session | undefined> {
    if (!this.booted) throw new Error(`${this.id} is not booted`);
    const connector = this.station.claim(connectorId, idTag);
    if (!connector) throw new Error(`${this.id} cannot start a session on connector ${connectorId}`);
    return this.runSession(connector, { idTag, idTokenType: 'ISO14443', trigger: 'Local', authorize: true });
  }

  /** The driver stops at the charger. Returns the ended session; its stop message may still be on its way. */
  stopLocalSession(connectorId: number, reason: StopReason = 'Local'): Session | undefined {
    const connector = this.station.get(connectorId);
    const session = connector?.session;
    if (!connector || !session) return undefined;
    this.endSession(connector, reason);
    return session;
  }

  stats(): ChargerStats {
    return {
      id: this.id,
      protocol: this.protocol,
      vendor: this.profile.vendor,
      model: this.profile.model,
      connected: this.connection.isOnline,
      booted: this.booted,
      activeSessions: this.activeSessions().length,
      ...this.counters,
      ...this.connection.counters,
      queued: this.connection.outbox.size,
    };
  }

  /** Switches the charger off: no stop messages, timers cleared, socket closed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.scheduler.cancelAll();
    await this.connection.close();
  }

  private context(): ChargerContext {
    return {
      profile: this.profile,
      configuration: this.configuration,
      connectors: this.station.list,
      connector: (id) => this.station.get(id),
      timestamp: () => this.timestamp(),
      send: (action, payload, options) => this.connection.outbox.send(action, payload, options),
      afterReply: (task) => this.afterReply(task),
      reading: (connector, context) => this.reading(connector, context),
      remoteStart: (request) => this.remoteStart(request),
      remoteStop: (transactionId) => this.remoteStop(transactionId),
      stopSession: (connector, reason) => this.endSession(connector, reason),
      reserve: (connectorId, reservation) => this.station.reserve(connectorId, reservation),
      cancelReservation: (reservationId) => this.station.cancel(reservationId),
      changeAvailability: (connectorId, operative) => this.station.changeAvailability(connectorId, operative),
      reset: (reason, whenIdle) => this.reset(reason, whenIdle),
    };
  }

  private timestamp(): string {
    return this.now().toISOString();
  }

  private reading(connector: Connector, context: MeterSample['context']): MeterSample {
    const session = connector.session;
    const energyWh = session ? registerAfter(session.energy, session.begin.energyWh, session.samples) : connector.registerWh;
    const drawing = session !== undefined && (context === 'Sample.Periodic' || context === 'Trigger');
    return {
      timestamp: this.timestamp(),
      energyWh,
      powerW: drawing ? this.profile.maxPowerW : 0,
      context,
      offline: !this.connection.isOnline,
    };
  }

  private connected(): void {
    if (this.stopped) return;
    this.emit('connected');
    if (!this.booted) {
      void this.bootLoop();
      return;
    }
    for (const connector of this.station.list) this.reportStatus(connector, true);
    for (const task of this.whenOnline.splice(0)) task();
  }

  private async bootLoop(): Promise<void> {
    if (this.booting) return;
    this.booting = true;
    try {
      while (!this.stopped && this.connection.isOnline && !this.booted) {
        let result: BootResult | undefined;
        try {
          result = await this.adapter.boot(this.bootReason);
        } catch (error) {
          this.failed(error);
        }
        if (this.stopped || !this.connection.isOnline) return;
        if (result?.status === 'Accepted') {
          this.bootAccepted(result.intervalS);
          return;
        }
        if (result) this.emit('bootRefused', result);
        // Pending and Rejected both mean: nothing but a new BootNotification once the interval has passed.
        await this.pause(result && result.intervalS > 0 ? result.intervalS * 1000 : BOOT_RETRY_MS);
      }
    } finally {
      this.booting = false;
    }
  }

  private bootAccepted(intervalS: number): void {
    this.booted = true;
    this.bootReason = 'PowerUp';
    this.connection.outbox.resume();
    for (const connector of this.station.list) this.reportStatus(connector, true);
    for (const task of this.whenOnline.splice(0)) task();
    const heartbeatS = this.profile.heartbeatIntervalS ?? (intervalS > 0 ? intervalS : DEFAULT_HEARTBEAT_S);
    this.configuration.set('HeartbeatInterval', String(heartbeatS));
    this.applyBootFaults();
    this.emit('booted', intervalS);
  }

  private restartHeartbeat(): void {
    this.scheduler.cancel(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    const intervalS = this.configuration.number('HeartbeatInterval');
    if (!this.booted || !(intervalS > 0)) return;
    this.heartbeatTimer = this.scheduler.every(intervalS * 1000, () => {
      if (this.connection.isOnline) this.fire(this.adapter.heartbeat());
    });
  }

  private applyBootFaults(): void {
    if (this.bootFaultsApplied) return;
    this.bootFaultsApplied = true;
    const kind = badFrameKind(this.faults);
    if (kind) {
      // Sent when nothing else is outstanding, to keep to one CALL in flight.
      void this.connection.outbox.idle().then(() => {
        if (!this.connection.isOnline || this.stopped) return;
        const id = randomUUID();
        this.connection.sendBadFrame(id, badFrame(this.protocol, kind, this.timestamp(), id), kind === 'notJson');
      });
    }
    const flapping = this.faults.statusFlapping;
    const connector = this.station.list[0];
    if (flapping && connector) {
      let flips = 0;
      const flip = () => {
        if (!this.connection.isOnline || connector.session || connector.status !== 'Available') return;
        const status: ConnectorStatus = flips % 2 === 0 ? 'Unavailable' : 'Available';
        this.lastReported.set(connector.id, this.adapter.reportedStatus(status));
        this.fire(this.adapter.statusNotification(connector, status));
        if (++flips < flapping.count * 2) this.scheduler.after(flapping.intervalMs, flip);
      };
      this.scheduler.after(flapping.intervalMs, flip);
    }
  }

  private setStatus(connector: Connector, status: ConnectorStatus): void {
    connector.status = status;
    this.reportStatus(connector);
  }

  /** Reports a status the CSMS has not heard yet (in its protocol's terms), or, forced, the current one. */
  private reportStatus(connector: Connector, force = false, status: ConnectorStatus = connector.status): void {
    if (!this.booted || !this.connection.isOnline) {
      this.lastReported.delete(connector.id);
      return;
    }
    const reported = this.adapter.reportedStatus(status);
    if (!force && this.lastReported.get(connector.id) === reported) return;
    this.lastReported.set(connector.id, reported);
    this.fire(this.adapter.statusNotification(connector, status));
  }

  private remoteStart(request: StartRequest): boolean {
    if (this.faults.rejectRemoteStart || !this.booted) return false;
    const connector = this.station.claim(request.connectorId, request.idTag);
    if (!connector) return false;
    this.afterReply(() =>
      this.runSession(connector, {
        idTag: request.idTag,
        idTokenType: request.idTokenType ?? 'Central',
        trigger: 'Remote',
        authorize: this.configuration.flag('AuthorizeRemoteTxRequests'),
        ...(request.remoteStartId === undefined ? {} : { remoteStartId: request.remoteStartId }),
      }),
    );
    return true;
  }

  private remoteStop(transactionId: number | string): boolean {
    const connector = this.station.list.find((candidate) => candidate.session?.transactionId === transactionId);
    if (!connector) return false;
    this.afterReply(() => this.endSession(connector, 'Remote'));
    return true;
  }

  private async runSession(connector: Connector, request: SessionRequest): Promise<Session | undefined> {
    const reservationId = this.station.consumeReservation(connector, request.idTag);
    this.setStatus(connector, 'Preparing');
    if (request.authorize) {
      const authorized = await this.adapter.authorize(request.idTag, request.idTokenType).catch((error: unknown) => {
        this.failed(error);
        return false;
      });
      if (!authorized || this.stopped) {
        this.setStatus(connector, this.station.idleStatus(connector));
        return undefined;
      }
    }
    const session: Session = {
      connectorId: connector.id,
      idTag: request.idTag,
      idTokenType: request.idTokenType,
      trigger: request.trigger,
      ...(request.remoteStartId === undefined ? {} : { remoteStartId: request.remoteStartId }),
      ...(reservationId === undefined ? {} : { reservationId }),
      energy: { powerW: this.profile.maxPowerW, intervalS: this.configuration.number('MeterValueSampleInterval') },
      begin: this.reading(connector, 'Transaction.Begin'),
      samples: 0,
      seqNo: 0,
    };
    connector.session = session;
    let accepted: boolean;
    try {
      accepted = await this.adapter.transactionStarted(session);
    } catch (error) {
      this.failed(error);
      if (connector.session === session) {
        delete connector.session;
        this.setStatus(connector, this.station.idleStatus(connector));
      }
      return undefined;
    }
    this.counters.sessionsStarted++;
    this.emit('sessionStarted', session);
    if (connector.session !== session) return session;
    if (!accepted) {
      this.endSession(connector, 'DeAuthorized');
      return session;
    }
    this.setStatus(connector, 'Charging');
    const intervalMs = session.energy.intervalS * 1000;
    if (intervalMs > 0) {
      const sampling = this.scheduler.every(intervalMs, () => this.sample(connector, session));
      this.meterTimers.set(connector.id, sampling);
    }
    return session;
  }

  private sample(connector: Connector, session: Session): void {
    if (connector.session !== session) return;
    session.samples++;
    const delivered = this.adapter.transactionUpdated(session, this.reading(connector, 'Sample.Periodic'));
    this.fire(delivered);
    const drop = this.faults.dropConnectionMidSession;
    if (drop && !this.dropped && this.connection.isOnline && session.samples >= drop.afterMeterValues) {
      this.dropped = true;
      const dropNow = () => void this.dropConnection(connector, session, drop);
      delivered.then(dropNow, dropNow);
    }
    const lose = this.faults.losesTransaction;
    if (lose && !this.lost && this.connection.isOnline && session.samples >= lose.afterMeterValues) {
      this.lost = true;
      const loseNow = () => void this.loseTransaction(connector, session, lose);
      delivered.then(loseNow, loseNow);
    }
  }

  /** Power fails mid-session; the charger comes back without the transaction, and the driver plugs in again. */
  private async loseTransaction(connector: Connector, session: Session, fault: LoseTransactionFault): Promise<void> {
    if (this.stopped || connector.session !== session) return;
    this.scheduler.cancel(this.meterTimers.get(connector.id));
    this.meterTimers.delete(connector.id);
    connector.registerWh = registerAfter(session.energy, session.begin.energyWh, session.samples);
    delete connector.session;
    this.booted = false;
    this.bootReason = 'PowerUp';
    this.scheduler.cancel(this.heartbeatTimer);
    this.station.rebooted();
    this.lastReported.clear();
    await this.connection.drop();
    // Unless something else (a remote start, a fleet's session loop) took the connector first.
    this.whenOnline.push(() => this.afterReply(() => (this.station.canStartOn(connector, session.idTag) ? this.startLocalSession(connector.id, session.idTag) : undefined)));
    this.scheduler.after(fault.restartAfterMs, () => void this.connection.reconnect());
  }

  private async dropConnection(connector: Connector, session: Session, drop: DropConnectionFault): Promise<void> {
    if (this.stopped) return;
    await this.connection.drop();
    if (drop.stopWhileOffline ?? true) {
      this.scheduler.after(drop.reconnectAfterMs / 2, () => {
        if (connector.session === session) this.endSession(connector, 'EVDisconnected');
      });
    }
    this.scheduler.after(drop.reconnectAfterMs, () => void this.connection.reconnect());
  }

  private endSession(connector: Connector, reason: StopReason): void {
    const session = connector.session;
    if (!session || session.end) return;
    this.scheduler.cancel(this.meterTimers.get(connector.id));
    this.meterTimers.delete(connector.id);
    const trueStopWh = registerAfter(session.energy, session.begin.energyWh, session.samples);
    connector.registerWh = trueStopWh;
    session.end = {
      reason,
      sample: this.reading(connector, 'Transaction.End'),
      meterStopWh: this.faults.meterStopBelowStart ? meterStopBelowStart(session.begin.energyWh, trueStopWh) : wholeWh(trueStopWh),
    };
    delete connector.session;
    this.counters.sessionsEnded++;
    this.deliverStop(session);
    this.setStatus(connector, 'Finishing');
    this.setStatus(connector, this.station.sessionEnded(connector));
    this.emit('sessionEnded', session);
    if (this.resetWhenIdle && this.activeSessions().length === 0) {
      this.resetWhenIdle = false;
      this.afterReply(() => this.reboot('SoftReset'));
    }
  }

  private deliverStop(session: Session): void {
    const deliver = () => this.fire(this.adapter.transactionEnded(session));
    const late = this.faults.lateStopTransaction;
    if (!late) return deliver();
    const holdBack = () => void this.scheduler.after(late.delayMs, deliver);
    if (this.connection.isOnline && this.booted) holdBack();
    else this.whenOnline.push(holdBack);
  }

  private reset(reason: 'HardReset' | 'SoftReset', whenIdle: boolean): 'Accepted' | 'Scheduled' {
    if (whenIdle && this.activeSessions().length > 0) {
      this.resetWhenIdle = true;
      return 'Scheduled';
    }
    this.afterReply(() => this.reboot(reason));
    return 'Accepted';
  }

  /** Ends the sessions, delivers what is queued, closes the connection and boots again. */
  private async reboot(reason: 'HardReset' | 'SoftReset'): Promise<void> {
    if (this.stopped || this.rebooting) return;
    this.rebooting = true;
    for (const connector of this.station.list) this.endSession(connector, reason);
    await Promise.race([this.connection.outbox.idle(), this.pause(REBOOT_DRAIN_MS)]);
    this.booted = false;
    this.bootReason = 'RemoteReset';
    this.scheduler.cancel(this.heartbeatTimer);
    this.station.rebooted();
    this.lastReported.clear();
    this.rebooting = false;
    await this.connection.restart();
  }

  private afterReply(task: () => void | Promise<unknown>): void {
    this.scheduler.after(0, () => {
      if (this.stopped) return;
      try {
        const work = task();
        if (work) this.fire(work);
      } catch (error) {
        this.failed(error);
      }
    });
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => this.scheduler.after(ms, resolve));
  }

  private fire(work: Promise<unknown>): void {
    work.catch((error: unknown) => this.failed(error));
  }

  private failed(error: unknown): void {
    if (this.stopped || error instanceof OfflineError) return;
    // In-flight calls are aborted when the socket goes; durable ones are sent again after the reconnect.
    if (error instanceof Error && error.name === 'AbortError') return;
    this.counters.errors++;
    this.emit('failure', error instanceof Error ? error : new Error(String(error)));
  }
}

export async function startSimulatedCharger(options: SimulatedChargerOptions): Promise<SimulatedCharger> {
  const charger = new SimulatedCharger(options);
  await charger.start();
  return charger;
}
