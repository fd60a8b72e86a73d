import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, decodeEventJson } from '@roamgate/contracts';
import type { EventStore } from '@roamgate/event-store';
import { QuietStreams, type ReadModelStore } from '@roamgate/read-models';
import { EVENT_STORE, KeyedTurns, READ_MODELS, runWithTraceContext, traceContextOfMessage } from '@roamgate/runtime';
import { Outbox } from '../push/outbox';
import { PUSH_SETTINGS, type PushSettings } from '../push/push-settings';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { foldedSessionOf, partyOfPartnerId, SESSION_EVENT_TYPES, sessionPatchOf, sessionWithMeterValues, type FoldedSession, type SessionFold, type SessionStreamEvent } from './session-mapper';
import type { OcpiSession } from './session.dto';

export const SESSIONS_GROUP = 'ocpi-connector-sessions';
export const EVENT_HEADER = { id: 'roamgate-event-id', type: 'roamgate-event-type', stream: 'roamgate-stream-id', revision: 'roamgate-stream-revision' } as const;

export const OCPI_SESSIONS = { name: 'ocpi_sessions', indexes: ['partnerId', 'lastUpdated', 'dirty'] } as const;

/** What the connector knows of one charging session: whose it is, its OCPI object, and how far the partner has it. */
export type SessionPushDocument = {
  readonly id: string;
  /** '' when the session belongs to no partner (a local token). */
  readonly partnerId: string;
  readonly sessionRevision: number;
  readonly session: OcpiSession | null;
  readonly lastUpdated: string;
  readonly putQueued: boolean;
  readonly completedQueued: boolean;
  readonly periodsQueued: number;
  readonly lastPatchAt: number;
  /** An update held back by the PATCH interval, queued by the sweep once the interval passed. */
  readonly dirty: boolean;
  /** What the next meter values need to carry `session` on without reading the stream; absent on older documents. */
  readonly fold?: SessionFold | null;
};

const SESSION_STREAM_PREFIX = 'session-';
/** The session events that can make a session a partner's (see partnerOf). */
const PARTNER_NAMING_TYPES: ReadonlySet<string> = new Set(['SessionStarted', 'SessionAuthorized']);

/** Read-model revision: the stream revision, odd when the sweep wrote after it. */
const docRevision = (sessionRevision: number, swept = false) => sessionRevision * 2 + (swept ? 1 : 0);

function decodeStored(type: string, data: unknown): SessionStreamEvent {
  return { type, data: decodeEventJson(type as never, data as never, { ignoreUnknownFields: true }) } as SessionStreamEvent;
}

/**
 * mod_sessions, CPO as sender: a session of a partner is PUT when it starts, PATCHed as it goes (at most once per
 * OCPI_SESSION_PATCH_INTERVAL_S, a held-back update is sent when the interval is over) and PATCHed COMPLETED when it
 * stops; every push goes through the outbox. A session belongs to a partner when its SessionStarted or an
 * accepted SessionAuthorized names one, or when the remote start that led to it came from that partner.
 */
