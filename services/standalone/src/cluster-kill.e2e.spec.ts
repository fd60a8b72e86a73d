import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSimulatedCharger, type SimulatedCharger } from '@roamgate/charger-simulator';
import { freePort, type RunningProcess, startNodeProcess, waitFor } from '@roamgate/runtime/testing';
import { CDR_ISSUING_GROUP } from '@roamgate/tariff-engine';
import { Kafka, logLevel, type Admin } from 'kafkajs';

const brokers = process.env.KAFKA_BROKERS;
const TOKEN = 'cluster-kill-e2e-admin-token';
const SERVICES = ['charger-gateway', 'ocpi-connector', 'tariff-engine', 'cdr-reconciler', 'gate-evaluator'] as const;
type ServiceName = (typeof SERVICES)[number];
const SESSION_TOPIC = 'roamgate.session';
// not exported by @roamgate/charger-gateway: services/charger-gateway/src/projections/projector.ts
const GATEWAY_PROJECTIONS_GROUP = 'charger-gateway-projections';
const CHARGERS = 5;
const PASSWORD = 'kill-charger-pw';

// skipped per test (not per suite) so that the runner counts it as skipped
const skip = brokers ? false : 'KAFKA_BROKERS not set: start one with scripts/kafka/start.sh';

type Offsets = Map<number, bigint>;
interface OffsetCommit {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
}
interface CdrList {
  items: { sessionId: string; cdr: { total_energy: number } }[];
  total: number;
}

/**
 * A key of `__consumer_offsets` (versions 0 and 1 are offset commits: group, topic, partition) and
 * its value (every version starts with the committed offset).
 */
function decodeOffsetCommit(key: Buffer | null, value: Buffer | null): (OffsetCommit & { group: string }) | undefined {
  if (!key || !value || key.readInt16BE(0) > 1) return undefined;
  let at = 2;
  const text = () => {
    const length = key.readInt16BE(at);
    const s = key.toString('utf8', at + 2, at + 2 + length);
    at += 2 + length;
    return s;
  };
  const group = text();
  const topic = text();
  return { group, topic, partition: key.readInt32BE(at), offset: value.readBigInt64BE(2) };
}

/**
 * One service process SIGKILLed while sessions run and stop, then restarted on the same port and
 * data dir. Kafka's own bookkeeping tells whether it resumed: every offset commit is a record in
 * `__consumer_offsets`, so the commits the restarted process made can be read back. Resuming from
 * the committed offset C of a partition, its first commit there is above C (the message at C, then
 * C + 1 …); a consumer that started over would commit 1, 2 … again, and a read model rebuilt that way
 * would show in those commits even when idempotent handlers hide it everywhere else. Polling the
 * group's current offsets instead would miss a fast replay.
 */
