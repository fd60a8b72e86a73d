import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { INestApplication, Logger, LogLevel, ModuleMetadata, OnModuleDestroy } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestMicroservice } from '@nestjs/microservices/nest-microservice';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { loadConfig, RoamgateConfig } from '@roamgate/config';
import { resolveAdminToken } from './admin-token';
import { BusTransport, RethrowToBusFilter } from './bus-transport';
import { PlatformModule } from './platform.module';
import { openPorts } from './ports';
import type { ServiceDescriptor } from './service-descriptor';
import { applyRoamgateV8Flags } from './v8-flags';

export interface ServiceModule {
  readonly descriptor: ServiceDescriptor;
  readonly module: NonNullable<ModuleMetadata['imports']>[number];
}

export interface StartOptions {
  /** Names the process in metrics and in per-process data files. */
  readonly processName: string;
  readonly services: readonly ServiceModule[];
  readonly config?: RoamgateConfig;
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Composes the given service modules on the configured adapters and listens on one HTTP port. */
export async function startRoamgate(options: StartOptions): Promise<INestApplication> {
  const config = options.config ?? loadConfig();
  const logger = new Logger('Roamgate');
  const admin = resolveAdminToken(config.adminToken, config.dataDir);
  const ports = await openPorts(config, options.processName);
  const consumers = new BusTransport(ports.bus);

  @Module({
    imports: [
      PlatformModule.forRoot({
        config,
        ports,
        adminToken: admin.token,
        processName: options.processName,
        services: options.services.map((s) => s.descriptor),
      }),
      ...options.services.map((s) => s.module),
    ],
  })
  class RootModule implements OnModuleDestroy {
    /** The root module's destroy hook runs first: no handler is still running when the services' hooks tear down. */
    async onModuleDestroy(): Promise<void> {
      await consumers.close();
    }
  }

  const app = await NestFactory.create(RootModule, {
    logger: LEVELS.slice(0, LEVELS.indexOf(config.logLevel) + 1),
    bufferLogs: false,
    ...(config.tls ? { httpsOptions: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } } : {}),
  });
  app.enableShutdownHooks();
  try {
    connectBusConsumers(app, consumers);
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Roamgate operations API')
        .setDescription('Operations API of Roamgate. Every /api/v1 route needs the admin token as a Bearer token.')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs/openapi.json' });
    await app.init();
    await app.startAllMicroservices();
    await app.listen(config.port, config.host);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const url = await app.getUrl();
  logger.log(`${options.processName} listening on ${url} (data in ${config.dataDir})`);
  if (admin.generatedInto) {
    logger.log(`Admin token generated and stored in ${admin.generatedInto} (shown once): ${admin.token}`);
  }
  return app;
}

/**
 * The `@EventPattern` handlers of every controller consume through `transport`. What `connectMicroservice` does
 * without `deferInitialization`, with the filter registered before the handlers are (Nest binds filters then).
 */
function connectBusConsumers(app: INestApplication, transport: BusTransport): void {
  const microservice = app.connectMicroservice({ strategy: transport }, { deferInitialization: true }) as unknown as NestMicroservice;
  microservice.useGlobalFilters(new RethrowToBusFilter());
  microservice.registerListeners();
  microservice.setIsInitialized(true);
  microservice.setIsInitHookCalled(true);
}

/** Entry-point wrapper: a configuration problem stops start-up with its message, not a stack trace. */
export function runMain(start: () => Promise<unknown>): void {
  applyRoamgateV8Flags();
  start().catch((error: unknown) => {
    const message = error instanceof Error && error.name === 'ConfigError' ? error.message : error;
    console.error(message);
    process.exit(1);
  });
}
