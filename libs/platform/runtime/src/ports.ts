import { join } from 'node:path';
import type { Bus } from '@roamgate/bus';
import { openInProcessBus } from '@roamgate/bus';
import { openKafkaBus } from '@roamgate/bus-kafka';
import type { RoamgateConfig } from '@roamgate/config';
import { ConfigError } from '@roamgate/config';
import type { EventStore } from '@roamgate/event-store';
import { openSqliteEventStore } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import { openSqliteReadModelStore } from '@roamgate/read-models';
import { tracingEventStore } from './trace-context';

export interface Ports {
  readonly eventStore: EventStore;
  readonly bus: Bus;
  readonly readModels: ReadModelStore;
}

const notYet = (setting: string, issue: string) =>
  new ConfigError([`${setting}: this adapter is not part of this build yet (it arrives with ${issue}); use the default`]);

/**
 * Opens the adapters the configuration selects. `processName` keeps per-process files apart when
 * several service processes share one data directory (the event store file is the one shared file).
 */
export async function openPorts(config: RoamgateConfig, processName: string): Promise<Ports> {
  if (config.eventStore === 'kurrentdb') throw notYet('EVENT_STORE=kurrentdb', 'the cluster deployment issue');
  if (config.readModels === 'mongodb') throw notYet('READ_MODELS=mongodb', 'the cluster deployment issue');
  const eventStore = tracingEventStore(await openSqliteEventStore({ file: join(config.dataDir, 'events.sqlite') }));
  const bus =
    config.bus === 'kafka'
      ? await openKafkaBus({ brokers: config.kafkaBrokers, clientId: `roamgate-${processName}` })
      : await openInProcessBus({ file: join(config.dataDir, `bus-${processName}.sqlite`), retentionIntervalMs: config.busRetentionIntervalS * 1000 });
  const readModels = await openSqliteReadModelStore({ file: join(config.dataDir, `read-models-${processName}.sqlite`) });
  return { eventStore, bus, readModels };
}

export async function closePorts(ports: Ports): Promise<void> {
  await ports.bus.close();
  await ports.readModels.close();
  await ports.eventStore.close();
}
