// Charger-gateway load: N OCPP 1.6J chargers booted with a transaction open, sending MeterValues at a fixed total
// rate and heartbeating, against the standalone process, beside a raw `ws` echo server driven by the same
// generators with the same frames. Server, echo server and generators are separate processes.
// Run: node services/standalone/dist/bench/gateway-load.bench.js
// Scale with BENCH_CHARGERS (5000), BENCH_RATE (3000 MeterValues/s), BENCH_WARMUP_S (5), BENCH_DURATION_S (60),
// BENCH_GENERATORS (2), BENCH_HEARTBEAT_S (30). BENCH_COMPARE_MAIN=<another build's services/standalone/dist/main.js>
// measures that build too, in the same run (before/after numbers of a change). BENCH_CPU_PROF=<dir> writes V8 CPU
// profiles of each standalone process's threads into a folder of <dir> per process (node --cpu-prof); BENCH_NODE_ARGS
// adds node options to them (e.g. `-r ./counters.js`); BENCH_SKIP_ECHO=1 leaves out the echo baseline;
// BENCH_OCPP_BASELINES=1 adds two more (ocpp-rpc-server.js): ocpp-rpc answering without work on the main thread, and on
// a worker thread that hands each CALL to the main thread, i.e. what the main thread would still pay per CALL with the
// OCPP transport on a thread of its own. Each standalone process also reports its event loop (utilisation, longest
// delay, seconds with a delay over 50 ms), its old generation's growth and its garbage collections, from loop-stats.js,
// and the relay's and the consumer groups' backlog at the end of the measured window (what the services downstream of
// the gateway had not done yet). The target (issue 3) is met when the offered rate is at least 3,000 MeterValues/s, all
// 5,000 connections are held, every MeterValues sent in the window is acknowledged (durably appended) within SETTLE_MS
// of its end, and their ack p99, late answers included, is under 50 ms.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { freePort } from '@roamgate/runtime/testing';
import { awaitExit, startChild, stopChild, type Child } from './child-process';
import { GATEWAY_TARGET, meetsGatewayTarget } from './gateway-target';
import { SETTLE_MS, type ConnectReport, type GeneratorCommand, type RunReport, type SettledReport } from './load-generator';
import type { LoopSample } from './loop-stats';
import { percentile } from './stats';
import { cpuMs, machineCpu, rssBytes, writtenBytes } from './process-stats';

const setting = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const CHARGERS = Math.round(setting('BENCH_CHARGERS', 5_000));
const RATE = setting('BENCH_RATE', 3_000);
const WARMUP_MS = setting('BENCH_WARMUP_S', 5) * 1000;
// A minute: p99 is a share of the window's acks, and the major collections that delay a few hundred acks each come
// about once a minute at this load (docs/benchmarks.md, round 17). A 20 s window starting after the connect always
// held the process's first one under load, three times the steady rate.
const MEASURE_MS = setting('BENCH_DURATION_S', 60) * 1000;
const GENERATORS = Math.round(setting('BENCH_GENERATORS', 2));
const HEARTBEAT_S = setting('BENCH_HEARTBEAT_S', 30);
const COMPARE_MAIN = process.env['BENCH_COMPARE_MAIN'];
const CPU_PROF_DIR = process.env['BENCH_CPU_PROF'];
const SKIP_ECHO = process.env['BENCH_SKIP_ECHO'] === '1';
const OCPP_BASELINES = process.env['BENCH_OCPP_BASELINES'] === '1';
const NODE_ARGS = (process.env['BENCH_NODE_ARGS'] ?? '').split(' ').filter((arg) => arg !== '');
const CONNECT_CONCURRENCY = 100;
const REGISTER_CONCURRENCY = 64;
const ADMIN_TOKEN = 'bench-admin-token-'.padEnd(40, 'x');
/** Each connection is one descriptor in the server and one in a generator, plus some slack. */
const NEEDED_FILES = CHARGERS + 1_000;

const round = (n: number, digits = 1): number => Number(n.toFixed(digits));
const chargerIds = Array.from({ length: CHARGERS }, (_, i) => `BENCH-${String(i).padStart(5, '0')}`);

