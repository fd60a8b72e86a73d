export { OcpiCallError, type OcpiReply, type PartyRef } from './client';
export { type FaultSettings, type FaultTarget, type OutageMode } from './faults';
export { type EmspSimulator, type EmspSimulatorOptions, type LocationPage, type LocationPages, type SentCommand, startEmspSimulator } from './emsp';
export * from './model';
export type { AuthorizationRecord, CallRecord, CdrRecord, CommandRecord, ReceivedSnapshot, SessionRecord, SessionUpdate } from './received';
export { type PartnerLink, RegistrationError } from './registration';
export {
  csvOf,
  type Discrepancy,
  type DiscrepancyKind,
  discrepancyKinds,
  type ExpectedException,
  expectedExceptions,
  settlementColumns,
  settlementFile,
  type SettlementFile,
  type SettlementInjection,
  type SettlementOptions,
  type SettlementRow,
  settlementRowOf,
} from './settlement';
export { type AuthorizationInfo, TokenBook } from './tokens';
export { authorizationHeader, nextLinkOf, pageOf, tokenOfAuthorization, type TokenEncoding } from './transport';
export { InvalidInput } from './validation';
export { registerSimulateEmspCommand } from './cli';
