export * from './shared/errors.js';
export * from './shared/decimal.js';
export { parseOcppTime, ocppTime } from './shared/time.js';
export { domainEvent, fromStoredEvent, toStoredEvent, type DomainEvent, type EventInit, type StoredEvent } from '@roamgate/contracts';
export * from './shared/decider.js';

export * from './charger/charger.js';

export * from './session/meter.js';
export * from './session/charging-state.js';
export * from './session/session.js';

export * from './command/answers.js';
export * from './command/command.js';

export type { AuthorizationDecision, BootAnswer } from './ocpp/common.js';
export { componentVariable } from './ocpp/common.js';
export * as ocpp16 from './ocpp/ocpp16.js';
export * as ocpp201 from './ocpp/ocpp201.js';