interface LoadResult {
  readonly connectionsReady: number;
  readonly connectFailures: number;
  readonly firstConnectFailure: string;
  readonly connectSeconds: number;
  readonly connectionsHeld: number;
  readonly connectionsLost: number;
  readonly meterValuesSentPerSec: number;
  readonly meterValuesAckedPerSec: number;
  readonly heartbeatsAckedPerSec: number;
  readonly callErrors: number;
  readonly queuedBehindOutstanding: number;
  readonly unansweredAtEnd: number;
  /** MeterValues sent inside the window. */
  readonly windowMeterValuesSent: number;
  /** Of those, not answered with a CALLRESULT within SETTLE_MS of the window's end (CALLERRORs included). */
  readonly windowMeterValuesNotAcked: number;
  /** Latencies of the MeterValues sent inside the window, answers after its end included. */
  readonly ackP50Ms: number;
  readonly ackP99Ms: number;
  readonly ackMaxMs: number;
  readonly rssBeforeMb: number;
  readonly rssAfterConnectMb: number;
  readonly rssPer1000ConnectionsMb: number;
  readonly serverCpuPercent: number;
  /** Server CPU time per MeterValues acknowledged in the window (heartbeats included): what a change should lower. */
  readonly cpuMsPerMeterValue: number;
  /** The same for the main thread alone: the event loop is what saturates first. */
  readonly mainThreadCpuMsPerMeterValue: number;
  /** What the server wrote to storage in the window per MeterValues acknowledged (event store, message log, read models, bus). */
  readonly diskKbPerMeterValue: number;
  /** The load generators' CPU in the window, in percent of one core: they share the machine with the server. */
  readonly generatorCpuPercent: number;
  /** Of all the machine's cores over the window, the share some task ran on (every process, not only the bench's). */
  readonly machineBusyPercent: number;
  /** Of all the machine's cores over the window, the share the hypervisor gave to something else. */
  readonly machineStealPercent: number;
  readonly generatorOpenFileLimit: number;
  readonly windowStart: number;
  readonly windowEnd: number;
}

