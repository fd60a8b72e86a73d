import { BadRequestException, Inject, Injectable } from '@nestjs/common';
import { timestampDate, timestampFromDate } from '@roamgate/contracts';
import type { EventStore } from '@roamgate/event-store';
import { validatePartnerProfile } from '@roamgate/reconciliation';
import { AggregateRepository, EVENT_STORE, type Decider } from '@roamgate/runtime';
import { reconEvent, reconEventCodec, settingsStream, type ReconEvent, type ReconEventOf } from '../recon-events';

export type FileFormat = 'csv' | 'json' | 'jsonl';
export const FILE_FORMATS: readonly FileFormat[] = ['csv', 'json', 'jsonl'];

export interface TolerancesView {
  readonly amountMinor: number;
  readonly energyWh: number;
  readonly timeS: number;
}

export interface PartnerSettings {
  readonly partnerId: string;
  /** A ColumnMapping of @roamgate/reconciliation: CSV header or dotted JSON path per partner record field. */
  readonly mapping: Record<string, unknown>;
  readonly tolerances: TolerancesView;
  readonly format: FileFormat | null;
  /** ReconOptions.windowS: how far apart (s) two starts may be compared; null: the library's default (3 h). */
  readonly windowS: number | null;
  readonly updatedAt: string | null;
}

/**
 * What a partner gets before an operator sets anything: the columns of the OCPI-shaped settlement file the eMSP
 * simulator writes (cdr_id, session_id, ..., total_cost_excl_vat), one cent, 10 Wh and one minute of tolerance.
 */
export const DEFAULT_MAPPING: Record<string, unknown> = {
  fields: {
    ref: 'cdr_id',
    cdrId: 'cdr_id',
    sessionId: 'session_id',
    authorizationReference: 'authorization_reference',
    start: 'start_date_time',
    end: 'end_date_time',
    kwh: 'total_energy_kwh',
    amountExclVat: 'total_cost_excl_vat',
    amountInclVat: 'total_cost_incl_vat',
    currency: 'currency',
    tariffId: 'tariff_id',
  },
};
export const DEFAULT_TOLERANCES: TolerancesView = { amountMinor: 1, energyWh: 10, timeS: 60 };

const MAX = { amountMinor: 1_000_000, energyWh: 10_000_000, timeS: 86_400 };
/** Up to a week: a window holds every record that started in it, so memory grows with it. */
const MAX_WINDOW_S = 7 * 86_400;

export function windowOf(value: unknown, fallback: number | null): number | null {
  if (value === undefined) return fallback;
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 60 || value > MAX_WINDOW_S) throw new BadRequestException(`windowS: must be an integer number of seconds from 60 to ${MAX_WINDOW_S}, or null for the default (10800), got ${JSON.stringify(value)}`);
  return value;
}

export function tolerancesOf(value: unknown, fallback: TolerancesView): TolerancesView {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadRequestException('tolerances: must be an object { amountMinor, energyWh, timeS }');
  const input = value as Record<string, unknown>;
  const pick = (field: keyof TolerancesView): number => {
    const v = input[field];
    if (v === undefined) return fallback[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX[field]) throw new BadRequestException(`tolerances.${field}: must be an integer from 0 to ${MAX[field]}, got ${JSON.stringify(v)}`);
    return v;
  };
  return { amountMinor: pick('amountMinor'), energyWh: pick('energyWh'), timeS: pick('timeS') };
}

export function mappingOf(value: unknown, fallback: Record<string, unknown>): Record<string, unknown> {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'object' || Array.isArray(value)) throw new BadRequestException('mapping: must be an object { fields: { cdrId: "<column>", ... }, ... }');
  const fields = (value as Record<string, unknown>)['fields'];
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new BadRequestException('mapping.fields: must be an object naming, per record field, the CSV header or JSON path');
  for (const [field, column] of Object.entries(fields)) {
    if (typeof column !== 'string' || column === '') throw new BadRequestException(`mapping.fields.${field}: must be a non-empty string (a CSV header or JSON path)`);
  }
  if (JSON.stringify(value).length > 16_384) throw new BadRequestException('mapping: must be at most 16 KiB of JSON');
  return value as Record<string, unknown>;
}

