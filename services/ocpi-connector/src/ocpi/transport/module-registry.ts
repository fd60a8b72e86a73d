import { Inject, Injectable } from '@nestjs/common';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';

export const OCPI_VERSION = '2.2.1';

export interface OcpiModuleEndpoint {
  /** ModuleID of version_information_endpoint, e.g. "locations". */
  readonly identifier: string;
  readonly role: 'SENDER' | 'RECEIVER';
  /** Path below /ocpi/2.2.1, e.g. "locations". */
  readonly path: string;
}

/**
 * The version details list what is registered here and nothing else: each OCPI module adds itself when its
 * Nest module initialises (`registry.register(...)` in onModuleInit), so an endpoint that is not mounted is
 * never advertised.
 */
@Injectable()
export class OcpiModuleRegistry {
  private readonly endpoints = new Map<string, OcpiModuleEndpoint>();

  constructor(@Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings) {}

  register(endpoint: OcpiModuleEndpoint): void {
    this.endpoints.set(`${endpoint.identifier}:${endpoint.role}`, endpoint);
  }

  list(): { identifier: string; role: 'SENDER' | 'RECEIVER'; url: string }[] {
    return [...this.endpoints.values()]
      .sort((a, b) => a.identifier.localeCompare(b.identifier) || a.role.localeCompare(b.role))
      .map((e) => ({ identifier: e.identifier, role: e.role, url: `${this.settings.baseUrl}/${OCPI_VERSION}/${e.path}` }));
  }

  get versionsUrl(): string {
    return `${this.settings.baseUrl}/versions`;
  }

  get versionDetailsUrl(): string {
    return `${this.settings.baseUrl}/${OCPI_VERSION}`;
  }
}