/** Connects every charger through the generators, runs the load, and closes the generators. */
async function drive(url: string, serverPid: number): Promise<LoadResult> {
  const script = join(__dirname, 'load-generator.js');
  const generators = Array.from({ length: GENERATORS }, () => startChild(script, { neededFiles: NEEDED_FILES }));
  const send = (child: Child, command: GeneratorCommand) => child.process.send(command);
  try {
    const rssBefore = rssBytes(serverPid);
    const connectStart = performance.now();
    generators.forEach((g, i) =>
      send(g, {
        cmd: 'connect',
        url,
        ids: chargerIds.filter((_, n) => n % GENERATORS === i),
        concurrency: Math.ceil(CONNECT_CONCURRENCY / GENERATORS),
      }),
    );
    const connected = await Promise.all(generators.map((g) => g.next<ConnectReport>('connected', 300_000)));
    const connectSeconds = (performance.now() - connectStart) / 1000;
    const rssAfterConnect = rssBytes(serverPid);
    const ready = connected.reduce((n, c) => n + c.ready, 0);

    const startAt = Date.now() + 500;
    generators.forEach((g) =>
      send(g, { cmd: 'run', meterValuesPerSec: RATE / GENERATORS, heartbeatIntervalS: HEARTBEAT_S, startAt, warmupMs: WARMUP_MS, measureMs: MEASURE_MS }),
    );
    await new Promise((resolve) => setTimeout(resolve, startAt + WARMUP_MS - Date.now()));
    const cpuStart = cpuMs(serverPid);
    const mainCpuStart = cpuMs(serverPid, true);
    const writtenStart = writtenBytes(serverPid);
    const generatorsCpu = () => generators.reduce((ms, g) => ms + cpuMs(g.pid), 0);
    const generatorCpuStart = generatorsCpu();
    const machineStart = machineCpu();
    const wallStart = performance.now();
    const ran = await Promise.all(generators.map((g) => g.next<RunReport>('ran', WARMUP_MS + MEASURE_MS + 60_000)));
    const wallMs = performance.now() - wallStart;
    const serverCpuPercent = ((cpuMs(serverPid) - cpuStart) / wallMs) * 100;
    const mainThreadCpuPercent = ((cpuMs(serverPid, true) - mainCpuStart) / wallMs) * 100;
    const generatorCpuPercent = ((generatorsCpu() - generatorCpuStart) / wallMs) * 100;
    const machine = machineCpu();
    const machineMs = machine.busyMs + machine.idleMs + machine.stealMs - (machineStart.busyMs + machineStart.idleMs + machineStart.stealMs);
    const written = writtenBytes(serverPid) - writtenStart;
    const settled = await Promise.all(generators.map((g) => g.next<SettledReport>('settled', SETTLE_MS + 10_000)));
    // The chargers stay connected until the loop statistics have a sample past the window: closing 5,000 connections
    // at once keeps the server busy for most of a second, which belongs to no measured MeterValues.
    const settle = Math.max(...ran.map((r) => r.windowEnd)) + 1_200 - Date.now();
    if (settle > 0) await new Promise((resolve) => setTimeout(resolve, settle));

    const sum = (pick: (r: RunReport) => number) => ran.reduce((n, r) => n + pick(r), 0);
    const latencies = settled.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
    const seconds = MEASURE_MS / 1000;
    const windowSent = sum((r) => r.meterValuesSent);
    const acked = sum((r) => r.meterValuesAcked);
    return {
      connectionsReady: ready,
      connectFailures: connected.reduce((n, c) => n + c.failed, 0),
      firstConnectFailure: connected.map((c) => c.firstFailure).find((f) => f !== '') ?? '',
      connectSeconds: round(connectSeconds),
      connectionsHeld: sum((r) => r.connectionsHeld),
      connectionsLost: sum((r) => r.connectionsLost),
      meterValuesSentPerSec: Math.round(windowSent / seconds),
      meterValuesAckedPerSec: Math.round(acked / seconds),
      heartbeatsAckedPerSec: Math.round(sum((r) => r.heartbeatsAcked) / seconds),
      callErrors: sum((r) => r.callErrors),
      queuedBehindOutstanding: sum((r) => r.queuedBehindOutstanding),
      unansweredAtEnd: sum((r) => r.unanswered),
      windowMeterValuesSent: windowSent,
      windowMeterValuesNotAcked: windowSent - settled.reduce((n, r) => n + r.measuredAcked, 0),
      ackP50Ms: round(percentile(latencies, 50), 2),
      ackP99Ms: round(percentile(latencies, 99), 2),
      ackMaxMs: round(latencies.at(-1) ?? Number.NaN, 2),
      rssBeforeMb: round(rssBefore / 2 ** 20),
      rssAfterConnectMb: round(rssAfterConnect / 2 ** 20),
      rssPer1000ConnectionsMb: round((rssAfterConnect - rssBefore) / 2 ** 20 / (ready / 1000), 2),
      serverCpuPercent: Math.round(serverCpuPercent),
      cpuMsPerMeterValue: round((serverCpuPercent * 10) / (acked / seconds), 3),
      mainThreadCpuMsPerMeterValue: round((mainThreadCpuPercent * 10) / (acked / seconds), 3),
      diskKbPerMeterValue: round(written / 1024 / acked, 2),
      generatorCpuPercent: Math.round(generatorCpuPercent),
      machineBusyPercent: Math.round(((machine.busyMs - machineStart.busyMs) / machineMs) * 100),
      machineStealPercent: Math.round(((machine.stealMs - machineStart.stealMs) / machineMs) * 100),
      generatorOpenFileLimit: Math.min(...connected.map((c) => c.openFileLimit)),
      windowStart: Math.min(...ran.map((r) => r.windowStart)),
      windowEnd: Math.max(...ran.map((r) => r.windowEnd)),
    };
  } finally {
    for (const g of generators) send(g, { cmd: 'close' });
    await Promise.all(generators.map((g) => awaitExit(g, 10_000)));
  }
}

