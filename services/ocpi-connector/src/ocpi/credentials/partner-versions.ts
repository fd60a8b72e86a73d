import { Injectable } from '@nestjs/common';
import type { PartnerEndpoint } from '@roamgate/domain-ocpi';
import { OCPI_VERSION } from '../transport/module-registry';
import { OcpiCallError, OcpiClient } from '../transport/ocpi-client';
import { OcpiError, OcpiStatus } from '../transport/status';
import { validateBody } from '../transport/validation';
import { VersionDetailsDto, VersionDto } from './credentials.dto';

export interface PartnerVersion {
  readonly version: string;
  readonly detailsUrl: string;
  readonly endpoints: readonly PartnerEndpoint[];
}

export interface PartnerAccess {
  readonly token: string;
  readonly encodeToken: boolean;
  readonly partnerId: string;
  readonly correlationId?: string;
}

/** Reads a partner's versions and the 2.2.1 details, as the credentials handshake requires in both directions. */
@Injectable()
export class PartnerVersions {
  constructor(private readonly client: OcpiClient) {}

  async fetch(versionsUrl: string, access: PartnerAccess): Promise<PartnerVersion> {
    const common = { token: access.token, encodeToken: access.encodeToken, partnerId: access.partnerId, module: 'versions', ...(access.correlationId ? { correlationId: access.correlationId } : {}) };
    const versions = await this.unusable(() => this.client.request({ ...common, method: 'GET', url: versionsUrl }));
    if (!Array.isArray(versions.envelope.data)) throw unusable(`${versionsUrl} answered no list of versions`);
    const offered = versions.envelope.data.map((v, i) => validated(VersionDto, v, `versions[${i}]`));
    const ours = offered.find((v) => v.version === OCPI_VERSION);
    if (!ours) {
      throw new OcpiError(200, OcpiStatus.UNSUPPORTED_VERSION, `the partner offers ${offered.map((v) => v.version).join(', ') || 'no version'}; Roamgate speaks ${OCPI_VERSION}`);
    }
    const details = await this.unusable(() => this.client.request({ ...common, method: 'GET', url: ours.url }));
    const parsed = validated(VersionDetailsDto, details.envelope.data, 'version details');
    return { version: OCPI_VERSION, detailsUrl: ours.url, endpoints: parsed.endpoints.map((e) => ({ identifier: e.identifier, role: e.role, url: e.url })) };
  }

  private async unusable<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof OcpiCallError) throw unusable(error.message);
      throw error;
    }
  }
}

const unusable = (detail: string) => new OcpiError(200, OcpiStatus.UNABLE_TO_USE_CLIENT_API, `unable to use the partner's API: ${detail}`);

function validated<T extends object>(dto: new () => T, value: unknown, what: string): T {
  try {
    return validateBody(dto, value, what);
  } catch (error) {
    throw unusable(`${what} invalid: ${(error as Error).message}`);
  }
}
