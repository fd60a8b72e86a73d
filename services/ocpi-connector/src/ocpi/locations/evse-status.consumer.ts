import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, timestampMs, type EventMessage } from '@roamgate/contracts';
import { findAll, type ReadModelStore } from '@roamgate/read-models';
import { KeyedTurns, READ_MODELS } from '@roamgate/runtime';
import { EVENT_HEADER } from '../sessions/sessions.sender';
import { LocationRepository, type EvseDocument } from './location.repository';

export const EVSE_STATUS_GROUP = 'ocpi-connector-evse-status';
export const OCPI_CHARGER_LINKS = { name: 'ocpi_charger_links', indexes: ['offlineSince'] } as const;
const SWEEP_PAGE = 100;

/** Whether a charger is connected, and since when it is not; `marked` once its EVSEs went UNKNOWN. */
type ChargerLinkDocument = { readonly id: string; readonly connectionId: string; readonly offlineSince: string | null; readonly marked: boolean };

/** OCPI_EVSE_OFFLINE_GRACE_S: how long a charger may stay disconnected before its EVSEs show UNKNOWN (0: never). */
export function offlineGraceMs(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.OCPI_EVSE_OFFLINE_GRACE_S ?? '300';
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`OCPI_EVSE_OFFLINE_GRACE_S: must be a non-negative number of seconds, got "${value}"`);
  return seconds * 1000;
}

/**
 * EVSE status from the charger-gateway's ConnectorStatusChanged (topic roamgate.charger). 2.0.1 reports per EVSE
 * and connector; 1.6 per connector, which is its EVSE, and connector 0 for the whole charger (applied to every EVSE
 * of the charger). A status older than the last applied one (a redelivery) is skipped by its charger-stream revision.
 * A charger disconnected for longer than the grace period has its EVSEs shown UNKNOWN (a sweep, so a restart keeps
 * the clock: the disconnection time is in ocpi_charger_links) until it connects again. Fed by OcpiBusConsumers
 * (group EVSE_STATUS_GROUP).
 */
