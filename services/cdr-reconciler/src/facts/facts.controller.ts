import { Controller, Get, Inject, NotFoundException, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNotFoundResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import { CDR_FACTS, CHARGER_FACTS, PUSH_FACTS, SESSION_FACTS, sessionPushesOf, type CdrFacts, type ChargerFacts, type PushFacts, type SessionFacts } from './fact-documents';

@ApiTags('reconciliation')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/recon/facts')
export class FactsController {
  constructor(@Inject(READ_MODELS) private readonly store: ReadModelStore) {}

  @Get('cdrs/:id')
  @ApiOperation({ summary: "What the reconciler knows of one of our CDRs (its own projection of the cdr, session, charger and ocpi topics): the facts the ownership rules read" })
  @ApiNotFoundResponse({ description: 'The reconciler has not seen the CDR (yet)' })
  async cdr(@Param('id') id: string) {
    const cdr = (await this.store.get<CdrFacts>(CDR_FACTS, id))?.data;
    if (cdr === undefined) throw new NotFoundException(`CDR ${id} not seen by the reconciler`);
    const session = cdr.sessionId ? (await this.store.get<SessionFacts>(SESSION_FACTS, cdr.sessionId))?.data : undefined;
    const charger = session?.chargerId ? (await this.store.get<ChargerFacts>(CHARGER_FACTS, session.chargerId))?.data : undefined;
    const pushes = cdr.sessionId ? (await this.store.find<PushFacts>(PUSH_FACTS, { where: { sessionId: cdr.sessionId }, limit: 100 })).items.map((i) => i.data) : [];
    return { cdr, session: session ?? null, charger: charger ?? null, sessionPushes: sessionPushesOf(pushes.filter((p) => p.partnerId === cdr.partnerId)) ?? null };
  }
}
