// Remote start round trip: the eMSP simulator POSTs commands/START_SESSION to the CPO, the command travels to the
// charger simulator (OCPP 1.6J RemoteStartTransaction) and back, and the CommandResult is POSTed to the eMSP's
// response_url. Measured from the eMSP's POST to the CommandResult's arrival, in the standalone process (in-process
// bus) and in the cluster topology (the five service processes over Kafka), in one run. STOP_SESSION is measured too.
// Run: node services/standalone/dist/bench/remote-start.bench.js
// Settings: BENCH_ROUNDS (30) measured round trips per topology after BENCH_WARMUP (3). The Kafka half needs
// KAFKA_BROKERS (scripts/kafka/start.sh prints it) and is skipped, with a message, without it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulatedCharger, type SimulatedCharger } from '@roamgate/charger-simulator';
import { startEmspSimulator, type EmspSimulator, type Token } from '@roamgate/emsp-simulator';
import { freePort, startNodeProcess, waitFor, type RunningProcess } from '@roamgate/runtime/testing';
import { percentile } from './stats';

const setting = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer`);
  return value;
};

const ROUNDS = Math.max(1, setting('BENCH_ROUNDS', 30));
const WARMUP = setting('BENCH_WARMUP', 3);
const ADMIN_TOKEN = 'bench-remote-start-admin-token'.padEnd(40, 'x');
const CHARGER = 'BENCH-RS-1';
const LOCATION = 'LOC-BENCH-RS';
const SERVICES = ['charger-gateway', 'ocpi-connector', 'tariff-engine', 'cdr-reconciler', 'gate-evaluator'] as const;
type ServiceName = (typeof SERVICES)[number];

interface Topology {
  /** Base URL of the process serving each service. */
  readonly base: (service: ServiceName) => string;
  stop(): Promise<void>;
}

interface Timings {
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

interface TopologyResult {
  readonly rounds: number;
  readonly startSession: Timings;
  readonly stopSession: Timings;
}

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

function timings(samples: readonly number[]): Timings {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted[sorted.length - 1]!) };
}

function baseEnv(dataDir: string, port: number): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    ROAMGATE_PUBLIC_URL: `http://127.0.0.1:${port}`,
    ROAMGATE_DATA_DIR: dataDir,
    ROAMGATE_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
  };
}

async function ready(name: string, proc: RunningProcess, base: string): Promise<void> {
  await waitFor(async () => {
    if (proc.child.exitCode !== null) throw new Error(`${name} exited: ${proc.output()}`);
    return (await fetch(`${base}/ready`)).ok ? true : undefined;
  }, `${name} ready`, 120_000, 100);
}

async function startStandaloneTopology(dataDir: string): Promise<Topology> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const proc = startNodeProcess(join(__dirname, '..', 'main.js'), [], baseEnv(dataDir, port));
  await ready('standalone', proc, base);
  return { base: () => base, stop: () => proc.stop() };
}

async function startKafkaTopology(dataDir: string, brokers: string): Promise<Topology> {
  const procs = new Map<ServiceName, { proc: RunningProcess; base: string }>();
  for (const name of SERVICES) {
    const port = await freePort();
    const proc = startNodeProcess(join(__dirname, '..', '..', '..', name, 'dist', 'main.js'), [], { ...baseEnv(dataDir, port), BUS: 'kafka', KAFKA_BROKERS: brokers });
    procs.set(name, { proc, base: `http://127.0.0.1:${port}` });
  }
  try {
    for (const [name, { proc, base }] of procs) await ready(name, proc, base);
  } catch (error) {
    await Promise.all([...procs.values()].map(({ proc }) => proc.stop()));
    throw error;
  }
  return { base: (service) => procs.get(service)!.base, stop: async () => void (await Promise.all([...procs.values()].map(({ proc }) => proc.stop()))) };
}

