import { Controller, Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventJson } from '@roamgate/contracts';
import { chargerStreamName } from '@roamgate/domain-charging';
import type { EventStore } from '@roamgate/event-store';
import { ReadModelBatch, ReadModelBatchConflictError, type ReadModelStore } from '@roamgate/read-models';
import { topicOf } from '@roamgate/relay';
import { EVENT_STORE, EventPattern, Payload, READ_MODELS, type BusConsumerOptions } from '@roamgate/runtime';
import { mixBefore, mixOfBoot, projectCharger, withMixChange } from './charger.projection';
import { commandIdOf, projectCommand } from './command.projection';
import {
  CHARGERS,
  COLLECTION_SPECS,
  COMMANDS,
  SESSIONS,
  UNKNOWN_MIX,
  type ChargerDocument,
  type ChargerMix,
  type CommandDocument,
  type SessionDocument,
} from './documents';
import { FrameLog } from '../message-log/frame-log';
import { eventOfMessage, type ProjectedEvent } from './projected-event';
import { projectSession } from './session.projection';

export const PROJECTIONS_GROUP = 'charger-gateway-projections';

const TAIL_PAGE = 500;
const MAX_WRITE_RACES = 10;

/** Where a projection reads and writes: the store itself, or a batch over it. */
type Documents = Pick<ReadModelStore, 'get' | 'upsert'>;

/**
 * Keeps the chargers, sessions and commands read models from the bus (and frames logged as events by older
 * versions in the message log). Delivery is
 * at least once, so every write is guarded: single-stream documents by the stream revision, the
 * command document (fed by command and session streams) by the last revision applied per stream.
 * Messages come in batches per partition, projected in order over a ReadModelBatch and written at
 * once; a batch another writer raced is projected again message by message here, and the bus does the same for a
 * batch that fails otherwise.
 */
@Injectable()
export class ChargerProjector implements OnModuleInit {
  private readonly logger = new Logger('ChargerProjector');

  constructor(
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
    @Inject(EVENT_STORE) private readonly events: EventStore,
    private readonly frameLog: FrameLog,
  ) {}

  async onModuleInit(): Promise<void> {
    for (const spec of COLLECTION_SPECS) await this.store.ensureCollection(spec);
  }

  async handle(message: DeliveredMessage): Promise<void> {
    try {
      await this.project(eventOfMessage(message));
    } catch (error) {
      this.logger.warn(`${message.topic} ${message.key} offset ${message.offset} (attempt ${message.attempt}): ${String(error)}`);
      throw error;
    }
  }

  async handleBatch(messages: readonly DeliveredMessage[]): Promise<void> {
    const batch = new ReadModelBatch(this.store);
    for (const message of messages) await this.project(eventOfMessage(message), batch);
    try {
      await batch.commit();
    } catch (error) {
      if (!(error instanceof ReadModelBatchConflictError)) throw error;
      // A command's document is fed by its command stream and a session stream, on two partitions: the other one wrote
      // it first. The expected race: project the batch again a message at a time (the revision guards skip what is in).
      this.logger.debug(`${error.message}; projected again a message at a time`);
      for (const message of messages) await this.handle(message);
    }
  }

  async project(event: ProjectedEvent, documents: Documents = this.store): Promise<void> {
    switch (event.type) {
      case 'ChargerRegistered':
      case 'ChargerBooted':
      case 'ChargerConnected':
      case 'ChargerDisconnected':
      case 'ConnectorStatusChanged':
        return this.projectCharger(event.data.chargerId, event, documents);
      case 'OcppFrameLogged':
        await this.frameLog.recordEvent(event);
        return this.projectCharger(event.data.chargerId, event, documents);
      case 'SessionStarted':
      case 'SessionAuthorized':
      case 'SessionMeterValuesRecorded':
      case 'SessionChargingStateChanged':
      case 'SessionStopped':
        await this.projectSession(event.data.sessionId, event, documents);
        return this.projectCommand(event, documents);
      case 'CommandRequested':
      case 'CommandSentToCharger':
      case 'CommandAnswered':
      case 'CommandTimedOut':
      case 'CommandFailed':
      case 'CommandResultDelivered':
      case 'CommandResultDeliveryFailed':
        return this.projectCommand(event, documents);
      default:
        return;
    }
  }

