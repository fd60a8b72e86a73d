export * from './event-store.contract';
export * from './wait-for';
export * from './child-process';
