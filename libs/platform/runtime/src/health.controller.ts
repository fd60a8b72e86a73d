import { Controller, Get, Header, HttpCode, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Bus } from '@roamgate/bus';
import type { EventStore } from '@roamgate/event-store';
import { RelayHost } from './relay.host';
import { BUS, EVENT_STORE, METRICS } from './tokens';
import type { Metrics } from './metrics';

@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly eventStore: EventStore,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(METRICS) private readonly metrics: Metrics,
    private readonly relay: RelayHost,
  ) {}

  @Get('health')
  health() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HttpCode(200)
  async ready() {
    const checks: Record<string, string> = {};
    try {
      await this.eventStore.readAll({ maxCount: 1 });
      checks.eventStore = 'ok';
    } catch (error) {
      checks.eventStore = `failing: ${(error as Error).message}`;
    }
    checks.bus = this.bus.isReady() ? 'ok' : 'not connected';
    checks.relay = this.relay.isRunning() ? 'ok' : 'stopped';
    const ready = Object.values(checks).every((c) => c === 'ok');
    if (!ready) throw new ServiceUnavailableException({ status: 'not ready', checks });
    return { status: 'ready', checks };
  }

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  async prometheus() {
    await this.relay.refreshMetrics();
    return this.metrics.registry.metrics();
  }
}
