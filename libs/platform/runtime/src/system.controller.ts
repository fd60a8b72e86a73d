import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { RoamgateConfig } from '@roamgate/config';
import { RelayHost } from './relay.host';
import type { ServiceDescriptor } from './service-descriptor';
import { CONFIG, SERVICES } from './tokens';

@ApiTags('system')
@ApiBearerAuth()
@Controller('api/v1/system')
export class SystemController {
  constructor(
    @Inject(CONFIG) private readonly config: RoamgateConfig,
    @Inject(SERVICES) private readonly services: readonly ServiceDescriptor[],
    private readonly relay: RelayHost,
  ) {}

  @Get()
  @ApiOkResponse({ description: 'Services in this process, the adapters behind each port, and the relay state' })
  describe() {
    return {
      services: this.services,
      adapters: { eventStore: this.config.eventStore, bus: this.config.bus, readModels: this.config.readModels },
      dataDir: this.config.dataDir,
      relay: { running: this.relay.isRunning() },
    };
  }
}
