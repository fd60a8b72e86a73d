import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { OcpiEndpoint } from '../transport/ocpi-endpoint';
import { OCPI_VERSION, OcpiModuleRegistry } from '../transport/module-registry';

/**
 * version_information_endpoint. Only 2.2.1 is offered: 2.1.1 would need its own credentials object (no
 * roles), its own endpoint list without interface roles and unencoded tokens on every module, which is more
 * than a second route.
 */
@ApiExcludeController()
@Controller('ocpi')
@OcpiEndpoint({ module: 'versions', configuration: true })
export class VersionsController {
  constructor(private readonly registry: OcpiModuleRegistry) {}

  @Get('versions')
  versions() {
    return [{ version: OCPI_VERSION, url: this.registry.versionDetailsUrl }];
  }

  @Get(OCPI_VERSION)
  details() {
    return { version: OCPI_VERSION, endpoints: this.registry.list() };
  }
}
