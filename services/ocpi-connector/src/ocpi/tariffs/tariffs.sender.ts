import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, timestampMs } from '@roamgate/contracts';
import type { ReadModelStore } from '@roamgate/read-models';
import { KeyedTurns, READ_MODELS } from '@roamgate/runtime';
import { PARTNERS, type PartnerDocument } from '../../partners/partner-documents';
import { Outbox } from '../push/outbox';
import { EVENT_HEADER } from '../sessions/sessions.sender';
import { validationProblems } from '../transport/validation';
import { TariffDto, type OcpiTariff } from './tariff.dto';

export const TARIFFS_GROUP = 'ocpi-connector-tariffs';
/** A partner that registers after tariffs were published gets them pushed too. */
export const TARIFFS_PARTNERS_GROUP = 'ocpi-connector-tariffs-partners';
export const TARIFF_TOPIC = 'roamgate.tariff';
export const OCPI_TARIFFS = { name: 'ocpi_tariffs', indexes: ['deleted', 'lastUpdated'] } as const;

/** The connector's copy of one tariff of the tariff engine, as OCPI serves and pushes it. */
export type TariffDocument = {
  readonly id: string;
  readonly tariff: OcpiTariff;
  readonly lastUpdated: string;
  readonly deleted: boolean;
};

/** The receiver path of a tariff: mod_tariffs Client Owned Object, `/{country_code}/{party_id}/{tariff_id}`. */
export const tariffPath = (tariff: Pick<OcpiTariff, 'country_code' | 'party_id' | 'id'>): string =>
  `/${encodeURIComponent(tariff.country_code)}/${encodeURIComponent(tariff.party_id)}/${encodeURIComponent(tariff.id)}`;

/**
 * mod_tariffs, CPO as sender. The tariff engine owns tariffs (stream tariff-<id>); the connector follows
 * roamgate.tariff into the ocpi_tariffs read model, which GET /tariffs serves, and pushes each change through the
 * outbox: PUT of the whole Tariff on TariffPublished, DELETE on TariffDeleted, to every registered partner that
 * lists a tariffs RECEIVER endpoint; a partner registering later gets every current tariff PUT on PartnerRegistered.
 * Fed by OcpiBusConsumers (groups TARIFFS_GROUP and TARIFFS_PARTNERS_GROUP).
 * Tariffs are not scoped per partner yet: every such partner gets all of them.
 */
