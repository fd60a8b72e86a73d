import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseOurCdrs } from '../parse/inputs.js';
import { parseOurCdrsCsv } from '../parse/our-cdrs-csv.js';
import { parsePartnerRecords } from '../parse/partner-records.js';
import { reconcileStream } from '../stream.js';
import { generate, MAPPING, PARTNER, TOLERANCES, type OursFormat } from './generate.js';

/**
 * `npm run bench -- reconcile`: generates N CDR pairs into temp files (our CDRs in the compact CSV
 * bulk format, or JSON Lines with RECON_BENCH_OURS=jsonl; the partner's settlement file as CSV, both ordered by start as the importer stores them, ~3 %
 * discrepancies), then streams both files through parse + reconcile, beside a baseline that reads
 * and splits the same files into lines. Peak RSS and heap at 100k and at 1M pairs show whether
 * memory grows with the input (the heap is sampled after a forced full collection every 100 batches;
 * the collections are not counted in the times). RECON_BENCH_PAIRS=200000 shortens a run.
 */
const LARGE = Number(process.env['RECON_BENCH_PAIRS'] ?? 1_000_000);
const SMALL = Math.min(100_000, LARGE);
const TARGET_S = 10;
/**
 * RECON_BENCH_OURS=jsonl writes and reads our CDRs as JSON Lines instead of the compact CSV bulk
 * format; =both runs JSON Lines, then CSV, on the same pairs (the summary line is CSV's).
 */
const OURS: readonly OursFormat[] = process.env['RECON_BENCH_OURS'] === 'jsonl' ? ['jsonl'] : process.env['RECON_BENCH_OURS'] === 'both' ? ['jsonl', 'csv'] : ['csv'];
/** Main-thread CPU (Node ≥ 23.9): without the GC helper threads, and less sensitive to a shared machine than wall time. */
const threadCpu = (): number => {
  const usage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.();
  return usage === undefined ? Number.NaN : (usage.user + usage.system) / 1000;
};
const stream = (file: string) => createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });

setFlagsFromString('--expose-gc');
/** A full collection before sampling the heap: the live heap, not the garbage not yet collected. */
const collect = runInNewContext('gc') as () => void;

class Peak {
  rss = 0;
  heap = 0;
  /** Wall and CPU milliseconds spent in the forced collections, taken off the measured times. */
  pausedMs = 0;
  pausedCpuMs = 0;
  /** RSS always; the heap only after a forced collection (`live`), else it would count garbage not yet collected. */
  sample(live = false): void {
    const m = process.memoryUsage();
    if (m.rss > this.rss) this.rss = m.rss;
    if (live && m.heapUsed > this.heap) this.heap = m.heapUsed;
  }
  sampleLive(): void {
    const started = performance.now();
    const cpu = process.cpuUsage();
    collect();
    this.sample(true);
    const used = process.cpuUsage(cpu);
    this.pausedCpuMs += (used.user + used.system) / 1000;
    this.pausedMs += performance.now() - started;
  }
}

async function baseline(files: { ours: string; partner: string }) {
  const peak = new Peak();
  const started = performance.now();
  let lines = 0;
  for (const file of [files.ours, files.partner]) {
    let rest = '';
    for await (const chunk of stream(file)) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines += parts.length;
      peak.sample();
    }
    if (rest) lines++;
  }
  return { seconds: (performance.now() - started) / 1000, lines, peakRssMb: peak.rss / 2 ** 20 };
}

async function reconcileFiles(files: { ours: string; partner: string }, format: OursFormat) {
  const peak = new Peak();
  const cpu = process.cpuUsage();
  const mainCpu = threadCpu();
  const started = performance.now();
  const ours = format === 'csv' ? parseOurCdrsCsv(stream(files.ours)) : parseOurCdrs(stream(files.ours));
  const run = reconcileStream(ours, parsePartnerRecords(stream(files.partner), 'csv', MAPPING), { partnerId: PARTNER, tolerances: TOLERANCES, ...(process.env['RECON_WINDOW_S'] ? { windowS: Number(process.env['RECON_WINDOW_S']) } : {}) });
  let batches = 0;
  for await (const batch of run.batches()) {
    if (++batches % 100 === 0) peak.sampleLive();
    for (const outcome of batch) if (outcome.kind === 'parse-error') throw new Error(`bench file has a parse error: ${JSON.stringify(outcome)}`);
  }
  peak.sample();
  peak.sampleLive();
  const used = process.cpuUsage(cpu);
  const mainCpuMs = threadCpu() - mainCpu;
  return {
    mainThreadCpuSeconds: (mainCpuMs - peak.pausedCpuMs) / 1000,
    seconds: (performance.now() - started - peak.pausedMs) / 1000,
    cpuSeconds: ((used.user + used.system) / 1000 - peak.pausedCpuMs) / 1000,
    summary: run.summary(), peakHeld: run.peakHeld, peakRssMb: peak.rss / 2 ** 20, peakHeapMb: peak.heap / 2 ** 20 };
}

