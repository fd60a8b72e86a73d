export * from './errors.js';
export { domainEvent, fromStoredEvent, toStoredEvent, type DomainEvent, type EventInit, type StoredEvent } from '@roamgate/contracts';
export * from './partner.js';
export * from './locations/index.js';
