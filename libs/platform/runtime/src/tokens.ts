/** DI tokens through which services receive the ports; adapters are chosen at composition time. */
export const CONFIG = Symbol('roamgate.config');
export const EVENT_STORE = Symbol('roamgate.event-store');
export const BUS = Symbol('roamgate.bus');
export const READ_MODELS = Symbol('roamgate.read-models');
export const SERVICES = Symbol('roamgate.services');
export const METRICS = Symbol('roamgate.metrics');
