import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Bus } from '@roamgate/bus';
import { encodeEventBinary } from '@roamgate/contracts';
import type { EventStore } from '@roamgate/event-store';
import { categoryOf, defaultRoute, Relay, startRelay } from '@roamgate/relay';
import type { Metrics } from './metrics';
import type { ServiceDescriptor } from './service-descriptor';
import { BUS, EVENT_STORE, METRICS, SERVICES } from './tokens';

/** Events are stored as their schema's JSON and published in its binary encoding, keyed by stream. */
const toBusMessage = defaultRoute((event) => encodeEventBinary(event.type, event.data));
/** Up to this many events share one publish and one checkpoint write; a crash republishes at most that many. */
const RELAY_BATCH = 500;
/** Consumers see an event up to this much later, and the bus fsyncs at most about 1000/RELAY_LINGER_MS times a second. */
const RELAY_LINGER_MS = 20;

/** Runs the relay for the categories the services of this process own. */
@Injectable()
export class RelayHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Relay');
  private relay: Relay | undefined;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(SERVICES) private readonly services: readonly ServiceDescriptor[],
    @Inject(METRICS) private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    const owned = new Set(this.services.flatMap((s) => s.ownedCategories));
    const checkpointId = `relay:${this.services.map((s) => s.name).sort().join('+')}`;
    this.relay = startRelay({
      store: this.store,
      bus: this.bus,
      checkpointId,
      batchSize: RELAY_BATCH,
      lingerMs: RELAY_LINGER_MS,
      route: (event) => (owned.has(categoryOf(event.streamId)) ? toBusMessage(event) : null),
      logger: { error: (message: string) => this.logger.error(message), warn: (message: string) => this.logger.warn(message) },
    });
  }

  isRunning(): boolean {
    return this.relay?.status().running ?? false;
  }

  async refreshMetrics(): Promise<void> {
    if (this.relay) this.metrics.relayPosition.set(this.relay.status().position);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.relay?.stop();
  }
}
