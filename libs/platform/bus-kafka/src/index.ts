export { KafkaBus, openKafkaBus, type KafkaBusOptions } from './kafka-bus';
export type { KafkaBusLogger } from './kafka-logging';