describe('a service process SIGKILLed mid-flow and restarted over Kafka', () => {
  let dataDir: string;
  let admin: Admin;
  let kafka: Kafka;
  const procs = new Map<ServiceName, { proc: RunningProcess; port: number; base: string }>();
  const chargers: SimulatedCharger[] = [];
  const run = Date.now().toString(36);
  const chargerIds = Array.from({ length: CHARGERS }, (_, i) => `KILL-${run}-${i}`);
  let stoppedSessions = 0;

  const launch = (name: ServiceName, port: number) => {
    const proc = startNodeProcess(join(__dirname, '..', '..', name, 'dist', 'main.js'), [], {
      PORT: String(port),
      HOST: '127.0.0.1',
      ROAMGATE_DATA_DIR: dataDir,
      ROAMGATE_ADMIN_TOKEN: TOKEN,
      BUS: 'kafka',
      KAFKA_BROKERS: brokers!,
      LOG_LEVEL: 'warn',
    });
    procs.set(name, { proc, port, base: `http://127.0.0.1:${port}` });
  };

  const ready = (name: ServiceName) => {
    const { proc, base } = procs.get(name)!;
    return waitFor(async () => {
      if (proc.child.exitCode !== null) throw new Error(`${name} exited: ${proc.output()}`);
      return (await fetch(`${base}/ready`)).ok ? true : undefined;
    }, `${name} ready over Kafka`, 90_000, 200);
  };

  const kill = async (name: ServiceName) => {
    const { proc } = procs.get(name)!;
    await proc.stop('SIGKILL');
    assert.equal(proc.child.signalCode, 'SIGKILL');
  };

  const restart = async (name: ServiceName) => {
    launch(name, procs.get(name)!.port);
    await ready(name);
  };

  const api = async <T>(service: ServiceName, method: string, path: string, body?: unknown) => {
    const r = await fetch(`${procs.get(service)!.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const sessionsOf = async (chargerId: string) =>
    (await api<{ items: { id: string; status: string; energyWh: string | null }[] }>('charger-gateway', 'GET', `/api/v1/sessions?chargerId=${chargerId}&limit=500`)).body.items ?? [];

  const committed = async (group: string, topic: string): Promise<Offsets> => {
    const [found] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((found?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  };

  const endOffsets = async (topic: string): Promise<Offsets> =>
    new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));

  const caughtUp = async (group: string, topic: string) => {
    const [ends, done] = await Promise.all([endOffsets(topic), committed(group, topic)]);
    return [...ends].every(([partition, end]) => end === 0n || done.get(partition) === end) ? true : undefined;
  };

  /** The offset commits of `group` recorded in `__consumer_offsets` at or after `mark` (its end offsets earlier). */
  const commitsSince = async (mark: Offsets, group: string): Promise<OffsetCommit[]> => {
    const ends = await endOffsets('__consumer_offsets');
    const seen = new Map<number, bigint>();
    const commits: OffsetCommit[] = [];
    const reader = kafka.consumer({ groupId: `cluster-kill-reader-${run}-${Date.now()}`, maxWaitTimeInMs: 100 });
    await reader.connect();
    try {
      await reader.subscribe({ topic: '__consumer_offsets', fromBeginning: true });
      await reader.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => {
          seen.set(partition, BigInt(message.offset) + 1n);
          if (BigInt(message.offset) < (mark.get(partition) ?? 0n)) return;
          const commit = decodeOffsetCommit(message.key, message.value);
          if (commit?.group === group) commits.push({ topic: commit.topic, partition: commit.partition, offset: commit.offset });
        },
      });
      await waitFor(() => ([...ends].every(([p, end]) => (seen.get(p) ?? 0n) >= end) ? true : undefined), 'the __consumer_offsets records read back', 30_000);
    } finally {
      await reader.disconnect();
    }
    return commits;
  };

  const startSessions = async (which: readonly number[]) => {
    for (const i of which) assert.ok(await chargers[i]!.startLocalSession(1, `TAG-${run}-${i}`), `${chargerIds[i]} started a session`);
    await waitFor(async () => {
      for (const i of which) {
        const active = (await sessionsOf(chargerIds[i]!)).find((s) => s.status === 'ACTIVE');
        if (!active || !(Number(active.energyWh) > 0)) return undefined;
      }
      return true;
    }, 'the sessions metering', 30_000, 200);
  };

  const stopSessions = (which: readonly number[]) => {
    for (const i of which) assert.ok(chargers[i]!.stopLocalSession(1), `${chargerIds[i]} stopped its session`);
    stoppedSessions += which.length;
  };

  const completedSessions = async () => {
    const all = (await Promise.all(chargerIds.map(sessionsOf))).flat();
    return all.filter((s) => s.status === 'COMPLETED');
  };

  const cdrsOf = async (sessionId: string) => (await api<CdrList>('tariff-engine', 'GET', `/api/v1/cdrs?sessionId=${sessionId}`)).body;

  /** Every stopped session has exactly one CDR with its energy, and the read model holds no other. */
  const assertOneCdrPerSession = async () => {
    const completed = await waitFor(async () => {
      const done = await completedSessions();
      assert.ok(done.length <= stoppedSessions, `more completed sessions than stopped: ${JSON.stringify(done)}`);
      if (done.length < stoppedSessions) return undefined;
      for (const s of done) if ((await cdrsOf(s.id)).total === 0) return undefined;
      return done;
    }, `${stoppedSessions} completed sessions, each with its CDR`, 45_000, 250);
    for (const session of completed) {
      const cdrs = await cdrsOf(session.id);
      assert.equal(cdrs.total, 1, `session ${session.id}: ${JSON.stringify(cdrs.items)}`);
      assert.equal(cdrs.items[0]!.cdr.total_energy, Number(session.energyWh) / 1000, `CDR energy of session ${session.id}`);
    }
    assert.equal((await api<CdrList>('tariff-engine', 'GET', '/api/v1/cdrs?limit=1')).body.total, stoppedSessions, 'CDRs in the read model');
    return completed;
  };

  /** The restarted consumer's commits all lie above what the killed one had committed: it resumed, it did not start over. */
  const assertResumed = (commits: readonly OffsetCommit[], before: Offsets, topic: string) => {
    const onTopic = commits.filter((c) => c.topic === topic);
    assert.ok(onTopic.length > 0, 'the restarted process committed what it consumed after the restart');
    for (const c of onTopic) {
      const was = before.get(c.partition) ?? -1n;
      assert.ok(c.offset > was, `partition ${c.partition}: committed ${c.offset} after the restart, ${was} before the kill`);
    }
  };

  before(async () => {
    if (!brokers) return;
    dataDir = mkdtempSync(join(tmpdir(), 'roamgate-cluster-kill-'));
    kafka = new Kafka({ clientId: 'cluster-kill-e2e', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    for (const name of SERVICES) launch(name, await freePort());
    for (const name of SERVICES) await ready(name);

    const tariff = {
      country_code: 'NL',
      party_id: 'RGT',
      id: `T-KILL-${run}`,
      currency: 'EUR',
      elements: [{ price_components: [{ type: 'ENERGY', price: 0.3, vat: 21, step_size: 1 }] }],
      last_updated: '2025-01-01T00:00:00Z',
    };
    assert.ok([200, 201].includes((await api('tariff-engine', 'PUT', `/api/v1/tariffs/${tariff.id}`, tariff)).status));
    const ws = procs.get('charger-gateway')!.base.replace('http', 'ws') + '/ocpp';
    for (const id of chargerIds) {
      assert.equal((await api('charger-gateway', 'POST', '/api/v1/chargers', { id, password: PASSWORD })).status, 201);
      const assigned = await api('tariff-engine', 'POST', `/api/v1/tariffs/${tariff.id}/assignments`, { chargerId: id, timeZone: 'Europe/Amsterdam' });
      assert.ok([200, 201].includes(assigned.status), JSON.stringify(assigned.body));
      chargers.push(
        await startSimulatedCharger({
          url: ws,
          id,
          password: PASSWORD,
          protocol: 'ocpp1.6',
          profile: { vendor: 'Acme', model: 'K1', firmwareVersion: '9.9', connectors: 1, meterValueIntervalS: 1 },
        }),
      );
    }
    await Promise.all(chargers.map((c) => c.whenBooted()));
  });

  after(async () => {
    if (!brokers) return;
    await Promise.all(chargers.map((c) => c.stop()));
    await Promise.all([...procs.values()].map(({ proc }) => proc.stop()));
    await admin?.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('tariff-engine: resumes from its committed offsets; every stopped session has one CDR', { skip }, async () => {
    const all = chargerIds.map((_, i) => i);
    await startSessions(all);
    stopSessions([0, 1]);
    await waitFor(async () => ((await completedSessions()).length === 2 ? true : undefined), 'two sessions completed');
    for (const s of await completedSessions()) await waitFor(async () => ((await cdrsOf(s.id)).total === 1 ? true : undefined), `CDR of ${s.id}`);

    // mid-flow: three SessionStopped on their way while the process dies
    stopSessions([2, 3, 4]);
    await kill('tariff-engine');
    const before = await committed(CDR_ISSUING_GROUP, SESSION_TOPIC);
    assert.ok([...before.values()].some((offset) => offset > 0n), `offsets committed before the kill: ${[...before]}`);
    const mark = await endOffsets('__consumer_offsets');

    // sessions run and stop while the tariff engine is down: a backlog on roamgate.session
    await startSessions(all);
    stopSessions(all);
    await waitFor(async () => ((await completedSessions()).length === stoppedSessions ? true : undefined), 'the sessions completed while the tariff engine was down');

    await restart('tariff-engine');
    await assertOneCdrPerSession();
    await waitFor(() => caughtUp(CDR_ISSUING_GROUP, SESSION_TOPIC), `${CDR_ISSUING_GROUP} caught up with ${SESSION_TOPIC}`, 30_000, 200);
    assertResumed(await commitsSince(mark, CDR_ISSUING_GROUP), before, SESSION_TOPIC);
  });

  it('charger-gateway: chargers reconnect, queued stops arrive, projections resume; one session and one CDR each', { skip }, async () => {
    const all = chargerIds.map((_, i) => i);
    await startSessions(all);
    stopSessions([0, 1]);
    await kill('charger-gateway');
    const before = await committed(GATEWAY_PROJECTIONS_GROUP, SESSION_TOPIC);
    assert.ok([...before.values()].some((offset) => offset > 0n), `offsets committed before the kill: ${[...before]}`);
    const mark = await endOffsets('__consumer_offsets');

    await waitFor(() => (chargers.every((c) => !c.isConnected) ? true : undefined), 'the chargers saw their sockets drop');
    // offline, the chargers keep metering and queue these stops until they reconnect
    stopSessions([2, 3, 4]);
    await restart('charger-gateway');
    // asked on the chargers' side: a SIGKILLed gateway records no ChargerDisconnected, so its read model still says connected
    await waitFor(() => (chargers.every((c) => c.isConnected && c.stats().reconnects > 0) ? true : undefined), 'every charger reconnected', 45_000, 250);

    await assertOneCdrPerSession();
    for (const id of chargerIds) {
      const sessions = await sessionsOf(id);
      assert.equal(sessions.length, new Set(sessions.map((s) => s.id)).size);
      assert.ok(sessions.every((s) => s.status === 'COMPLETED'), `${id}: ${JSON.stringify(sessions)}`);
    }
    await waitFor(() => caughtUp(GATEWAY_PROJECTIONS_GROUP, SESSION_TOPIC), `${GATEWAY_PROJECTIONS_GROUP} caught up with ${SESSION_TOPIC}`, 30_000, 200);
    assertResumed(await commitsSince(mark, GATEWAY_PROJECTIONS_GROUP), before, SESSION_TOPIC);
  });
});
