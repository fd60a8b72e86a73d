import { BadRequestException, Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { findAll, type Document, type ReadModelStore } from '@roamgate/read-models';
import { choice, instant, READ_MODELS, text, type Input } from '@roamgate/runtime';
import type { Response } from 'express';
import { partnerId } from '../api-input';
import { EXCEPTIONS, MATCHES, RUNS, type ExceptionDocument, type MatchDocument, type RunDocument } from '../exceptions/recon-documents';
import { CDR_FACTS, type CdrFacts } from '../facts/fact-documents';
import { buildReport, reportCsv, reportHtml, type ReconReport } from './report';

/** Every document of a query, a page at a time. */
export async function* allOf<T extends Document>(store: ReadModelStore, collection: string, where: Record<string, string | boolean>): AsyncGenerator<T> {
  for await (const item of findAll<T>(store, collection, { where })) yield item.data;
}

const within = (at: string | null, from: Date, to: Date): boolean => at !== null && Date.parse(at) >= from.getTime() && Date.parse(at) < to.getTime();

@ApiTags('reconciliation')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/recon/reports')
export class ReportsController {
  constructor(@Inject(READ_MODELS) private readonly store: ReadModelStore) {}

  @Get()
  @ApiOperation({ summary: 'Per partner and period (sessions started in [from, to)): match rate, amounts at risk, exceptions by type and owner; JSON, CSV or a self-contained HTML document with SVG charts' })
  @ApiQuery({ name: 'partner', required: true })
  @ApiQuery({ name: 'from', required: false, description: 'date or RFC 3339 time; default: the beginning' })
  @ApiQuery({ name: 'to', required: false, description: 'exclusive; default: now' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'html'] })
  @ApiOkResponse({ description: 'The report' })
  @ApiBadRequestResponse({ description: 'Invalid query parameter; the message names it' })
  async get(@Query() query: Input, @Res() res: Response): Promise<void> {
    const partner = partnerId(text(query, 'partner'));
    const from = instant(query, 'from') ?? new Date(0);
    const to = instant(query, 'to') ?? new Date();
    if (to.getTime() <= from.getTime()) throw new BadRequestException('to: must be after from');
    const format = choice(query, 'format', ['json', 'csv', 'html'] as const) ?? 'json';
    const report = await this.report(partner, from, to);
    if (format === 'csv') {
      res.type('text/csv').setHeader('content-disposition', `attachment; filename="recon-${partner}.csv"`);
      res.send(reportCsv(report));
    } else if (format === 'html') {
      res.type('text/html').send(reportHtml(report));
    } else {
      res.json(report);
    }
  }

  async report(partner: string, from: Date, to: Date): Promise<ReconReport> {
    const cdrs: { id: string; matched: boolean; clean: boolean }[] = [];
    for await (const cdr of allOf<CdrFacts>(this.store, CDR_FACTS, { partnerId: partner, issued: true })) {
      if (!within(cdr.start, from, to)) continue;
      const match = await this.store.get<MatchDocument>(MATCHES, cdr.id);
      cdrs.push({ id: cdr.id, matched: match !== undefined, clean: match?.data.clean ?? false });
    }
    const exceptions: ExceptionDocument[] = [];
    for await (const e of allOf<ExceptionDocument>(this.store, EXCEPTIONS, { partnerId: partner })) {
      if (within(e.sessionStart ?? e.openedAt, from, to)) exceptions.push(e);
    }
    const runs: RunDocument[] = [];
    for await (const run of allOf<RunDocument>(this.store, RUNS, { partnerId: partner })) {
      const start = run.periodFrom ?? run.importedAt;
      const end = run.periodTo ?? run.importedAt;
      if (start !== null && end !== null && Date.parse(start) < to.getTime() && Date.parse(end) >= from.getTime()) runs.push(run);
    }
    runs.sort((a, b) => (a.importedAt ?? '').localeCompare(b.importedAt ?? ''));
    return buildReport({ partnerId: partner, from, to, generatedAt: new Date(), cdrs, exceptions, runs });
  }
}
