import { Body, Controller, Delete, Get, OnModuleInit, Post, Put, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { OcpiEndpoint } from '../transport/ocpi-endpoint';
import { OCPI_VERSION, OcpiModuleRegistry } from '../transport/module-registry';
import { ocpiContext } from '../transport/request-context';
import { CredentialsService } from './credentials.service';

@ApiExcludeController()
@Controller(`ocpi/${OCPI_VERSION}/credentials`)
@OcpiEndpoint({ module: 'credentials', configuration: true })
export class CredentialsController implements OnModuleInit {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly registry: OcpiModuleRegistry,
  ) {}

  onModuleInit(): void {
    // version_information_endpoint: the role of credentials is irrelevant; SENDER is the advised value.
    this.registry.register({ identifier: 'credentials', role: 'SENDER', path: 'credentials' });
  }

  @Get()
  get(@Req() request: Request) {
    return this.credentials.ourCredentials(ocpiContext(request).token!);
  }

  @Post()
  post(@Req() request: Request, @Body() body: unknown) {
    return this.credentials.acceptRegistration(ocpiContext(request), body);
  }

  @Put()
  put(@Req() request: Request, @Body() body: unknown) {
    return this.credentials.acceptUpdate(ocpiContext(request), body);
  }

  @Delete()
  async delete(@Req() request: Request) {
    await this.credentials.acceptUnregistration(ocpiContext(request));
    return undefined;
  }
}
