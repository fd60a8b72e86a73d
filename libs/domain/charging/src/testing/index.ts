export * from './decider-spec.js';
export * from './ocpp-examples.js';