  private async projectCharger(chargerId: string, event: ProjectedEvent, documents: Documents): Promise<void> {
    // Revisions of other streams (should frames ever be logged elsewhere) would break the guard.
    if (event.streamId !== chargerStreamName(chargerId)) return;
    const stored = await documents.get<ChargerDocument>(CHARGERS, chargerId);
    if (stored && stored.revision >= event.revision) return;
    const next = projectCharger(stored?.data, event);
    if (next !== stored?.data) await documents.upsert(CHARGERS, chargerId, next, event.revision);
  }

  private async projectSession(sessionId: string, event: ProjectedEvent, documents: Documents): Promise<void> {
    const stored = await documents.get<SessionDocument>(SESSIONS, sessionId);
    if (stored && stored.revision >= event.revision) return;
    const mix = event.type === 'SessionStarted' ? await this.mixAt(event.data.chargerId, event.position, documents) : UNKNOWN_MIX;
    const next = projectSession(stored?.data, event, mix);
    if (next !== undefined && next !== stored?.data) await documents.upsert(SESSIONS, sessionId, next, event.revision);
  }

  /** Compare-and-set on the document revision: a concurrent write from the other stream makes this one retry. */
  private async projectCommand(event: ProjectedEvent, documents: Documents): Promise<void> {
    const commandId = commandIdOf(event);
    if (commandId === undefined || commandId === '') return;
    for (let race = 1; ; race++) {
      const stored = await documents.get<CommandDocument>(COMMANDS, commandId);
      if (event.revision <= (stored?.data.sources[event.streamId] ?? -1)) return;
      const mix = event.type === 'CommandRequested' ? await this.mixAt(event.data.chargerId, event.position, documents) : UNKNOWN_MIX;
      const next = projectCommand(stored?.data, event, mix);
      const sources = { ...next.sources, [event.streamId]: event.revision };
      if (await documents.upsert(COMMANDS, commandId, { ...next, sources }, (stored?.revision ?? -1) + 1)) return;
      if (race >= MAX_WRITE_RACES) throw new Error(`commands/${commandId}: lost ${race} concurrent write races`);
    }
  }

  /**
   * The mix the charger had booted with before `position`. The charger document may lag behind
   * (its events travel on another topic), so the boots it has not seen yet are read from the store.
   */
  async mixAt(chargerId: string, position: number, documents: Documents = this.store): Promise<ChargerMix> {
    const stored = await documents.get<ChargerDocument>(CHARGERS, chargerId);
    let history = stored?.data.mixHistory ?? [];
    let fromRevision = (stored?.revision ?? -1) + 1;
    for (;;) {
      const page = await this.events.readStream(chargerStreamName(chargerId), { fromRevision, maxCount: TAIL_PAGE });
      for (const recorded of page) {
        if (recorded.position >= position) return mixBefore(history, position);
        if (recorded.type !== 'ChargerBooted') continue;
        const boot = decodeEventJson('ChargerBooted', recorded.data, { ignoreUnknownFields: true });
        history = withMixChange(history, { ...mixOfBoot(boot), position: recorded.position });
      }
      if (page.length < TAIL_PAGE) return mixBefore(history, position);
      fromRevision = page[page.length - 1]!.revision + 1;
    }
  }
}

const projections = { group: PROJECTIONS_GROUP, batch: true } satisfies BusConsumerOptions;

/**
 * The projector's consumer group on the charger, session and command topics. Batches are consecutive messages of
 * one partition; a batch that fails comes again one message at a time.
 */
@Controller()
export class ChargerProjectionsConsumer {
  constructor(private readonly projector: ChargerProjector) {}

  @EventPattern(topicOf('charger'), projections)
  onCharger(@Payload() messages: readonly DeliveredMessage[]): Promise<void> {
    return this.projector.handleBatch(messages);
  }

  @EventPattern(topicOf('session'), projections)
  onSession(@Payload() messages: readonly DeliveredMessage[]): Promise<void> {
    return this.projector.handleBatch(messages);
  }

  @EventPattern(topicOf('command'), projections)
  onCommand(@Payload() messages: readonly DeliveredMessage[]): Promise<void> {
    return this.projector.handleBatch(messages);
  }
}
