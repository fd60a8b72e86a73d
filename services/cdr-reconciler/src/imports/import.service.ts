import { createHash } from 'node:crypto';
import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import { timestampFromDate } from '@roamgate/contracts';
import type { EventStore } from '@roamgate/event-store';
import { newEventId } from '@roamgate/event-store';
import type { ReadModelStore } from '@roamgate/read-models';
import {
  OWNERSHIP_RULES,
  parsePartnerRecords,
  reconcileStream,
  validatePartnerProfile,
  type ColumnMapping,
  type FactValue,
  type OurCdr,
  type ParseError,
  type PartnerRecord,
  type ReconException,
} from '@roamgate/reconciliation';
import { EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { ExceptionService, exceptionIdOf } from '../exceptions/exception.service';
import type { ExceptionFinding } from '../exceptions/exception.decider';
import { newRunId, reconEvent, reconEventCodec, runStream, type ExceptionTypeName, type OwnerName, type ReconEvent } from '../recon-events';
import { reconLookupFor } from './lookup';
import { ourCdrsOf } from './our-cdrs';
import { FILE_FORMATS, PartnerSettingsService, type FileFormat } from './partner-settings';

export interface ImportProgress {
  readonly phase: 'reading' | 'matching' | 'recording';
  readonly records: number;
  readonly recordsPerSecond: number;
  readonly elapsedMs: number;
}

export interface ImportRequest {
  readonly partnerId: string;
  readonly fileName: string;
  readonly format?: FileFormat;
  readonly chunks: AsyncIterable<string>;
  readonly from?: Date;
  readonly to?: Date;
  readonly mapping?: Record<string, unknown>;
  readonly onProgress?: (progress: ImportProgress) => void;
}

export interface ImportResult {
  readonly runId: string;
  readonly partnerId: string;
  readonly fileName: string;
  readonly format: FileFormat;
  readonly records: number;
  readonly parseErrors: number;
  readonly parseErrorSamples: readonly string[];
  readonly period: { readonly from: string; readonly to: string };
  readonly ourCdrs: number;
  readonly matched: number;
  readonly matchedClean: number;
  readonly exceptions: number;
  readonly exceptionsOpened: number;
  readonly byType: Readonly<Record<string, number>>;
  readonly byOwner: Readonly<Record<string, number>>;
  readonly durationMs: number;
}

const MATCH_BATCH = 1000;
const OPEN_CONCURRENCY = 32;
const PROGRESS_EVERY_MS = 1000;
const DAY_MS = 86_400_000;

export function formatOf(fileName: string): FileFormat | undefined {
  const ext = fileName.toLowerCase().split('.').pop();
  if (ext === 'ndjson') return 'jsonl';
  return (FILE_FORMATS as readonly string[]).includes(ext ?? '') ? (ext as FileFormat) : undefined;
}

/** Text facts as they are; numbers, booleans, null and lists as JSON, so `null` and `"null"` stay apart. */
const factText = (value: FactValue): string => (typeof value === 'string' ? value : JSON.stringify(value));
const sentences = new Map(OWNERSHIP_RULES.map((rule) => [rule.id, rule.sentence]));

/** The exception as the workflow keeps it: the rule's sentence says in words why the owner is who it is. */
export function findingOf(runId: string, e: ReconException, sessionStart: string | undefined): ExceptionFinding {
  const facts = Object.fromEntries(Object.entries(e.facts).map(([k, v]) => [k, factText(v)]));
  const about = [e.ourCdrId ? `CDR ${e.ourCdrId}` : '', e.partnerRef ? `partner record ${e.partnerRef}` : ''].filter(Boolean).join(', ');
  return {
    exceptionId: exceptionIdOf(e.partnerId, e.type as ExceptionTypeName, e.key),
    runId,
    partnerId: e.partnerId,
    type: e.type as ExceptionTypeName,
    owner: e.owner as OwnerName,
    rule: e.rule,
    facts,
    ...(e.ourCdrId ? { ourCdrId: e.ourCdrId } : {}),
    ...(e.partnerRef ? { partnerRef: e.partnerRef } : {}),
    ...(e.sessionId ? { sessionId: e.sessionId } : {}),
    ...(sessionStart ? { sessionStart: new Date(sessionStart) } : {}),
    ...(e.amountAtRisk ? { amountAtRisk: e.amountAtRisk.amount, currency: e.amountAtRisk.currency } : {}),
    detail: `${about}: ${sentences.get(e.rule) ?? 'no ownership rule applies to these facts: the owner is UNKNOWN until someone investigates'}`,
  };
}

/** Runs `work` over items with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

/**
 * Reads a partner's settlement file, matches it with our CDRs of the period it covers and records the run,
 * its matches and the exceptions it found. The period is the file's UTC days unless from/to are given.
 */
@Injectable()
export class ImportService {
  private readonly logger = new Logger('ReconImport');

  constructor(
    @Inject(EVENT_STORE) private readonly events: EventStore,
    @Inject(READ_MODELS) private readonly store: ReadModelStore,
    private readonly settings: PartnerSettingsService,
    private readonly exceptions: ExceptionService,
  ) {}

  async import(request: ImportRequest): Promise<ImportResult> {
    const started = Date.now();
    const settings = await this.settings.get(request.partnerId);
    const format = request.format ?? settings.format ?? formatOf(request.fileName) ?? 'csv';
    const mapping = request.mapping ?? settings.mapping;
    const profile = validatePartnerProfile({ partnerId: request.partnerId, format, mapping, tolerances: settings.tolerances });
    if (!profile.ok) throw new BadRequestException(`mapping of ${request.partnerId}: ${profile.errors.join('; ')}`);

    let lastProgress = started;
    let phaseNow: ImportProgress['phase'] = 'reading';
    let phaseStarted = started;
    /** At most one progress line a second; the rate is of the current phase. */
    const tick = (phase: ImportProgress['phase'], records: number, force = false) => {
      const now = Date.now();
      if (phase !== phaseNow) [phaseNow, phaseStarted] = [phase, now];
      if (!request.onProgress || (!force && now - lastProgress < PROGRESS_EVERY_MS)) return;
      lastProgress = now;
      const phaseMs = now - phaseStarted;
      request.onProgress({ phase, records, recordsPerSecond: phaseMs > 0 ? Math.round((records * 1000) / phaseMs) : records, elapsedMs: now - started });
    };

    const hash = createHash('sha256');
    let bytes = 0;
    async function* counted(chunks: AsyncIterable<string>) {
      for await (const chunk of chunks) {
        hash.update(chunk);
        bytes += Buffer.byteLength(chunk);
        yield chunk;
      }
    }
    const records: PartnerRecord[] = [];
    const parseErrors: ParseError[] = [];
    for await (const item of parsePartnerRecords(counted(request.chunks), format, mapping as unknown as ColumnMapping)) {
      if (item.kind === 'record') records.push(item);
      else parseErrors.push(item);
      tick('reading', records.length);
    }
    tick('reading', records.length, true);

    const period = this.periodOf(records, request, parseErrors);
    const ours = await ourCdrsOf(this.store, request.partnerId, period.from, period.to);
    records.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));

    const runId = newRunId();
    const stream = runStream(runId);
    let revision = -1;
    const append = async (events: ReconEvent[]) => {
      const result = await this.events.append(
        stream,
        events.map((e) => ({ id: newEventId(), ...reconEventCodec.toStored(e), metadata: {} })),
        { expectedRevision: revision < 0 ? 'no_stream' : revision },
      );
      revision = result.nextExpectedRevision;
    };
    const errorSamples = parseErrors.slice(0, 10).map((e) => `line ${e.line}: ${e.field ? `${e.field}: ` : ''}${e.message}`);
    await append([
      reconEvent('PartnerRecordsImported', {
        runId,
        occurredAt: timestampFromDate(new Date()),
        partnerId: request.partnerId,
        fileName: request.fileName,
        format,
        records: BigInt(records.length),
        parseErrors: BigInt(parseErrors.length),
        bytes: BigInt(bytes),
        mappingJson: JSON.stringify(mapping),
        tolerances: settings.tolerances,
        parseErrorSamples: errorSamples,
        sha256: hash.digest('hex'),
      }),
    ]);

    const ourById = new Map<string, OurCdr>(ours.map((c) => [c.cdrId, c]));
    const theirsByRef = new Map<string, PartnerRecord>(records.map((r) => [r.ref, r]));
    const findings: ExceptionFinding[] = [];
    let matches: { ourCdrId: string; partnerRef: string; sessionId: string; matchedBy: string; clean: boolean }[] = [];
    let matched = 0;
    let clean = 0;
    let seen = 0;
    const byType: Record<string, number> = {};
    const byOwner: Record<string, number> = {};
    const flushMatches = async () => {
      if (matches.length === 0) return;
      await append([reconEvent('ReconMatchesRecorded', { runId, occurredAt: timestampFromDate(new Date()), partnerId: request.partnerId, matches })]);
      matches = [];
    };
    const lookup = await reconLookupFor(this.store, ours, records);
    const options = { partnerId: request.partnerId, tolerances: settings.tolerances, lookup, ...(settings.windowS === null ? {} : { windowS: settings.windowS }) };
    for await (const outcome of reconcileStream(ours, records, options)) {
      seen += 1;
      tick('matching', seen);
      if (outcome.kind === 'match') {
        matched += 1;
        if (outcome.clean) clean += 1;
        matches.push({ ourCdrId: outcome.ourCdrId, partnerRef: outcome.partnerRef, sessionId: outcome.sessionId, matchedBy: outcome.matchedBy, clean: outcome.clean });
        if (matches.length >= MATCH_BATCH) await flushMatches();
      } else if (outcome.kind === 'exception') {
        byType[outcome.type] = (byType[outcome.type] ?? 0) + 1;
        byOwner[outcome.owner] = (byOwner[outcome.owner] ?? 0) + 1;
        const start = (outcome.ourCdrId ? ourById.get(outcome.ourCdrId)?.start : undefined) ?? (outcome.partnerRef ? theirsByRef.get(outcome.partnerRef)?.start : undefined);
        findings.push(findingOf(runId, outcome, start));
      }
    }
    await flushMatches();

    let opened = 0;
    let recorded = 0;
    const now = new Date();
    await eachLimited(findings, OPEN_CONCURRENCY, async (finding) => {
      if (await this.exceptions.open(finding, now)) opened += 1;
      tick('recording', ++recorded);
    });

    const durationMs = Date.now() - started;
    await append([
      reconEvent('ReconciliationRunCompleted', {
        runId,
        occurredAt: timestampFromDate(new Date()),
        partnerId: request.partnerId,
        periodFrom: timestampFromDate(period.from),
        periodTo: timestampFromDate(period.to),
        ourCdrs: BigInt(ours.length),
        partnerRecords: BigInt(records.length),
        matched: BigInt(matched),
        matchedClean: BigInt(clean),
        exceptions: BigInt(findings.length),
        exceptionsOpened: BigInt(opened),
        durationMs,
      }),
    ]);
    this.logger.log(`${request.partnerId} ${request.fileName}: ${records.length} records, ${ours.length} CDRs, ${matched} matched, ${findings.length} exceptions (${opened} new) in ${durationMs} ms`);
    return {
      runId,
      partnerId: request.partnerId,
      fileName: request.fileName,
      format,
      records: records.length,
      parseErrors: parseErrors.length,
      parseErrorSamples: errorSamples,
      period: { from: period.from.toISOString(), to: period.to.toISOString() },
      ourCdrs: ours.length,
      matched,
      matchedClean: clean,
      exceptions: findings.length,
      exceptionsOpened: opened,
      byType,
      byOwner,
      durationMs,
    };
  }

  /** The UTC days the file's records start in, unless the request names the period. */
  private periodOf(records: readonly PartnerRecord[], request: ImportRequest, errors: readonly ParseError[]): { from: Date; to: Date } {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const r of records) {
      const t = Date.parse(r.start);
      if (t < min) min = t;
      if (t > max) max = t;
    }
    const from = request.from ?? (Number.isFinite(min) ? new Date(Math.floor(min / DAY_MS) * DAY_MS) : undefined);
    const to = request.to ?? (Number.isFinite(max) ? new Date(Math.floor(max / DAY_MS) * DAY_MS + DAY_MS) : undefined);
    if (from === undefined || to === undefined) {
      const first = errors[0] === undefined ? '' : ` (line ${errors[0].line}: ${errors[0].message})`;
      throw new BadRequestException(`the file has no readable record${first}; with from and to given, the period's CDRs would all be missing at the partner`);
    }
    if (to.getTime() <= from.getTime()) throw new BadRequestException('to: must be after from');
    return { from, to };
  }
}
