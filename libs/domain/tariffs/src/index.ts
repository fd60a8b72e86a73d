export * from './ocpi/types.js';
export { validateTariff, validateCdr, parseTariff, parseCdr, type Validation } from './ocpi/validate.js';
export { TariffError, type TariffErrorCode } from './shared/errors.js';
export { ZoneClock, isOcpiDateTime, parseOcpiDateTime, formatOcpiDateTime, type LocalTime } from './shared/time.js';
export { compileTariff, type CompiledTariff } from './pricing/compile.js';
export { priceCdr, explainPrice, type PricingInput, type PriceReport, type PriceLine, type CostCategory } from './pricing/price-cdr.js';
export { isTariffApplicable, selectTariff, pricingInputOf } from './pricing/select-tariff.js';
export {
  buildChargingPeriods,
  buildExpiredReservationPeriods,
  priceSession,
  type SessionTimeline,
  type TimelineSample,
  type BuildOptions,
} from './periods/build-charging-periods.js';