type SettingsUpdated = ReconEventOf<'ReconSettingsUpdated'>;

/** A settings stream: the latest ReconSettingsUpdated is the settings; an update is decided as the event itself. */
const settingsDecider: Decider<SettingsUpdated['data'] | undefined, SettingsUpdated, ReconEvent> = {
  initialState: () => undefined,
  decide: (updated) => [updated],
  evolve(_state, event) {
    if (event.type !== 'ReconSettingsUpdated') throw new Error(`settings stream: unexpected ${event.type}`);
    return event.data;
  },
};

/** Per-partner mapping and tolerances, kept in the stream recon-settings-<partner>; the latest event wins. */
@Injectable()
export class PartnerSettingsService {
  private readonly repository: AggregateRepository;

  constructor(@Inject(EVENT_STORE) events: EventStore) {
    this.repository = new AggregateRepository(events);
  }

  async get(partnerId: string): Promise<PartnerSettings> {
    const { state } = await this.repository.load(settingsStream(partnerId), settingsDecider, reconEventCodec as never);
    return settingsOf(partnerId, state);
  }

  /**
   * Fields left out keep their current value. The event is decided on the settings as stored and appended on their
   * revision, so two updates of different fields at the same time both count: the one that loses the race is decided
   * again on the other's result.
   */
  async update(partnerId: string, input: { mapping?: unknown; tolerances?: unknown; format?: FileFormat | null; windowS?: unknown }): Promise<PartnerSettings> {
    const { state } = await this.repository.handle(settingsStream(partnerId), settingsDecider, reconEventCodec as never, (stored) => [
      updatedSettings(settingsOf(partnerId, stored), input),
    ]);
    return settingsOf(partnerId, state);
  }
}

function updatedSettings(current: PartnerSettings, input: { mapping?: unknown; tolerances?: unknown; format?: FileFormat | null; windowS?: unknown }): SettingsUpdated {
  const { partnerId } = current;
  const mapping = mappingOf(input.mapping, current.mapping);
  const tolerances = tolerancesOf(input.tolerances, current.tolerances);
  const format = input.format === undefined ? current.format : input.format;
  const windowS = windowOf(input.windowS, current.windowS);
  const profile = validatePartnerProfile({ partnerId, format: format ?? 'csv', mapping, tolerances, ...(windowS === null ? {} : { windowS }) });
  if (!profile.ok) throw new BadRequestException(profile.errors.join('; '));
  return reconEvent('ReconSettingsUpdated', {
    partnerId,
    occurredAt: timestampFromDate(new Date()),
    mappingJson: JSON.stringify(mapping),
    tolerances,
    defaultFormat: format ?? '',
    windowS: windowS ?? 0,
  });
}

/** The settings a stream's latest event holds; the defaults while none is stored. */
function settingsOf(partnerId: string, e: SettingsUpdated['data'] | undefined): PartnerSettings {
  if (e === undefined) return { partnerId, mapping: DEFAULT_MAPPING, tolerances: DEFAULT_TOLERANCES, format: null, windowS: null, updatedAt: null };
  return {
    partnerId,
    mapping: JSON.parse(e.mappingJson) as Record<string, unknown>,
    tolerances: e.tolerances ? { amountMinor: e.tolerances.amountMinor, energyWh: e.tolerances.energyWh, timeS: e.tolerances.timeS } : DEFAULT_TOLERANCES,
    format: (FILE_FORMATS as readonly string[]).includes(e.defaultFormat) ? (e.defaultFormat as FileFormat) : null,
    windowS: e.windowS > 0 ? e.windowS : null,
    updatedAt: e.occurredAt ? timestampDate(e.occurredAt).toISOString() : null,
  };
}
