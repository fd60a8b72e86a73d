import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import {
  AuthorizationStatus,
  CommandKind,
  CommandResult,
  ReconExceptionStatus,
  ReconExceptionType,
  ReconOwner,
  decodeEventBinary,
  isEventType,
  timestampDate,
  type EventMessage,
  type EventType,
  type Timestamp,
} from '@roamgate/contracts';
import type { ExceptionStatus, Owner } from '@roamgate/launch';
import { QuietStreams, type Document, type ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import { TopicProjector } from '../shared/topic-projector';
import {
  dayOf,
  FACT_COLLECTIONS,
  FACTS,
  type CdrDocument,
  type ChargerDocument,
  type CommandDocument,
  type ExceptionDocument,
  type PushDocument,
  type PushEntryDocument,
  type ReconciliationDocument,
  type SessionDocument,
} from './fact-documents';

export const FACTS_GROUP = 'gate-evaluator-facts';
const SESSION_STREAM_PREFIX = 'session-';
/** Session events whose handlers change a session's document only once it stopped (see afterStop). */
const AFTER_STOP_ONLY: ReadonlySet<string> = new Set(['SessionMeterValuesRecorded', 'SessionChargingStateChanged']);

/** The session anomaly of a stop the charger never sent (the charger gateway's lost-transaction close). */
const STOP_MISSING = 'STOP_MISSING';

/** Recon exception types that mean our CDR found no partner record: reconciled, with an exception. */
const UNPAIRED_TYPES = ['MISSING_AT_PARTNER', 'CDR_NOT_DELIVERED'];

interface Projected<T extends EventType> {
  readonly data: EventMessage<T>;
  readonly revision: number;
}

type Handlers = { [T in EventType]?: (event: Projected<T>) => Promise<void> };

/**
 * Keeps the facts the gates measure from the events of the other services. Delivery is at least once: every
 * document records the revision of the stream event that last changed it, and an event at or below it is skipped.
 */
@Injectable()
export class FactProjector extends TopicProjector implements OnModuleInit {
  /** Running sessions' streams, as far as their meter values and charging states go (see project). */
  private readonly running = new QuietStreams();

  constructor(
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
  ) {
    super(FACTS_GROUP);
  }

  async onModuleInit(): Promise<void> {
    for (const spec of FACT_COLLECTIONS) await this.store.ensureCollection(spec);
  }

  protected handles(type: string): boolean {
    return isEventType(type) && this.handlers[type] !== undefined;
  }

  protected async project(type: string, revision: number, value: Uint8Array, streamId: string): Promise<void> {
    if (AFTER_STOP_ONLY.has(type) && streamId.startsWith(SESSION_STREAM_PREFIX)) {
      // Meter values and charging states tell the gates something only after the session stopped (a flow
      // violation): for a running session, whose document exists, they are skipped before decoding, and while
      // they follow each other without another event of the session in between, without reading the document.
      if (this.running.skip(streamId, revision)) return;
      const stored = await this.store.get<SessionDocument>(FACTS.sessions, streamId.slice(SESSION_STREAM_PREFIX.length));
      if (stored !== undefined && stored.revision >= revision) return;
      if (stored !== undefined && stored.data.stoppedAt === undefined) return this.running.remember(streamId, revision);
    }
    if (type === 'SessionStopped') this.running.forget(streamId);
    const handler = this.handlers[type as EventType] as (event: Projected<EventType>) => Promise<void>;
    await handler({ data: decodeEventBinary(type, value), revision });
  }

  private readonly handlers: Handlers = {
    ChargerRegistered: ({ data, revision }) =>
      this.change<ChargerDocument>(FACTS.chargers, data.chargerId, revision, (doc) => ({
        ...doc,
        chargerId: data.chargerId,
        ...(data.locationId ? { locationId: data.locationId } : {}),
        tags: [...data.tags],
      })),
    ChargerBooted: ({ data, revision }) =>
      this.change<ChargerDocument>(FACTS.chargers, data.chargerId, revision, (doc) => ({
        ...doc,
        chargerId: data.chargerId,
        vendor: data.vendor,
        model: data.model,
        firmware: data.firmwareVersion,
      })),

    CommandRequested: ({ data, revision }) =>
      this.change<CommandDocument>(FACTS.commands, data.commandId, revision, (doc) => {
        const requestedAt = iso(data.occurredAt);
        return {
          ...doc,
          commandId: data.commandId,
          chargerId: data.chargerId,
          kind: CommandKind[data.kind] ?? String(data.kind),
          ...(data.partnerId ? { partnerId: data.partnerId } : {}),
          requestedAt,
          outcome: doc?.outcome ?? 'PENDING',
          day: dayOf(requestedAt),
        };
      }),
    CommandAnswered: ({ data, revision }) =>
      this.change<CommandDocument>(FACTS.commands, data.commandId, revision, (doc) =>
        doc === undefined || data.late
          ? doc
          : { ...doc, outcome: data.result === CommandResult.ACCEPTED ? 'SUCCEEDED' : 'FAILED', result: CommandResult[data.result] ?? data.status, ...(data.errorCode ? { reason: data.errorCode } : {}) },
      ),
    CommandTimedOut: ({ data, revision }) =>
      this.change<CommandDocument>(FACTS.commands, data.commandId, revision, (doc) => doc && { ...doc, outcome: 'TIMED_OUT', result: 'TIMEOUT' }),
    CommandFailed: ({ data, revision }) =>
      this.change<CommandDocument>(FACTS.commands, data.commandId, revision, (doc) => doc && { ...doc, outcome: 'FAILED', result: CommandResult[data.result] ?? 'FAILED', reason: data.reason }),

    SessionStarted: ({ data, revision }) =>
      this.changeSession(data.sessionId, data.chargerId, data.occurredAt, revision, (doc) => ({
        ...doc,
        startedAt: iso(data.occurredAt),
        day: dayOf(iso(data.occurredAt)),
        ...(data.partnerId ? { partnerId: data.partnerId } : {}),
        flowViolations: [
          ...doc.flowViolations,
          ...(doc.startedAt !== undefined ? ['DUPLICATE_START'] : []),
          ...(doc.stoppedAt !== undefined ? ['STOP_BEFORE_START'] : []),
        ],
      })),
    SessionAuthorized: ({ data, revision }) =>
      this.changeSession(data.sessionId, data.chargerId, data.occurredAt, revision, (doc) => ({
        ...doc,
        ...(data.partnerId && doc.partnerId === undefined ? { partnerId: data.partnerId } : {}),
        flowViolations: data.status === AuthorizationStatus.ACCEPTED ? doc.flowViolations : [...doc.flowViolations, `AUTHORIZATION_${AuthorizationStatus[data.status] ?? 'REFUSED'}`],
      })),
    SessionMeterValuesRecorded: ({ data, revision }) =>
      this.changeSession(data.sessionId, data.chargerId, data.occurredAt, revision, (doc) => afterStop(doc, 'METER_VALUES_AFTER_STOP')),
    SessionChargingStateChanged: ({ data, revision }) =>
      this.changeSession(data.sessionId, data.chargerId, data.occurredAt, revision, (doc) => afterStop(doc, 'CHARGING_STATE_AFTER_STOP')),
    SessionStopped: ({ data, revision }) =>
      this.changeSession(data.sessionId, data.chargerId, data.occurredAt, revision, (doc) => ({
        ...doc,
        stoppedAt: iso(data.occurredAt),
        flowViolations: [
          ...doc.flowViolations,
          ...(doc.stoppedAt !== undefined ? ['DUPLICATE_STOP'] : []),
          // The charger never stopped it; the gateway closed it when the charger started another in its place.
          ...(data.anomalies.includes(STOP_MISSING) && !doc.flowViolations.includes(STOP_MISSING) ? [STOP_MISSING] : []),
        ],
      })),

    OcpiPushQueued: async ({ data, revision }) => {
      if (data.module !== 'sessions' || data.sessionId === '') return;
      await this.change<PushEntryDocument>(FACTS.pushEntries, data.entryId, revision, () => ({ entryId: data.entryId, sessionId: data.sessionId, module: data.module }));
      await this.change<PushDocument>(FACTS.pushes, data.sessionId, revision, (doc) => ({
        sessionId: data.sessionId,
        partnerId: data.partnerId,
        queued: (doc?.queued ?? 0) + 1,
        delivered: doc?.delivered ?? 0,
        deadLettered: doc?.deadLettered ?? 0,
        day: doc?.day ?? dayOf(iso(data.occurredAt)),
      }));
    },
    OcpiPushDelivered: ({ data, revision }) => this.changePush(data.entryId, revision, (doc) => ({ ...doc, delivered: doc.delivered + 1 })),
    OcpiPushAttemptFailed: ({ data, revision }) =>
      data.deadLettered ? this.changePush(data.entryId, revision, (doc) => ({ ...doc, deadLettered: doc.deadLettered + 1 })) : Promise.resolve(),

    CdrIssued: ({ data, revision }) =>
      this.change<CdrDocument>(FACTS.cdrs, data.cdrId, revision, (doc) => {
        const sessionStart = data.startDateTime === undefined ? undefined : iso(data.startDateTime);
        const issuedAt = iso(data.occurredAt);
        return {
          ...doc,
          cdrId: data.cdrId,
          sessionId: data.sessionId,
          chargerId: data.chargerId,
          ...(data.partnerId ? { partnerId: data.partnerId } : {}),
          issuedAt,
          ...(sessionStart === undefined ? {} : { sessionStart }),
          currency: data.currency,
          totalCost: data.totalCost?.exclVat ?? '0',
          day: dayOf(sessionStart ?? issuedAt),
        };
      }),
    CdrReplayed: ({ data, revision }) =>
      this.change<CdrDocument>(FACTS.cdrs, data.cdrId, revision, (doc) => doc && { ...doc, replay: data.matches ? 'MATCHES' : 'DIFFERS' }),

    ReconMatchesRecorded: async ({ data, revision }) => {
      const reconciledAt = iso(data.occurredAt);
      for (const match of data.matches) {
        if (match.ourCdrId === '') continue;
        await this.change<ReconciliationDocument>(FACTS.reconciliations, `${data.runId}:${match.ourCdrId}`, revision, () => ({
          cdrId: match.ourCdrId,
          partnerId: data.partnerId,
          reconciledAt,
          outcome: 'MATCHED',
          clean: match.clean,
          day: dayOf(reconciledAt),
        }));
      }
    },
    ReconExceptionOpened: async ({ data, revision }) => {
      const openedAt = iso(data.occurredAt);
      const type = ReconExceptionType[data.type] ?? 'UNSPECIFIED';
      await this.change<ExceptionDocument>(FACTS.exceptions, data.exceptionId, revision, (doc) => ({
        ...doc,
        exceptionId: data.exceptionId,
        partnerId: data.partnerId,
        type,
        owner: ownerOf(data.owner),
        openedAt,
        status: doc?.status ?? 'OPEN',
        open: doc?.open ?? true,
        ...(data.ourCdrId ? { cdrId: data.ourCdrId } : {}),
        ...(data.sessionId ? { sessionId: data.sessionId } : {}),
        ...(data.amountAtRisk ? { amountAtRisk: data.amountAtRisk, currency: data.currency } : {}),
        day: dayOf(openedAt),
      }));
      if (data.ourCdrId !== '' && UNPAIRED_TYPES.includes(type)) {
        await this.change<ReconciliationDocument>(FACTS.reconciliations, `exception:${data.exceptionId}`, revision, () => ({
          cdrId: data.ourCdrId,
          partnerId: data.partnerId,
          reconciledAt: openedAt,
          outcome: 'EXCEPTION',
          clean: false,
          day: dayOf(openedAt),
        }));
      }
    },
    ReconExceptionStatusChanged: ({ data, revision }) =>
      this.change<ExceptionDocument>(FACTS.exceptions, data.exceptionId, revision, (doc) => {
        if (doc === undefined) return undefined;
        const status = statusOf(data.to);
        const open = status === 'OPEN' || status === 'INVESTIGATING';
        const { closedAt: _reopened, ...rest } = doc;
        return { ...(open ? rest : doc), status, open, ...(open ? {} : { closedAt: iso(data.occurredAt) }) };
      }),

    EvseAttached: ({ data, revision }) =>
      data.evse === undefined || data.evse.chargerId === ''
        ? Promise.resolve()
        : this.change(FACTS.evseLocations, data.evse.uid, revision, () => ({ evseUid: data.evse!.uid, chargerId: data.evse!.chargerId, locationId: data.locationId })),
    EvseDetached: async ({ data, revision }) => {
      await this.store.delete(FACTS.evseLocations, data.evseUid, revision);
    },

    PartnerProbed: ({ data, revision }) =>
      this.change(FACTS.probes, data.partnerId, revision, () => ({
        partnerId: data.partnerId,
        probedAt: iso(data.occurredAt),
        findings: data.findings.map((f) => ({ check: f.check, passed: f.passed, ...(f.detail ? { detail: f.detail } : {}) })),
      })),
  };

  /**
   * Reads, changes and writes one document unless it already saw this revision; `undefined` from `next`, or the
   * document itself unchanged (a meter value of a running session), writes nothing: the revision guard stays where
   * the last change put it, and an event redelivered in between changes nothing again.
   */
  private async change<T extends Document>(collection: string, id: string, revision: number, next: (doc: T | undefined) => T | undefined): Promise<void> {
    const stored = await this.store.get<T>(collection, id);
    if (stored !== undefined && stored.revision >= revision) return;
    const changed = next(stored?.data);
    if (changed !== undefined && changed !== stored?.data) await this.store.upsert(collection, id, changed, revision);
  }

  private changeSession(sessionId: string, chargerId: string, at: Timestamp | undefined, revision: number, next: (doc: SessionDocument) => SessionDocument): Promise<void> {
    return this.change<SessionDocument>(FACTS.sessions, sessionId, revision, (doc) =>
      next(doc ?? { sessionId, chargerId, flowViolations: [], day: dayOf(iso(at)) }),
    );
  }

  private async changePush(entryId: string, revision: number, next: (doc: PushDocument) => PushDocument): Promise<void> {
    const entry = await this.store.get<PushEntryDocument>(FACTS.pushEntries, entryId);
    if (entry === undefined) return;
    await this.change<PushDocument>(FACTS.pushes, entry.data.sessionId, revision, (doc) => doc && next(doc));
  }
}

function afterStop(doc: SessionDocument, violation: string): SessionDocument {
  return doc.stoppedAt === undefined || doc.flowViolations.includes(violation) ? doc : { ...doc, flowViolations: [...doc.flowViolations, violation] };
}

const iso = (t: Timestamp | undefined): string => (t === undefined ? new Date(0).toISOString() : timestampDate(t).toISOString());

function ownerOf(owner: ReconOwner): Owner {
  const name = ReconOwner[owner];
  return name === 'CHARGER' || name === 'BACKEND' || name === 'PARTNER' ? name : 'UNKNOWN';
}

function statusOf(status: ReconExceptionStatus): ExceptionStatus {
  const name = ReconExceptionStatus[status];
  return name === 'INVESTIGATING' || name === 'RESOLVED' || name === 'ACCEPTED' ? name : 'OPEN';
}
