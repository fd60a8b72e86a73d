/** OCPI 2.2.1 objects as they travel in JSON (mod_tariffs, mod_cdrs, types). Numbers stay JSON numbers here. */

export const TariffDimensionType = {
  ENERGY: 'ENERGY',
  FLAT: 'FLAT',
  PARKING_TIME: 'PARKING_TIME',
  TIME: 'TIME',
} as const;
export type TariffDimensionType = (typeof TariffDimensionType)[keyof typeof TariffDimensionType];

export const TariffType = {
  AD_HOC_PAYMENT: 'AD_HOC_PAYMENT',
  PROFILE_CHEAP: 'PROFILE_CHEAP',
  PROFILE_FAST: 'PROFILE_FAST',
  PROFILE_GREEN: 'PROFILE_GREEN',
  REGULAR: 'REGULAR',
} as const;
export type TariffType = (typeof TariffType)[keyof typeof TariffType];

export const DayOfWeek = {
  MONDAY: 'MONDAY',
  TUESDAY: 'TUESDAY',
  WEDNESDAY: 'WEDNESDAY',
  THURSDAY: 'THURSDAY',
  FRIDAY: 'FRIDAY',
  SATURDAY: 'SATURDAY',
  SUNDAY: 'SUNDAY',
} as const;
export type DayOfWeek = (typeof DayOfWeek)[keyof typeof DayOfWeek];
/** Monday first, as ISO 8601 counts. */
export const DAYS_OF_WEEK: readonly DayOfWeek[] = Object.values(DayOfWeek);

export const ReservationRestrictionType = {
  RESERVATION: 'RESERVATION',
  RESERVATION_EXPIRES: 'RESERVATION_EXPIRES',
} as const;
export type ReservationRestrictionType = (typeof ReservationRestrictionType)[keyof typeof ReservationRestrictionType];

export const CdrDimensionType = {
  CURRENT: 'CURRENT',
  ENERGY: 'ENERGY',
  ENERGY_EXPORT: 'ENERGY_EXPORT',
  ENERGY_IMPORT: 'ENERGY_IMPORT',
  MAX_CURRENT: 'MAX_CURRENT',
  MIN_CURRENT: 'MIN_CURRENT',
  MAX_POWER: 'MAX_POWER',
  MIN_POWER: 'MIN_POWER',
  PARKING_TIME: 'PARKING_TIME',
  POWER: 'POWER',
  RESERVATION_TIME: 'RESERVATION_TIME',
  STATE_OF_CHARGE: 'STATE_OF_CHARGE',
  TIME: 'TIME',
} as const;
export type CdrDimensionType = (typeof CdrDimensionType)[keyof typeof CdrDimensionType];

export interface Price {
  readonly excl_vat: number;
  readonly incl_vat?: number;
}

export interface DisplayText {
  readonly language: string;
  readonly text: string;
}

export interface PriceComponent {
  readonly type: TariffDimensionType;
  /** Per unit, excluding VAT: per kWh, per hour, or the fee itself for FLAT. */
  readonly price: number;
  /** Percentage. Absent means no VAT applies, which is not the same as 0 %. */
  readonly vat?: number;
  /** In Wh for ENERGY, seconds for TIME and PARKING_TIME; meaningless for FLAT. */
  readonly step_size: number;
}

export interface TariffRestrictions {
  readonly start_time?: string;
  readonly end_time?: string;
  readonly start_date?: string;
  readonly end_date?: string;
  readonly min_kwh?: number;
  readonly max_kwh?: number;
  readonly min_current?: number;
  readonly max_current?: number;
  readonly min_power?: number;
  readonly max_power?: number;
  readonly min_duration?: number;
  readonly max_duration?: number;
  readonly day_of_week?: readonly DayOfWeek[];
  readonly reservation?: ReservationRestrictionType;
}

export interface TariffElement {
  readonly price_components: readonly PriceComponent[];
  readonly restrictions?: TariffRestrictions;
}

export interface Tariff {
  readonly country_code: string;
  readonly party_id: string;
  readonly id: string;
  readonly currency: string;
  readonly type?: TariffType;
  readonly tariff_alt_text?: readonly DisplayText[];
  readonly tariff_alt_url?: string;
  readonly min_price?: Price;
  readonly max_price?: Price;
  readonly elements: readonly TariffElement[];
  readonly start_date_time?: string;
  readonly end_date_time?: string;
  readonly energy_mix?: unknown;
  readonly last_updated: string;
}

export interface CdrDimension {
  readonly type: CdrDimensionType;
  readonly volume: number;
}

export interface ChargingPeriod {
  readonly start_date_time: string;
  readonly dimensions: readonly CdrDimension[];
  readonly tariff_id?: string;
}

/** The CDR fields that pricing reads; the rest of an OCPI CDR passes through untouched. */
export interface CdrForPricing {
  readonly start_date_time: string;
  readonly end_date_time: string;
  readonly currency: string;
  readonly charging_periods: readonly ChargingPeriod[];
  readonly tariffs?: readonly Tariff[];
  readonly [field: string]: unknown;
}

/** The CDR total fields, named as in OCPI. Times in hours, energy in kWh. */
export interface CdrTotals {
  readonly total_cost: Price;
  readonly total_fixed_cost: Price;
  readonly total_energy: number;
  readonly total_energy_cost: Price;
  readonly total_time: number;
  readonly total_time_cost: Price;
  readonly total_parking_time: number;
  readonly total_parking_cost: Price;
  readonly total_reservation_cost: Price;
}