@Injectable()
export class TariffsSender implements OnModuleInit {
  private readonly logger = new Logger('OcpiTariffs');
  /** A partner's registration and a tariff's new version both push the tariff: one at a time per tariff, in order. */
  private readonly turns = new KeyedTurns();

  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    private readonly outbox: Outbox,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(OCPI_TARIFFS);
  }

  /** A partner registered: every current tariff is PUT to it, if it receives tariffs. */
  async onPartner(message: DeliveredMessage): Promise<void> {
    if (message.headers[EVENT_HEADER.type] !== 'PartnerRegistered') return;
    const registered = decodeEventBinary('PartnerRegistered', message.value);
    const eventId = message.headers[EVENT_HEADER.id] ?? `${message.key}@${message.headers[EVENT_HEADER.revision] ?? message.offset}`;
    const partner = (await this.receivers()).find((p) => p.id === registered.partnerId);
    if (!partner) return;
    for (const { id } of await this.list()) {
      // Read again in the tariff's turn: a newer version published since the list was read must not be overtaken.
      await this.turns.run(id, async () => {
        const current = (await this.readModels.get<TariffDocument>(OCPI_TARIFFS.name, id))?.data;
        if (!current || current.deleted) return;
        const tariff = current.tariff;
        await this.outbox.enqueue({ partnerId: partner.id, module: 'tariffs', objectId: tariff.id, method: 'PUT', path: tariffPath(tariff), body: tariff, sourceEventId: eventId });
      });
    }
  }

  async handle(message: DeliveredMessage): Promise<void> {
    const type = message.headers[EVENT_HEADER.type];
    if (type !== 'TariffPublished' && type !== 'TariffDeleted') return;
    const revision = Number(message.headers[EVENT_HEADER.revision]);
    if (!Number.isSafeInteger(revision)) throw new Error(`${message.topic}:${message.offset} lacks the stream revision header`);
    const eventId = message.headers[EVENT_HEADER.id] ?? `${message.key}@${revision}`;
    if (type === 'TariffPublished') {
      const published = decodeEventBinary('TariffPublished', message.value);
      const tariff = JSON.parse(published.tariffJson) as OcpiTariff;
      await this.turns.run(tariff.id, () => this.published(tariff, revision, eventId));
    } else {
      const deleted = decodeEventBinary('TariffDeleted', message.value);
      const lastUpdated = deleted.lastUpdated ? new Date(timestampMs(deleted.lastUpdated)).toISOString() : undefined;
      await this.turns.run(deleted.tariffId, () => this.deleted(deleted.tariffId, lastUpdated, revision, eventId));
    }
  }

  /** A new version of a tariff: stored, then PUT to every partner receiving tariffs. */
  async published(tariff: OcpiTariff, revision: number, sourceEventId: string): Promise<void> {
    const stored = await this.readModels.get<TariffDocument>(OCPI_TARIFFS.name, tariff.id);
    if (stored && stored.revision >= revision) return;
    const problems = validationProblems(TariffDto, tariff);
    if (problems.length > 0) {
      // The tariff engine validated it already; a Tariff our DTOs refuse is not served or pushed, and says why.
      this.logger.error(`tariff ${tariff.id} (revision ${revision}) is not a valid OCPI Tariff and is not published: ${problems.join('; ')}`);
      return;
    }
    for (const partner of await this.receivers()) {
      await this.outbox.enqueue({ partnerId: partner.id, module: 'tariffs', objectId: tariff.id, method: 'PUT', path: tariffPath(tariff), body: tariff, sourceEventId });
    }
    const doc: TariffDocument = { id: tariff.id, tariff, lastUpdated: new Date(tariff.last_updated.endsWith('Z') ? tariff.last_updated : `${tariff.last_updated}Z`).toISOString(), deleted: false };
    await this.readModels.upsert(OCPI_TARIFFS.name, tariff.id, doc, revision);
  }

  /** A withdrawn tariff: DELETE on every partner receiving tariffs, and no longer listed. */
  async deleted(tariffId: string, lastUpdated: string | undefined, revision: number, sourceEventId: string): Promise<void> {
    const stored = await this.readModels.get<TariffDocument>(OCPI_TARIFFS.name, tariffId);
    if (!stored || stored.revision >= revision || stored.data.deleted) return;
    for (const partner of await this.receivers()) {
      await this.outbox.enqueue({ partnerId: partner.id, module: 'tariffs', objectId: tariffId, method: 'DELETE', path: tariffPath(stored.data.tariff), body: undefined, sourceEventId });
    }
    await this.readModels.upsert(OCPI_TARIFFS.name, tariffId, { ...stored.data, deleted: true, lastUpdated: lastUpdated ?? stored.data.lastUpdated }, revision);
  }

  /** The tariffs a GET lists: every one not deleted, by last_updated. */
  async list(): Promise<OcpiTariff[]> {
    const found = await this.readModels.find<TariffDocument>(OCPI_TARIFFS.name, { where: { deleted: false }, sort: { field: 'lastUpdated', direction: 'asc' }, limit: 100_000 });
    return found.items.map((d) => d.data.tariff);
  }

  private async receivers(): Promise<PartnerDocument[]> {
    const found = await this.readModels.find<PartnerDocument>(PARTNERS.name, { where: { status: 'REGISTERED' }, limit: 10_000 });
    return found.items.map((d) => d.data).filter((p) => p.endpoints.some((e) => e.identifier === 'tariffs' && e.role === 'RECEIVER'));
  }
}