@Injectable()
export class SessionsSender implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OcpiSessions');
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /** The consumer and the sweep both queue pushes of a session: one at a time per session, so they queue in order. */
  private readonly turns = new KeyedTurns();
  /** Partnerless sessions' streams: their messages change nothing until one names a partner (see handle). */
  private readonly unroamed = new QuietStreams();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(OCPI_SETTINGS) private readonly ocpi: OcpiSettings,
    @Inject(PUSH_SETTINGS) private readonly settings: PushSettings,
    private readonly outbox: Outbox,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(OCPI_SESSIONS);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweep()
        .catch((error: unknown) => this.logger.error(`session sweep: ${String(error)}`))
        .finally(() => (this.sweeping = undefined));
    }, Math.min(1_000, this.settings.sessionPatchIntervalMs));
    this.sweeper.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.sweeping;
  }

  /**
   * A message of roamgate.session (OcpiBusConsumers, group SESSIONS_GROUP). Most are meter values, so they are
   * dealt with from the stored document where it tells enough: skipped before decoding for a session of no partner
   * (only a SessionStarted or a SessionAuthorized can name one; while such a session's messages follow each other,
   * without reading the document either), folded onto the stored OCPI session for a partner's session. The rest
   * (starts, stops, out-of-order readings) fold the whole stream again.
   */
  async handle(message: DeliveredMessage): Promise<void> {
    const type = message.headers[EVENT_HEADER.type] ?? '';
    if (!SESSION_EVENT_TYPES.has(type)) return;
    const streamId = message.headers[EVENT_HEADER.stream] ?? message.key;
    const revision = Number(message.headers[EVENT_HEADER.revision]);
    const eventId = message.headers[EVENT_HEADER.id] ?? `${streamId}@${revision}`;
    if (!Number.isSafeInteger(revision)) throw new Error(`${message.topic}:${message.offset} lacks the stream revision header`);
    const sessionId = streamId.startsWith(SESSION_STREAM_PREFIX)
      ? streamId.slice(SESSION_STREAM_PREFIX.length)
      : (decodeEventBinary(type as never, message.value) as { sessionId: string }).sessionId;
    if (type === 'SessionStopped') this.unroamed.forget(sessionId);
    else if (!PARTNER_NAMING_TYPES.has(type) && this.unroamed.skip(sessionId, revision)) return;
    await this.turns.run(sessionId, async () => {
      const stored = (await this.readModels.get<SessionPushDocument>(OCPI_SESSIONS.name, sessionId))?.data;
      if (stored && stored.sessionRevision >= revision) return;
      if (stored && stored.partnerId === '' && !PARTNER_NAMING_TYPES.has(type)) return this.unroamed.remember(sessionId, revision);
      // What the outbox queues carries this message's trace on (a batch handler runs in none of its own).
      await runWithTraceContext(traceContextOfMessage(message), async () => {
        if (type === 'SessionMeterValuesRecorded' && stored?.partnerId && stored.session && stored.fold && stored.sessionRevision === revision - 1) {
          const folded = sessionWithMeterValues({ session: stored.session, fold: stored.fold }, decodeEventBinary('SessionMeterValuesRecorded', message.value));
          if (folded) return this.storeSession(stored, revision, folded, eventId);
        }
        await this.update(sessionId, streamId, revision, eventId);
      });
    });
  }

  /** Brings the session's OCPI object to `revision` of its stream and queues what the partner needs to follow. */
  async update(sessionId: string, streamId: string, revision: number, sourceEventId: string): Promise<void> {
    const stored = (await this.readModels.get<SessionPushDocument>(OCPI_SESSIONS.name, sessionId))?.data;
    if (stored && stored.sessionRevision >= revision) return;
    // The whole stream as it stands: events appended together (SessionStarted with the SessionAuthorized that names
    // the real-time authorization) belong in the same PUT; the later messages of those events then change nothing.
    const recorded = await this.store.readStream(streamId);
    revision = Math.max(revision, recorded.at(-1)?.revision ?? revision);
    const events = recorded.filter((e) => SESSION_EVENT_TYPES.has(e.type)).map((e) => decodeStored(e.type, e.data));
    const partnerId = stored?.partnerId || (await this.partnerOf(events));
    const base: SessionPushDocument = stored ?? {
      id: sessionId,
      partnerId,
      sessionRevision: -1,
      session: null,
      lastUpdated: new Date(0).toISOString(),
      putQueued: false,
      completedQueued: false,
      periodsQueued: 0,
      lastPatchAt: 0,
      dirty: false,
    };
    if (!partnerId) {
      await this.readModels.upsert(OCPI_SESSIONS.name, sessionId, { ...base, partnerId: '', sessionRevision: revision }, docRevision(revision));
      return;
    }
    const folded = foldedSessionOf(events, {
      cpo: { countryCode: this.ocpi.countryCode, partyId: this.ocpi.partyId },
      tokenParty: partyOfPartnerId(partnerId) ?? { countryCode: this.ocpi.countryCode, partyId: this.ocpi.partyId },
      place: await this.placeOf(events),
      currency: this.settings.sessionCurrency,
    });
    await this.storeSession({ ...base, partnerId }, revision, folded, sourceEventId);
  }

  /** Stores the session's OCPI object as of `revision` of its stream, after queuing what the partner needs to follow. */
  private async storeSession(base: SessionPushDocument, revision: number, folded: FoldedSession | undefined, sourceEventId: string): Promise<void> {
    const session = folded?.session;
    let next: SessionPushDocument = {
      ...base,
      sessionRevision: revision,
      session: session ?? null,
      fold: folded?.fold ?? null,
      lastUpdated: session ? new Date(session.last_updated).toISOString() : base.lastUpdated,
    };
    if (session) next = await this.push(next, session, sourceEventId);
    await this.readModels.upsert(OCPI_SESSIONS.name, base.id, next, docRevision(revision));
  }

  private async push(doc: SessionPushDocument, session: OcpiSession, sourceEventId: string): Promise<SessionPushDocument> {
    const target = { partnerId: doc.partnerId, module: 'sessions', objectId: session.id, path: `/${session.country_code}/${session.party_id}/${encodeURIComponent(session.id)}`, sessionId: session.id, sourceEventId };
    const now = Date.now();
    if (!doc.putQueued) {
      await this.outbox.enqueue({ ...target, method: 'PUT', body: session });
      return { ...doc, putQueued: true, completedQueued: session.status === 'COMPLETED', periodsQueued: session.charging_periods.length, lastPatchAt: now, dirty: false };
    }
    if (doc.completedQueued) return doc;
    const completed = session.status === 'COMPLETED';
    if (!completed && now - doc.lastPatchAt < this.settings.sessionPatchIntervalMs) return { ...doc, dirty: true };
    await this.outbox.enqueue({ ...target, method: 'PATCH', body: sessionPatchOf(session, doc.periodsQueued) });
    return { ...doc, completedQueued: completed, periodsQueued: session.charging_periods.length, lastPatchAt: now, dirty: false };
  }

  /** Queues the updates held back by the PATCH interval once it is over. */
  async sweep(): Promise<void> {
    const held = await this.readModels.find<SessionPushDocument>(OCPI_SESSIONS.name, { where: { dirty: true }, limit: 500 });
    for (const { id } of held.items) {
      // Read again in the session's turn: the consumer may have queued a newer push (a COMPLETED PATCH) since.
      await this.turns.run(id, async () => {
        const current = await this.readModels.get<SessionPushDocument>(OCPI_SESSIONS.name, id);
        if (!current) return;
        const { data, revision } = current;
        if (!data.dirty || !data.session || data.completedQueued || Date.now() - data.lastPatchAt < this.settings.sessionPatchIntervalMs) return;
        const swept = await this.push({ ...data, lastPatchAt: 0 }, data.session, `sweep|${data.id}|${data.sessionRevision}`);
        await this.readModels.upsert(OCPI_SESSIONS.name, data.id, swept, Math.max(revision + 1, docRevision(data.sessionRevision, true)));
      });
    }
  }

  /** The partner a session belongs to, '' for none: what the sessions sender decided, or the session stream itself. */
  async partnerOfSession(sessionId: string): Promise<string> {
    const stored = (await this.readModels.get<SessionPushDocument>(OCPI_SESSIONS.name, sessionId))?.data;
    if (stored?.partnerId) return stored.partnerId;
    const recorded = await this.store.readStream(`session-${sessionId}`, { maxCount: 50 });
    return this.partnerOf(recorded.filter((e) => SESSION_EVENT_TYPES.has(e.type)).map((e) => decodeStored(e.type, e.data)));
  }

  async list(partnerId: string): Promise<OcpiSession[]> {
    const found = await this.readModels.find<SessionPushDocument>(OCPI_SESSIONS.name, { where: { partnerId }, sort: { field: 'lastUpdated', direction: 'asc' }, limit: 100_000 });
    return found.items.flatMap((d) => (d.data.session ? [d.data.session] : []));
  }

  private async partnerOf(events: readonly SessionStreamEvent[]): Promise<string> {
    for (const event of events) {
      if (event.type === 'SessionStarted' && event.data.partnerId) return event.data.partnerId;
      if (event.type === 'SessionAuthorized' && event.data.partnerId && event.data.status === 1) return event.data.partnerId;
    }
    const commandId = this.commandIdOf(events);
    return commandId ? ((await this.requestOf(commandId))?.partnerId ?? '') : '';
  }

  private commandIdOf(events: readonly SessionStreamEvent[]): string {
    const started = events.find((e) => e.type === 'SessionStarted');
    return started?.type === 'SessionStarted' ? started.data.commandId : '';
  }

  private async requestOf(commandId: string) {
    const [requested] = await this.store.readStream(`command-${commandId}`, { maxCount: 1 });
    return requested?.type === 'CommandRequested' ? decodeEventJson('CommandRequested', requested.data as never, { ignoreUnknownFields: true }) : undefined;
  }

  /** The OCPI place as the remote start named it, else the charger's registered location (as the CDR issuer reads it). */
  private async placeOf(events: readonly SessionStreamEvent[]): Promise<{ locationId: string; evseUid: string; connectorId: string }> {
    const started = events.find((e) => e.type === 'SessionStarted');
    if (started?.type !== 'SessionStarted') return { locationId: '', evseUid: '', connectorId: '' };
    const s = started.data;
    let place = { locationId: '', evseUid: `${s.chargerId}-${s.evseId > 0 ? s.evseId : s.connectorId}`, connectorId: String(s.connectorId) };
    if (s.commandId) {
      const request = await this.requestOf(s.commandId);
      if (request?.payload.case === 'startSession') {
        const start = request.payload.value;
        place = { locationId: start.locationId, evseUid: start.evseUid || place.evseUid, connectorId: start.ocpiConnectorId || place.connectorId };
      }
    }
    if (!place.locationId) {
      const [registered] = (await this.store.readStream(`charger-${s.chargerId}`, { maxCount: 50 })).filter((e) => e.type === 'ChargerRegistered');
      const locationId = registered ? decodeEventJson('ChargerRegistered', registered.data as never, { ignoreUnknownFields: true }).locationId : '';
      place = { ...place, locationId: locationId || s.chargerId };
    }
    return place;
  }
}