async function measure(label: string, topology: Topology): Promise<TopologyResult> {
  const api = async <T>(service: ServiceName, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const r = await fetch(`${topology.base(service)}${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  let emsp: EmspSimulator | undefined;
  let charger: SimulatedCharger | undefined;
  try {
    emsp = await startEmspSimulator({ host: '127.0.0.1', partyId: 'EMS', commandResultTimeoutMs: 60_000 });
    const invitation = await api<{ partnerId: string; token: string; versionsUrl: string }>('ocpi-connector', 'POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId: 'EMS', role: 'EMSP' });
    if (invitation.status !== 201) throw new Error(`invitation: HTTP ${invitation.status} ${JSON.stringify(invitation.body)}`);
    await emsp.registerWithCpo({ cpoVersionsUrl: invitation.body.versionsUrl, tokenA: invitation.body.token });
    // A partner commands only its launch scope (OCPI_UNSCOPED_PARTNERS defaults to none).
    const scoped = await api('ocpi-connector', 'PUT', `/api/v1/partners/${invitation.body.partnerId}/scope`, { charger_ids: [CHARGER], reason: 'bench' });
    if (scoped.status !== 200) throw new Error(`scope: HTTP ${scoped.status} ${JSON.stringify(scoped.body)}`);
    const registered = await api('charger-gateway', 'POST', '/api/v1/chargers', { id: CHARGER, password: 'bench-charger-pw', locationId: LOCATION });
    if (registered.status !== 201) throw new Error(`charger: HTTP ${registered.status} ${JSON.stringify(registered.body)}`);
    charger = await startSimulatedCharger({
      url: `${topology.base('charger-gateway').replace('http', 'ws')}/ocpp`,
      id: CHARGER,
      password: 'bench-charger-pw',
      protocol: 'ocpp1.6',
      profile: { vendor: 'Acme', model: 'B1', firmwareVersion: '1.0', connectors: 1, meterValueIntervalS: 60 },
    });
    const token = {
      country_code: 'NL', party_id: 'EMS', uid: 'RFID-BENCH', type: 'RFID', contract_id: 'NL-EMS-BENCH', issuer: 'Simulated eMSP',
      valid: true, whitelist: 'ALLOWED', last_updated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    } as Token;
    await emsp.pushToken(token);
    const command = { token, location_id: LOCATION, evse_uid: `${CHARGER}-1`, connector_id: '1' };
    // The charger's location reaches the OCPI connector through the bus: wait until a start is accepted.
    await waitFor(async () => {
      const sent = await emsp!.sendCommand('START_SESSION', command);
      if (sent.response?.result !== 'ACCEPTED') return undefined;
      await sent.result;
      return true;
    }, 'a first START_SESSION accepted', 120_000, 250);
    const starts: number[] = [];
    const stops: number[] = [];
    for (let i = -WARMUP - 1; i < ROUNDS; i++) {
      const session = await waitFor(async () => {
        const list = await api<{ items: { id: string; status: string }[] }>('charger-gateway', 'GET', `/api/v1/sessions?chargerId=${CHARGER}`);
        return list.body.items?.find((s) => s.status === 'ACTIVE');
      }, 'the session active', 60_000, 10);
      const stopAt = performance.now();
      const stop = await emsp.sendCommand('STOP_SESSION', { session_id: session.id });
      if (stop.response?.result !== 'ACCEPTED') throw new Error(`STOP_SESSION answered ${JSON.stringify(stop.response)}`);
      await stop.result;
      if (i >= 0) stops.push(performance.now() - stopAt);
      await waitFor(async () => {
        const s = await api<{ status: string }>('charger-gateway', 'GET', `/api/v1/sessions/${session.id}`);
        return s.body.status === 'COMPLETED' && charger!.activeSessions().length === 0 ? true : undefined;
      }, 'the session completed', 60_000, 10);
      if (i === ROUNDS - 1) break;
      const startAt = performance.now();
      const start = await emsp.sendCommand('START_SESSION', command);
      if (start.response?.result !== 'ACCEPTED') throw new Error(`START_SESSION answered ${JSON.stringify(start.response)}`);
      await start.result;
      if (i >= -1) starts.push(performance.now() - startAt);
    }
    const result = { rounds: starts.length, startSession: timings(starts), stopSession: timings(stops) };
    console.log(
      `  ${label.padEnd(18)} START_SESSION → CommandResult p50 ${result.startSession.p50Ms} ms p99 ${result.startSession.p99Ms} ms max ${result.startSession.maxMs} ms; ` +
        `STOP_SESSION p50 ${result.stopSession.p50Ms} ms p99 ${result.stopSession.p99Ms} ms (${result.rounds} rounds)`,
    );
    return result;
  } finally {
    await charger?.stop();
    await emsp?.stop();
  }
}

async function run(label: string, start: (dataDir: string) => Promise<Topology>): Promise<TopologyResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-bench-remote-start-'));
  try {
    const topology = await start(dataDir);
    try {
      return await measure(label, topology);
    } finally {
      await topology.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`remote start round trip (eMSP POST → charger → CommandResult POST): ${ROUNDS} rounds after ${WARMUP} warm-up, OCPP 1.6J charger`);
  const standalone = await run('standalone', startStandaloneTopology);
  const brokers = process.env['KAFKA_BROKERS'];
  let kafka: TopologyResult | undefined;
  if (brokers === undefined || brokers === '') {
    console.log('  over Kafka: skipped, KAFKA_BROKERS is not set (scripts/kafka/start.sh starts a broker and prints it)');
  } else {
    kafka = await run('5 processes, Kafka', (dataDir) => startKafkaTopology(dataDir, brokers));
  }
  console.log(
    JSON.stringify({
      bench: 'remote-start',
      results: {
        rounds: ROUNDS,
        standalone,
        ...(kafka === undefined
          ? { kafka: 'skipped: KAFKA_BROKERS not set' }
          : {
              kafka,
              kafkaVsStandaloneStartP50: round(kafka.startSession.p50Ms / standalone.startSession.p50Ms, 2),
              kafkaVsStandaloneStartP99: round(kafka.startSession.p99Ms / standalone.startSession.p99Ms, 2),
            }),
      },
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
