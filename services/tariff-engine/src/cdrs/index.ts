export { CdrsModule } from './cdrs.module';
export { CdrIssuer, SessionNotStoppedError, type CdrIssuerOptions, type IssueOutcome, type ReplayResult, type TariffVersionRef } from './cdr-issuer';
export { cdrIdOf, cdrStreamName } from './cdr-events';
export { diffCdr, type CdrFieldDiff } from './cdr-diff';
export { composeCdr, cdrLocationOf, type OcpiCdr, type CdrToken, type CdrLocation, type EvsePlace, type LocationFacts } from './ocpi-cdr';
export { CdrLocations, CDR_LOCATIONS_GROUP, type CdrLocationBook } from './cdr-locations';
export { CDRS, type CdrDocument } from './cdr.projection';
export { CDR_ISSUING_GROUP } from './cdr-issuing.consumer';
export { CDR_READ_MODEL_GROUP } from './cdr-projector';
