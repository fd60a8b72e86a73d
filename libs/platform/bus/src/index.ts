export * from './bus.port';
export { InProcessBus, openInProcessBus, type InProcessBusOptions } from './in-process-bus';
