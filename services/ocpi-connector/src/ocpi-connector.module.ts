import { DynamicModule, MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { RoamgateConfig } from '@roamgate/config';
import { CONFIG, type ServiceModule } from '@roamgate/runtime';
import { PartnersController } from './api/partners.controller';
import { CredentialsController } from './ocpi/credentials/credentials.controller';
import { CredentialsService } from './ocpi/credentials/credentials.service';
import { PartnerVersions } from './ocpi/credentials/partner-versions';
import { CallRecorder } from './ocpi/transport/call-recorder';
import { OcpiModuleRegistry } from './ocpi/transport/module-registry';
import { OcpiClient } from './ocpi/transport/ocpi-client';
import { OcpiAuthGuard, OcpiEnvelopeInterceptor } from './ocpi/transport/ocpi-endpoint';
import { OcpiExceptionFilter } from './ocpi/transport/ocpi-exception.filter';
import { OcpiRequestMiddleware } from './ocpi/transport/ocpi-request.middleware';
import { VersionsController } from './ocpi/versions/versions.controller';
import { CdrsController } from './ocpi/cdrs/cdrs.controller';
import { CdrsSender } from './ocpi/cdrs/cdrs.sender';
import { OcpiBusConsumers } from './ocpi/bus-consumers';
import { OutboxController } from './ocpi/push/outbox.controller';
import { PUSH_PROVIDERS } from './ocpi/push';
import { SessionsController } from './ocpi/sessions/sessions.controller';
import { SessionsSender } from './ocpi/sessions/sessions.sender';
import { COMMANDS_CONTROLLERS, COMMANDS_PROVIDERS } from './ocpi/commands';
import { TOKENS_CONTROLLERS, TOKENS_PROVIDERS } from './ocpi/tokens';
import { LOCATIONS_CONTROLLERS, LOCATIONS_PROVIDERS } from './ocpi/locations';
import { TARIFFS_CONTROLLERS, TARIFFS_PROVIDERS } from './ocpi/tariffs';
import { HUBCLIENTINFO_CONTROLLERS, HUBCLIENTINFO_PROVIDERS } from './ocpi/hubclientinfo';
import { PROBE_CONTROLLERS, PROBE_PROVIDERS } from './ocpi/probe';
import { PartnerRepository } from './partners/partner.repository';
import { loadOcpiSettings, OCPI_SETTINGS, type OcpiSettings } from './settings';

const TRANSPORT = [CallRecorder, OcpiClient, OcpiModuleRegistry, OcpiAuthGuard, OcpiEnvelopeInterceptor, PartnerRepository, PartnerVersions, CredentialsService];

/**
 * CPO side of OCPI 2.2.1: partners, credentials, modules, push outbox, command correlation. Later OCPI modules
 * (locations, sessions, ...) import this module for the transport and register their endpoints with
 * OcpiModuleRegistry; `OcpiConnectorModule.withSettings` lets tests fix the OCPI identity and key.
 */
@Module({})
export class OcpiConnectorModule implements NestModule {
  static withSettings(override: Partial<OcpiSettings> = {}): DynamicModule {
    return {
      module: OcpiConnectorModule,
      controllers: [VersionsController, CredentialsController, PartnersController, ...COMMANDS_CONTROLLERS, ...TOKENS_CONTROLLERS, ...LOCATIONS_CONTROLLERS, OutboxController, SessionsController, CdrsController, OcpiBusConsumers, ...TARIFFS_CONTROLLERS, ...HUBCLIENTINFO_CONTROLLERS, ...PROBE_CONTROLLERS],
      providers: [
        { provide: OCPI_SETTINGS, useFactory: (config: RoamgateConfig) => loadOcpiSettings(config, process.env, override), inject: [CONFIG] },
        { provide: APP_FILTER, useClass: OcpiExceptionFilter },
        ...TRANSPORT,
        ...COMMANDS_PROVIDERS,
        ...TOKENS_PROVIDERS,
        ...LOCATIONS_PROVIDERS,
        ...PUSH_PROVIDERS,
        SessionsSender,
        CdrsSender,
        ...TARIFFS_PROVIDERS,
        ...HUBCLIENTINFO_PROVIDERS,
        ...PROBE_PROVIDERS,
      ],
      exports: [OCPI_SETTINGS, ...TRANSPORT],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(OcpiRequestMiddleware).forRoutes({ path: 'ocpi/*path', method: RequestMethod.ALL });
  }
}

export const ocpiConnector: ServiceModule = {
  descriptor: { name: 'ocpi-connector', ownedCategories: ['partner', 'ocpi', 'token', 'commandresult', 'location', 'hubclientinfo'] },
  module: OcpiConnectorModule.withSettings(),
};
