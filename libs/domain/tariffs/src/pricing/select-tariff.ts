import type { CdrForPricing, Tariff, TariffType } from '../ocpi/types.js';
import { instantOf, parseOcpiDateTime } from '../shared/time.js';
import type { PricingInput } from './price-cdr.js';

/** Whether the tariff may price a session that starts at `at` with the given tariff type (mod_tariffs, Tariff object). */
export function isTariffApplicable(tariff: Tariff, { at, type }: { at: string | Date; type?: TariffType }): boolean {
  const ms = instantOf(at, 'at');
  if (tariff.start_date_time != null && ms < parseOcpiDateTime(tariff.start_date_time)) return false;
  if (tariff.end_date_time != null && ms > parseOcpiDateTime(tariff.end_date_time)) return false;
  // A tariff without type is valid for all sessions; REGULAR also covers sessions without a charging preference.
  if (tariff.type == null) return true;
  return tariff.type === (type ?? 'REGULAR');
}

/**
 * The tariff that prices a session among those of a connector: valid at the session start, of the
 * session's type before an untyped one, and of those the one that became active last.
 */
export function selectTariff(tariffs: readonly Tariff[], criteria: { at: string | Date; type?: TariffType }): Tariff | undefined {
  const candidates = tariffs.filter((t) => isTariffApplicable(t, criteria));
  const rank = (t: Tariff): [number, number] => [t.type == null ? 0 : 1, t.start_date_time == null ? Number.NEGATIVE_INFINITY : parseOcpiDateTime(t.start_date_time)];
  return candidates.sort((a, b) => {
    const [ta, sa] = rank(a);
    const [tb, sb] = rank(b);
    return tb - ta || sb - sa;
  })[0];
}

/** The pricing input of a validated OCPI CDR; its own totals are ignored. */
export function pricingInputOf(cdr: CdrForPricing, options: { timeZone?: string; decimals?: number } = {}): PricingInput {
  return {
    chargingPeriods: cdr.charging_periods,
    startDateTime: cdr.start_date_time,
    endDateTime: cdr.end_date_time,
    currency: cdr.currency,
    ...(options.timeZone === undefined ? {} : { timeZone: options.timeZone }),
    ...(options.decimals === undefined ? {} : { decimals: options.decimals }),
  };
}
