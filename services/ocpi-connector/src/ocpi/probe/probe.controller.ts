import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { PartnerProbe } from './partner-probe';

/** Probes a registered partner's OCPI endpoints and records the findings (admin token). */
@ApiTags('partners')
@ApiBearerAuth()
@Controller('api/v1/partners/:id/probe')
export class ProbeController {
  constructor(private readonly probes: PartnerProbe) {}

  /** 200 with every finding (a failed check is a finding, not an error); 404 unknown partner, 409 not registered. */
  @Post()
  @HttpCode(200)
  probe(@Param('id') id: string) {
    return this.probes.probe(id.toUpperCase());
  }
}
