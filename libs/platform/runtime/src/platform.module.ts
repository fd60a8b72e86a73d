import { DynamicModule, Global, Inject, MiddlewareConsumer, Module, NestModule, OnApplicationShutdown } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { RoamgateConfig } from '@roamgate/config';
import { ADMIN_TOKEN, AdminGuard } from './admin.guard';
import { HealthController } from './health.controller';
import { createMetrics } from './metrics';
import { closePorts, Ports } from './ports';
import { RelayHost } from './relay.host';
import type { ServiceDescriptor } from './service-descriptor';
import { SystemController } from './system.controller';
import { BUS, CONFIG, EVENT_STORE, METRICS, READ_MODELS, SERVICES } from './tokens';
import { traceContextMiddleware } from './trace-context';

export interface PlatformOptions {
  readonly config: RoamgateConfig;
  readonly ports: Ports;
  readonly adminToken: string;
  readonly processName: string;
  readonly services: readonly ServiceDescriptor[];
}

const PORTS = Symbol('roamgate.ports');

class PortsLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PORTS) private readonly ports: Ports) {}
  async onApplicationShutdown(): Promise<void> {
    await closePorts(this.ports);
  }
}

/** Gives every service module the ports, configuration, health, metrics, the admin guard and the relay. */
@Global()
@Module({})
export class PlatformModule implements NestModule {
  /** After body parsing (a context entered before it would be lost in the request stream's callbacks), before every route. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(traceContextMiddleware).forRoutes('{*path}');
  }

  static forRoot(options: PlatformOptions): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController, SystemController],
      providers: [
        { provide: CONFIG, useValue: options.config },
        { provide: PORTS, useValue: options.ports },
        { provide: EVENT_STORE, useValue: options.ports.eventStore },
        { provide: BUS, useValue: options.ports.bus },
        { provide: READ_MODELS, useValue: options.ports.readModels },
        { provide: SERVICES, useValue: options.services },
        { provide: METRICS, useValue: createMetrics(options.processName) },
        { provide: ADMIN_TOKEN, useValue: options.adminToken },
        { provide: APP_GUARD, useFactory: (token: string) => new AdminGuard(token), inject: [ADMIN_TOKEN] },
        RelayHost,
        PortsLifecycle,
      ],
      exports: [CONFIG, EVENT_STORE, BUS, READ_MODELS, SERVICES, METRICS],
    };
  }
}