const round = (n: number, digits = 2) => Number(n.toFixed(digits));

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'roamgate-recon-bench-'));
  try {
    const results: Record<string, unknown>[] = [];
    for (const [pairs, format] of [...new Set([SMALL, LARGE])].flatMap((n) => OURS.map((f) => [n, f] as const))) {
      const generatedAt = performance.now();
      const files = generate(dir, pairs, format);
      console.log(`${pairs.toLocaleString('en-US')} pairs (ours as ${format}): ${(files.bytes / 2 ** 20).toFixed(0)} MB generated in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s; injected ${JSON.stringify(files.injected)}`);
      const base = await baseline(files);
      const recon = await reconcileFiles(files, format);
      const s = recon.summary;
      const expectedExceptions = files.injected.amount + files.injected.energy + files.injected.missing + files.injected.unknown + files.injected.duplicate;
      const exceptions = Object.values(s.exceptionsByType).reduce((a, b) => a + b, 0);
      console.log(
        `  baseline read+split ${base.seconds.toFixed(2)} s (peak RSS ${base.peakRssMb.toFixed(0)} MB) | parse+reconcile ${recon.seconds.toFixed(2)} s (CPU ${recon.cpuSeconds.toFixed(2)} s, main thread ${recon.mainThreadCpuSeconds.toFixed(2)} s), ${Math.round(pairs / recon.seconds).toLocaleString('en-US')} pairs/s (peak RSS ${recon.peakRssMb.toFixed(0)} MB, live heap ${recon.peakHeapMb.toFixed(0)} MB, window held ≤ ${recon.peakHeld} records)`,
      );
      console.log(`  matched ${s.matched}, exceptions ${exceptions} (injected ${expectedExceptions}), by type ${JSON.stringify(s.exceptionsByType)}`);
      results.push({
        pairs,
        ours: format,
        megabytes: round(files.bytes / 2 ** 20, 0),
        baselineSeconds: round(base.seconds),
        seconds: round(recon.seconds),
        cpuSeconds: round(recon.cpuSeconds),
        mainThreadCpuSeconds: round(recon.mainThreadCpuSeconds),
        pairsPerSecond: Math.round(pairs / recon.seconds),
        slowdownVsBaseline: round(recon.seconds / base.seconds, 1),
        peakRssMb: round(recon.peakRssMb, 0),
        peakLiveHeapMb: round(recon.peakHeapMb, 0),
        baselinePeakRssMb: round(base.peakRssMb, 0),
        windowPeakRecords: recon.peakHeld,
        matched: s.matched,
        exceptions,
        injectedExceptions: expectedExceptions,
      });
      rmSync(files.ours);
      rmSync(files.partner);
    }
    const last = OURS[OURS.length - 1];
    const ofLast = results.filter((r) => r['ours'] === last);
    const small = ofLast[0]!;
    const large = ofLast[ofLast.length - 1]!;
    const memoryGrowth = round((large['peakLiveHeapMb'] as number) / (small['peakLiveHeapMb'] as number), 2);
    const targetMet = (large['seconds'] as number) < TARGET_S;
    console.log(
      `${(large['pairs'] as number).toLocaleString('en-US')} pairs in ${large['seconds']} s (target < ${TARGET_S} s: ${targetMet ? 'met' : 'NOT met'}); peak live heap ${large['peakLiveHeapMb']} MB vs ${small['peakLiveHeapMb']} MB at ${(small['pairs'] as number).toLocaleString('en-US')} pairs (x${memoryGrowth})`,
    );
    console.log(JSON.stringify({ bench: 'reconcile', results: { node: process.version, runs: results, targetSeconds: TARGET_S, targetMet, heapGrowthLargeVsSmall: memoryGrowth } }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
