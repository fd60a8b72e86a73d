import { Body, Controller, HttpCode, OnModuleInit, Param, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request } from 'express';
import { OCPI_VERSION, OcpiModuleRegistry } from '../transport/module-registry';
import { OcpiEndpoint } from '../transport/ocpi-endpoint';
import { ocpiContext } from '../transport/request-context';
import { CommandsService } from './commands.service';

/** mod_commands receiver interface: POST {commands}/{command}, answered with a CommandResponse. */
@ApiExcludeController()
@Controller(`ocpi/${OCPI_VERSION}/commands`)
@OcpiEndpoint({ module: 'commands' })
export class CommandsController implements OnModuleInit {
  constructor(
    private readonly commands: CommandsService,
    private readonly registry: OcpiModuleRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register({ identifier: 'commands', role: 'RECEIVER', path: 'commands' });
  }

  @Post(':command')
  @HttpCode(200)
  post(@Req() request: Request, @Param('command') command: string, @Body() body: unknown) {
    return this.commands.handle(command, ocpiContext(request), body);
  }
}
