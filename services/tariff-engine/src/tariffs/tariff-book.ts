import type { Tariff } from '@roamgate/domain-tariffs';

/** Where a session took place, as the CDR issuer knows it from the session's events. */
export interface TariffQuery {
  readonly chargerId: string;
  readonly evseId: number;
  readonly connectorId: number;
  /** The eMSP whose token started the session; empty for local tokens. */
  readonly partnerId?: string;
  /** Session start: the tariffs as they were then apply (mod_cdrs: the CDR carries them). */
  readonly at: Date;
}

export interface TariffInForce {
  /** The OCPI Tariff object exactly as it was at `at` (its last_updated names the version). */
  readonly tariff: Tariff;
  /** IANA time zone of the location, for time and day restrictions. */
  readonly timeZone: string;
}

/**
 * What the tariff-engine's CDR issuing and replay ask of tariff management: which tariff versions
 * applied to a connector at a moment, and any stored version by id and last_updated.
 */
export interface TariffBook {
  tariffsInForce(query: TariffQuery): Promise<readonly TariffInForce[]>;
  version(tariffId: string, lastUpdated: string): Promise<Tariff | undefined>;
}

export const TARIFF_BOOK = Symbol('roamgate.tariff-book');