/**
 * A baseline server (a child process that reports `listening` with its port) under the same load. `env` selects
 * the variant of scripts that have more than one.
 */
async function baseline(script: string, env: Record<string, string> = {}): Promise<LoadResult & { serverOpenFileLimit: number }> {
  const server = startChild(join(__dirname, script), { neededFiles: NEEDED_FILES, env });
  try {
    const { port, openFileLimit } = await server.next<{ port: number; openFileLimit: number }>('listening', 10_000);
    return { ...(await drive(`ws://127.0.0.1:${port}`, server.pid)), serverOpenFileLimit: openFileLimit };
  } finally {
    server.process.disconnect();
    await stopChild(server, 'SIGTERM', 5_000);
  }
}

async function registerChargers(base: string): Promise<number> {
  const start = performance.now();
  let cursor = 0;
  const worker = async () => {
    while (cursor < chargerIds.length) {
      const id = chargerIds[cursor++]!;
      const response = await fetch(`${base}/api/v1/chargers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id }),
      });
      if (response.status !== 201) throw new Error(`registering ${id}: HTTP ${response.status} ${await response.text()}`);
    }
  };
  await Promise.all(Array.from({ length: REGISTER_CONCURRENCY }, worker));
  return (performance.now() - start) / 1000;
}

interface StoreCounts {
  readonly meterValuesAppended: number;
  readonly framesLogged: number;
  readonly eventsAppended: number;
}

/** Frames the message log (its own file since issue 3) holds with a time in the window; 0 for builds without it. */
function countLoggedFrames(file: string, window: readonly [string, string]): number {
  if (!existsSync(file)) return 0;
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    // sort_key starts with the frame's ISO time.
    return Number((db.prepare('SELECT count(*) AS n FROM frames WHERE sort_key >= ? AND sort_key < ?').get(...window) as { n: number }).n);
  } finally {
    db.close();
  }
}

/**
 * What the relay has not published yet (events) and the consumer groups have not handled yet, from the bus files
 * (`bus-*.sqlite`, one per process or thread with a bus of its own): messages in all, and the group furthest behind.
 */
function backlog(dataDir: string): { readonly relayEvents: number; readonly messages: number; readonly worstGroup: string; readonly worstMessages: number } {
  const store = new DatabaseSync(join(dataDir, 'events.sqlite'), { readOnly: true });
  let relayEvents: number;
  try {
    const head = Number((store.prepare('SELECT max(position) AS p FROM events').get() as { p: number | null }).p ?? 0);
    const relay = store.prepare("SELECT max(position) AS p FROM checkpoints WHERE id LIKE 'relay:%'").get() as { p: number | null };
    relayEvents = head - Number(relay.p ?? 0);
  } finally {
    store.close();
  }
  let messages = 0;
  let worst = { group: '', messages: 0 };
  for (const file of readdirSync(dataDir).filter((name) => /^bus-.*\.sqlite$/.test(name))) {
    const db = new DatabaseSync(join(dataDir, file), { readOnly: true });
    try {
      const rows = db
        .prepare(
          `SELECT c."group" AS "group", sum(e.next_offset - c.next_offset) AS behind
           FROM committed_offsets c JOIN log_ends e ON e.topic = c.topic AND e."partition" = c."partition"
           GROUP BY c."group"`,
        )
        .all() as { group: string; behind: number }[];
      for (const { group, behind } of rows) {
        messages += behind;
        if (behind > worst.messages) worst = { group, messages: behind };
      }
    } finally {
      db.close();
    }
  }
  return { relayEvents, messages, worstGroup: worst.group, worstMessages: worst.messages };
}

/** Counts, in the stores the stopped process left behind, what was recorded during the window. */
function countStored(dataDir: string, windowStart: number, windowEnd: number): StoreCounts {
  const db = new DatabaseSync(join(dataDir, 'events.sqlite'), { readOnly: true });
  try {
    const window = [new Date(windowStart).toISOString(), new Date(windowEnd).toISOString()] as const;
    const count = (where: string) =>
      Number((db.prepare(`SELECT count(*) AS n FROM events WHERE recorded_at >= ? AND recorded_at < ? ${where}`).get(...window) as { n: number }).n);
    return {
      meterValuesAppended: count("AND type = 'SessionMeterValuesRecorded'"),
      framesLogged: count("AND type = 'OcppFrameLogged'") + countLoggedFrames(join(dataDir, 'ocpp-messages.sqlite'), window),
      eventsAppended: count(''),
    };
  } finally {
    db.close();
  }
}

async function standalone(main: string, label: string) {
  const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-gateway-load-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const loopStatsFile = join(dataDir, 'loop-stats.jsonl');
  // Node's own file names (CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile) keep each thread's profile: the main
  // thread's is thread 0. A name of the bench's own would be every thread's, and the last thread to stop would win.
  const profileDir = CPU_PROF_DIR === undefined ? '' : join(CPU_PROF_DIR, `${label}-${Date.now()}`);
  const server = startChild(main, {
    neededFiles: NEEDED_FILES,
    env: {
      BENCH_LOOP_STATS_FILE: loopStatsFile,
      PORT: String(port),
      HOST: '127.0.0.1',
      ROAMGATE_DATA_DIR: dataDir,
      ROAMGATE_ADMIN_TOKEN: ADMIN_TOKEN,
      OCPP_UNKNOWN_CHARGERS: 'reject',
      OCPP_HEARTBEAT_INTERVAL_S: String(HEARTBEAT_S),
      LOG_LEVEL: 'warn',
    },
    nodeArgs: ['-r', join(__dirname, 'loop-stats.js'), ...NODE_ARGS, ...(CPU_PROF_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`])],
  });
  try {
    const ready = Date.now() + 60_000;
    while ((await fetch(`${base}/ready`).then((r) => r.status, () => 0)) !== 200) {
      if (Date.now() > ready || server.process.exitCode !== null) throw new Error(`standalone did not get ready: ${server.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const registerSeconds = await registerChargers(base);
    console.log(`  registered ${CHARGERS} chargers in ${registerSeconds.toFixed(1)} s`);
    const load = await drive(`ws://127.0.0.1:${port}`, server.pid);
    // Read while the process still runs (the files are in WAL mode): its shutdown disconnects every charger.
    const behind = backlog(dataDir);
    const stopStart = performance.now();
    await stopChild(server);
    const stopSeconds = (performance.now() - stopStart) / 1000;
    if (CPU_PROF_DIR !== undefined) {
      // A profile's clock is not the wall clock: its end is the process's exit, which lets the window be found in it.
      const exited = Date.now();
      console.log(`  ${label} profiles in ${profileDir} (thread 0 is the main thread): window = ${((exited - load.windowStart) / 1000).toFixed(1)} s to ${((exited - load.windowEnd) / 1000).toFixed(1)} s before the profile's end`);
    }
    const stored = countStored(dataDir, load.windowStart, load.windowEnd);
    const loop = loopStats(loopStatsFile, load.windowStart, load.windowEnd);
    const seconds = MEASURE_MS / 1000;
    return {
      ...load,
      ...loop,
      registerSeconds: round(registerSeconds),
      meterValuesAppendedPerSec: Math.round(stored.meterValuesAppended / seconds),
      framesLoggedPerSec: Math.round(stored.framesLogged / seconds),
      eventsAppendedPerSec: Math.round(stored.eventsAppended / seconds),
      relayBacklogAtEndEvents: behind.relayEvents,
      consumerBacklogAtEndMessages: behind.messages,
      consumerBacklogWorstGroup: behind.worstGroup,
      consumerBacklogWorstGroupMessages: behind.worstMessages,
      stopSeconds: round(stopSeconds),
    };
  } catch (error) {
    console.error(server.output());
    throw error;
  } finally {
    await stopChild(server, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type StandaloneResult = Awaited<ReturnType<typeof standalone>>;

function printStandalone(label: string, r: StandaloneResult): void {
  print(label, r);
  console.log(
    `  ${label.padEnd(11)} durably appended ${r.meterValuesAppendedPerSec} MeterValues/s (${r.framesLoggedPerSec} frames logged/s, ` +
      `${r.eventsAppendedPerSec} events/s); at the window's end relay backlog ${r.relayBacklogAtEndEvents} events, ` +
      `consumer backlog ${r.consumerBacklogAtEndMessages} messages` +
      (r.consumerBacklogWorstGroupMessages > 0 ? ` (most: ${r.consumerBacklogWorstGroup}, ${r.consumerBacklogWorstGroupMessages})` : '') +
      `; stopped in ${r.stopSeconds} s`,
  );
  console.log(
    `  ${label.padEnd(11)} of the ${r.windowMeterValuesSent} MeterValues sent in the window, ` +
      (r.windowMeterValuesNotAcked === 0 ? `every one acknowledged` : `${r.windowMeterValuesNotAcked} not acknowledged`) +
      ` within ${SETTLE_MS / 1000} s of its end`,
  );
  console.log(
    `  ${label.padEnd(11)} event loop: ${Math.round(r.loopUtilization * 100)}% busy, delay max ${r.loopMaxDelayMs} ms, ${r.loopSecondsOver50Ms} of ${r.loopSeconds} s with a delay over 50 ms; ` +
      `old generation grew ${r.oldGenerationGrowthMbPerSec} MB/s; ${r.majorCollections} major collections (longest ${r.majorCollectionMaxMs} ms), ` +
      `${r.scavengesPerSec} scavenges/s (${r.scavengeAvgMs} ms each)`,
  );
}

/**
 * The measured window's seconds from loop-stats.js: utilisation, the longest event-loop delay, how many seconds had a
 * delay over 50 ms, how fast the old generation grew (what reaches it sets how often major collections come) and
 * the collections themselves.
 */
function loopStats(file: string, from: number, to: number) {
  const samples = (existsSync(file) ? readFileSync(file, 'utf8') : '')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LoopSample)
    .filter((sample) => sample.at > from && sample.at <= to + 1_000);
  const seconds = samples.length;
  const sum = (pick: (s: LoopSample) => number) => samples.reduce((total, s) => total + pick(s), 0);
  const scavenges = sum((s) => s.scavenges);
  return {
    loopSeconds: seconds,
    loopUtilization: seconds === 0 ? 0 : round(sum((s) => s.utilization) / seconds, 2),
    loopMaxDelayMs: Math.max(0, ...samples.map((s) => s.maxDelayMs)),
    loopSecondsOver50Ms: samples.filter((s) => s.maxDelayMs > 50).length,
    oldGenerationGrowthMbPerSec: seconds === 0 ? 0 : round(sum((s) => s.oldGrownMb) / seconds),
    majorCollections: sum((s) => s.majors),
    majorCollectionMaxMs: Math.max(0, ...samples.map((s) => s.majorMaxMs)),
    scavengesPerSec: seconds === 0 ? 0 : round(scavenges / seconds),
    scavengeAvgMs: scavenges === 0 ? 0 : round(sum((s) => s.scavengeMs) / scavenges),
  };
}

function print(label: string, r: LoadResult): void {
  console.log(
    `  ${label.padEnd(11)} ready ${r.connectionsReady}/${CHARGERS} in ${r.connectSeconds} s, held ${r.connectionsHeld}; ` +
      `MeterValues sent ${r.meterValuesSentPerSec}/s acked ${r.meterValuesAckedPerSec}/s; ack p50 ${r.ackP50Ms} ms p99 ${r.ackP99Ms} ms max ${r.ackMaxMs} ms; ` +
      `RSS ${r.rssBeforeMb} -> ${r.rssAfterConnectMb} MB (${r.rssPer1000ConnectionsMb} MB per 1,000); server CPU ${r.serverCpuPercent}% (${r.cpuMsPerMeterValue} ms per MeterValues, main thread ${r.mainThreadCpuMsPerMeterValue} ms); ` +
      `disk writes ${r.diskKbPerMeterValue} KB per MeterValues`,
  );
  console.log(
    `  ${label.padEnd(11)} machine: ${availableParallelism()} cores ${r.machineBusyPercent}% busy, ${r.machineStealPercent}% stolen; ` +
      `load generators ${r.generatorCpuPercent}% of a core`,
  );
  if (r.connectFailures > 0) console.log(`    ${r.connectFailures} connections failed, first: ${r.firstConnectFailure}`);
  if (r.callErrors + r.connectionsLost > 0) console.log(`    CALLERRORs ${r.callErrors}, connections lost ${r.connectionsLost}`);
}

async function main(): Promise<void> {
  console.log(
    `gateway load: ${CHARGERS} OCPP 1.6J chargers, ${RATE} MeterValues/s in total, heartbeat every ${HEARTBEAT_S} s, ` +
      `${WARMUP_MS / 1000} s warm-up + ${MEASURE_MS / 1000} s measured, ${GENERATORS} generator processes`,
  );
  const echo = SKIP_ECHO ? undefined : await baseline('echo-server.js');
  if (echo !== undefined) print('ws echo', echo);
  const ocppBaselines = OCPP_BASELINES
    ? { mainThread: await baseline('ocpp-rpc-server.js', { BENCH_OCPP_THREAD: 'main' }), workerThread: await baseline('ocpp-rpc-server.js', { BENCH_OCPP_THREAD: 'worker' }) }
    : undefined;
  if (ocppBaselines !== undefined) {
    print('ocpp-rpc', ocppBaselines.mainThread);
    print('ocpp-rpc wt', ocppBaselines.workerThread);
  }
  const gateway = await standalone(join(__dirname, '..', 'main.js'), 'standalone');
  printStandalone('standalone', gateway);
  const compared = COMPARE_MAIN === undefined ? undefined : await standalone(COMPARE_MAIN, 'compared');
  if (compared !== undefined) printStandalone('compared', compared);
  if (echo !== undefined && (echo.serverOpenFileLimit < NEEDED_FILES || echo.generatorOpenFileLimit < NEEDED_FILES / GENERATORS)) {
    console.log(`  open-file limit could not be raised to ${NEEDED_FILES} (server ${echo.serverOpenFileLimit}, generators ${echo.generatorOpenFileLimit})`);
  }
  const targetMet = meetsGatewayTarget({ chargers: CHARGERS, offeredPerSec: RATE, measuredSeconds: MEASURE_MS / 1000, ...gateway });
  const { connections, meterValuesPerSec, p99Ms } = GATEWAY_TARGET;
  console.log(`  target (${connections} connections, >= ${meterValuesPerSec} MeterValues/s, p99 < ${p99Ms} ms): ${targetMet ? 'met' : 'NOT met'}`);
  const pick = ({ windowStart: _s, windowEnd: _e, ...kept }: LoadResult) => kept;
  console.log(
    JSON.stringify({
      bench: 'gateway-load',
      results: {
        chargers: CHARGERS,
        offeredMeterValuesPerSec: RATE,
        measuredSeconds: MEASURE_MS / 1000,
        ...(echo === undefined ? {} : { wsEcho: pick(echo) }),
        ...(ocppBaselines === undefined ? {} : { ocppRpcMainThread: pick(ocppBaselines.mainThread), ocppRpcWorkerThread: pick(ocppBaselines.workerThread) }),
        standalone: pick(gateway),
        ...(compared === undefined ? {} : { comparedBuild: { main: COMPARE_MAIN, ...pick(compared) } }),
        ...(echo === undefined
          ? {}
          : {
              standaloneVsEcho: {
                meterValuesPerSec: round(gateway.meterValuesAppendedPerSec / echo.meterValuesAckedPerSec, 3),
                ackP99: round(gateway.ackP99Ms / echo.ackP99Ms, 1),
                rssPer1000Connections: round(gateway.rssPer1000ConnectionsMb / echo.rssPer1000ConnectionsMb, 1),
              },
            }),
        ...(compared === undefined ? {} : { cpuPerMeterValueVsCompared: round(gateway.cpuMsPerMeterValue / compared.cpuMsPerMeterValue, 3) }),
        targetMet,
      },
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
