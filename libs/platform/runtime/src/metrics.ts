import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly relayPosition: Gauge;
}

export function createMetrics(processName: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry, prefix: 'roamgate_' });
  return {
    registry,
    relayPosition: new Gauge({
      name: 'roamgate_relay_checkpoint_position',
      help: 'Global event-store position up to which events have been published to the bus',
      registers: [registry],
    }),
  };
}
