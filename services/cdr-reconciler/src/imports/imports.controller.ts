import { BadRequestException, Body, Controller, Get, HttpException, Inject, NotFoundException, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FieldValue, ReadModelStore } from '@roamgate/read-models';
import { choice, instant, integer, objectBody, READ_MODELS, text, type Input } from '@roamgate/runtime';
import type { Request, Response } from 'express';
import { partnerId } from '../api-input';
import { RUNS, type RunDocument } from '../exceptions/recon-documents';
import { ImportService, type ImportRequest } from './import.service';
import { FILE_FORMATS, mappingOf, PartnerSettingsService } from './partner-settings';

export const NDJSON = 'application/x-ndjson';

/** The request body as text chunks; a JSON body that Express's JSON parser already read is given back as its text. */
async function* bodyChunks(req: Request): AsyncGenerator<string> {
  if ((req as Request & { _body?: boolean })._body === true) {
    yield typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    return;
  }
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of req) yield decoder.decode(chunk as Buffer, { stream: true });
  const rest = decoder.decode();
  if (rest) yield rest;
}

@ApiTags('reconciliation')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ description: 'Missing or wrong admin token' })
@Controller('api/v1/recon')
export class ImportsController {
  constructor(
    private readonly imports: ImportService,
    private readonly settings: PartnerSettingsService,
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
  ) {}

  @Post('imports')
  @ApiOperation({
    summary:
      "Import a partner's settlement file (the raw request body: text/csv, application/octet-stream, application/x-ndjson ...) and reconcile it with our CDRs of the period. With Accept: application/x-ndjson the answer streams progress lines { progress } and ends with { result } or { error }",
  })
  @ApiConsumes('text/csv', 'application/octet-stream', 'text/plain')
  @ApiQuery({ name: 'partner', required: true, description: 'partner id, e.g. NL-EMS' })
  @ApiQuery({ name: 'format', required: false, enum: FILE_FORMATS, description: "default: the partner's setting, else the file name's extension, else csv" })
  @ApiQuery({ name: 'fileName', required: false })
  @ApiQuery({ name: 'mapping', required: false, description: "a ColumnMapping as JSON text, for this import only; default: the partner's setting" })
  @ApiQuery({ name: 'from', required: false, description: "period start (sessions started at or after); default: the file's first UTC day" })
  @ApiQuery({ name: 'to', required: false, description: "period end, exclusive; default: the day after the file's last" })
  @ApiCreatedResponse({ description: 'The run: { runId, records, parseErrors, ourCdrs, matched, matchedClean, exceptions, exceptionsOpened, byType, byOwner, period, durationMs }' })
  @ApiBadRequestResponse({ description: 'Invalid parameter or mapping; the message names it' })
  async importFile(@Query() query: Input, @Req() req: Request, @Res() res: Response): Promise<void> {
    if ((req.headers['content-type'] ?? '').startsWith('multipart/')) {
      throw new BadRequestException('body: send the file as the raw request body (e.g. Content-Type: text/csv), not multipart; roamgate recon import does');
    }
    const from = instant(query, 'from');
    const to = instant(query, 'to');
    const format = choice(query, 'format', FILE_FORMATS);
    const mappingText = text(query, 'mapping', { max: 16_384 });
    let mapping: Record<string, unknown> | undefined;
    if (mappingText !== undefined) {
      try {
        mapping = mappingOf(JSON.parse(mappingText), {});
      } catch (error) {
        throw error instanceof HttpException ? error : new BadRequestException(`mapping: not JSON (${(error as Error).message})`);
      }
    }
    const request: ImportRequest = {
      ...(mapping === undefined ? {} : { mapping }),
      partnerId: partnerId(text(query, 'partner')),
      fileName: text(query, 'fileName', { max: 255 }) ?? 'upload',
      chunks: bodyChunks(req),
      ...(format === undefined ? {} : { format }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    };
    if (!(req.headers.accept ?? '').includes(NDJSON)) {
      res.status(201).json(await this.imports.import(request));
      return;
    }
    res.status(201).type(NDJSON);
    const line = (value: unknown) => res.write(`${JSON.stringify(value)}\n`);
    try {
      line({ result: await this.imports.import({ ...request, onProgress: (progress) => line({ progress }) }) });
    } catch (error) {
      const status = error instanceof HttpException ? error.getStatus() : 500;
      line({ error: { status, message: error instanceof Error ? error.message : String(error) } });
    }
    res.end();
  }

  @Get('runs')
  @ApiOperation({ summary: 'Imports and their reconciliation runs, newest first' })
  @ApiQuery({ name: 'partner', required: false })
  list(@Query() query: Input) {
    const where: Record<string, FieldValue> = {};
    const partner = text(query, 'partner');
    if (partner !== undefined) where['partnerId'] = partnerId(partner);
    const offset = integer(query, 'offset', 0, Number.MAX_SAFE_INTEGER, 0);
    const limit = integer(query, 'limit', 1, 500, 50);
    return this.store.find<RunDocument>(RUNS, { where, sort: { field: 'importedAt', direction: 'desc' }, offset, limit }).then((found) => ({ items: found.items.map((d) => d.data), total: found.total, offset, limit }));
  }

  @Get('runs/:id')
  @ApiNotFoundResponse({ description: 'No such run' })
  async run(@Param('id') id: string) {
    const doc = await this.store.get<RunDocument>(RUNS, id);
    if (doc === undefined) throw new NotFoundException(`run ${id} not found`);
    return doc.data;
  }

  @Get('partners/:id/settings')
  @ApiOperation({ summary: "A partner's column mapping, tolerances and default file format (defaults until set)" })
  getSettings(@Param('id') id: string) {
    return this.settings.get(partnerId(id, 'id'));
  }

  @Put('partners/:id/settings')
  @ApiOperation({ summary: "Set a partner's column mapping { fields: { cdrId: 'column', ... } }, tolerances { amountMinor, energyWh, timeS }, format and windowS (s, null: 3 h); fields left out keep their value" })
  @ApiBadRequestResponse({ description: 'Invalid mapping or tolerances; the message names the field' })
  putSettings(@Param('id') id: string, @Body() body: unknown) {
    const input = objectBody(body, { absentAsEmpty: true });
    const format = input['format'] === null ? null : choice(input, 'format', FILE_FORMATS);
    return this.settings.update(partnerId(id, 'id'), {
      ...(input['mapping'] === undefined ? {} : { mapping: input['mapping'] }),
      ...(input['tolerances'] === undefined ? {} : { tolerances: input['tolerances'] }),
      ...(format === undefined ? {} : { format }),
      ...(input['windowS'] === undefined ? {} : { windowS: input['windowS'] }),
    });
  }
}
