import type { Bus } from '@roamgate/bus';
import type { EventType } from '@roamgate/contracts';
import type { DomainEvent } from '@roamgate/domain-charging';
import type { EventStore, RecordedEvent } from '@roamgate/event-store';
import { BUS, EVENT_STORE } from '@roamgate/runtime';
import { startAppUnderTest, tempDataDir as tempDir, type AppUnderTest } from '@roamgate/runtime/testing';
import { chargerGateway } from '../../charger-gateway.module';
import { stored } from '../../projections/testing';

export const ADMIN_TOKEN = 'e2e-admin-token-'.padEnd(32, 'x');

export interface GatewayUnderTest extends AppUnderTest {
  readonly dataDir: string;
  readonly events: EventStore;
  readonly bus: Bus;
  /** Appends straight to the event store, as the OCPP side would. */
  append(streamId: string, ...events: DomainEvent<EventType>[]): Promise<RecordedEvent[]>;
}

export const tempDataDir = (): { readonly dir: string; remove(): void } => tempDir('roamgate-gateway-api-');

/** The charger gateway alone, as its own process would run it, on a free port and the given data directory. */
export async function startGateway(dataDir: string): Promise<GatewayUnderTest> {
  const started = await startAppUnderTest([chargerGateway], { dataDir, adminToken: ADMIN_TOKEN });
  const events = started.app.get<EventStore>(EVENT_STORE);
  return {
    ...started,
    dataDir,
    events,
    bus: started.app.get<Bus>(BUS),
    async append(streamId, ...domain) {
      const before = (await events.readStream(streamId)).length;
      await events.append(streamId, domain.map(stored), { expectedRevision: before === 0 ? 'no_stream' : before - 1 });
      return (await events.readStream(streamId)).slice(before);
    },
  };
}