@Injectable()
export class EvseStatusConsumer implements OnModuleInit, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OcpiEvseStatus');
  private readonly graceMs = offlineGraceMs();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  /**
   * A charger's link is read and acted on by the consumer and by the sweep: one at a time per charger, so a sweep that
   * read a disconnection does not mark the EVSEs UNKNOWN after the consumer handled the reconnection.
   */
  private readonly turns = new KeyedTurns();

  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    private readonly locations: LocationRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(OCPI_CHARGER_LINKS);
  }

  onApplicationBootstrap(): void {
    if (this.graceMs > 0) {
      this.sweeper = setInterval(() => {
        this.sweeping ??= this.sweep()
          .catch((error: unknown) => this.logger.error(`offline sweep: ${String(error)}`))
          .finally(() => (this.sweeping = undefined));
      }, Math.min(30_000, Math.max(100, this.graceMs / 4)));
      this.sweeper.unref();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.sweeping;
  }

  async handle(message: DeliveredMessage): Promise<void> {
    const type = message.headers[EVENT_HEADER.type];
    const revision = Number(message.headers[EVENT_HEADER.revision]);
    const eventId = message.headers[EVENT_HEADER.id] ?? `${message.key}@${revision}`;
    if (type === 'ChargerConnected' || type === 'ChargerDisconnected') return this.link(type, message, revision, eventId);
    if (type !== 'ConnectorStatusChanged') return;
    const status = decodeEventBinary('ConnectorStatusChanged', message.value);
    const whole = status.evseId === 0 && status.connectorId === 0;
    const evses: EvseDocument[] = whole
      ? await this.locations.evsesOfCharger(status.chargerId)
      : await this.locations.evsesOfCharger(status.chargerId, status.evseId > 0 ? status.evseId : status.connectorId);
    const now = new Date(status.occurredAt ? timestampMs(status.occurredAt) : Date.now());
    for (const evse of evses) {
      if (Number.isSafeInteger(revision) && revision <= evse.statusRevision) continue;
      await this.locations.handle(evse.locationId, {
        type: 'RecordConnectorStatus',
        evseUid: evse.id,
        ocppConnectorId: whole ? 0 : status.connectorId,
        status: status.status,
        sourceEventId: eventId,
        now,
      });
      if (Number.isSafeInteger(revision)) await this.locations.markStatusApplied(evse, revision);
    }
  }

  private async link(type: 'ChargerConnected' | 'ChargerDisconnected', message: DeliveredMessage, revision: number, eventId: string): Promise<void> {
    const event = decodeEventBinary(type, message.value);
    await this.turns.run(event.chargerId, () => this.linkNow(type, event, revision, eventId));
  }

  private async linkNow(
    type: 'ChargerConnected' | 'ChargerDisconnected',
    event: EventMessage<'ChargerConnected'> | EventMessage<'ChargerDisconnected'>,
    revision: number,
    eventId: string,
  ): Promise<void> {
    const at = new Date(event.occurredAt ? timestampMs(event.occurredAt) : Date.now());
    const stored = await this.readModels.get<ChargerLinkDocument>(OCPI_CHARGER_LINKS.name, event.chargerId);
    // Document revision: twice the charger-stream revision, plus one once the sweep marked it.
    const nextRevision = Number.isSafeInteger(revision) ? revision * 2 + 2 : (stored?.revision ?? 0) + 2;
    if (stored && stored.revision >= nextRevision) return;
    if (type === 'ChargerConnected') {
      if (stored?.data.marked) await this.mark(event.chargerId, true, eventId, at);
      await this.readModels.upsert<ChargerLinkDocument>(OCPI_CHARGER_LINKS.name, event.chargerId, { id: event.chargerId, connectionId: event.connectionId, offlineSince: null, marked: false }, nextRevision);
      return;
    }
    // A late close of a connection the charger already replaced says nothing about the charger.
    if (stored && stored.data.connectionId && event.connectionId && stored.data.connectionId !== event.connectionId) return;
    await this.readModels.upsert<ChargerLinkDocument>(
      OCPI_CHARGER_LINKS.name,
      event.chargerId,
      { id: event.chargerId, connectionId: event.connectionId, offlineSince: at.toISOString(), marked: false },
      nextRevision,
    );
  }

  /** Marks the EVSEs of chargers offline for longer than the grace period UNKNOWN. */
  async sweep(now = new Date()): Promise<void> {
    if (this.graceMs <= 0) return;
    // Latest disconnection first: the links of connected chargers (offlineSince null, which sorts lowest) come last,
    // so the sweep reads the disconnected ones only, however many chargers are connected.
    const latestFirst = { sort: { field: 'offlineSince', direction: 'desc' } } as const;
    for await (const { data } of findAll<ChargerLinkDocument>(this.readModels, OCPI_CHARGER_LINKS.name, latestFirst, SWEEP_PAGE)) {
      if (!data.offlineSince) return;
      if (data.marked || !this.pastGrace(data, now)) continue;
      await this.turns.run(data.id, async () => {
        // Read again in the charger's turn: the consumer may have handled a reconnection since the page was read.
        const current = await this.readModels.get<ChargerLinkDocument>(OCPI_CHARGER_LINKS.name, data.id);
        if (current === undefined || current.data.marked || !this.pastGrace(current.data, now)) return;
        await this.mark(data.id, false, `offline|${data.id}|${current.data.offlineSince}`, now);
        await this.readModels.upsert<ChargerLinkDocument>(OCPI_CHARGER_LINKS.name, data.id, { ...current.data, marked: true }, current.revision + 1);
      });
    }
  }

  private pastGrace(link: ChargerLinkDocument, now: Date): boolean {
    return link.offlineSince !== null && now.getTime() - Date.parse(link.offlineSince) >= this.graceMs;
  }

  private async mark(chargerId: string, online: boolean, sourceEventId: string, now: Date): Promise<void> {
    for (const evse of await this.locations.evsesOfCharger(chargerId)) {
      await this.locations.handle(evse.locationId, { type: 'RecordChargerLink', evseUid: evse.id, online, sourceEventId, now });
    }
  }
}
