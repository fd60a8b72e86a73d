import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSimulatedCharger, type SimulatedCharger } from '@roamgate/charger-simulator';
import { startEmspSimulator, type EmspSimulator, type Token } from '@roamgate/emsp-simulator';
import { openSqliteEventStore } from '@roamgate/event-store';
import { EVENT_HEADERS } from '@roamgate/relay';
import { TRACE_HEADERS } from '@roamgate/runtime';
import { freePort, type RunningProcess, startNodeProcess, waitFor } from '@roamgate/runtime/testing';
import { Kafka, logLevel } from 'kafkajs';

const brokers = process.env.KAFKA_BROKERS;
const TOKEN = 'cluster-kafka-e2e-admin-token';
const SERVICES = ['charger-gateway', 'ocpi-connector', 'tariff-engine', 'cdr-reconciler', 'gate-evaluator'] as const;
type ServiceName = (typeof SERVICES)[number];

const TARIFF = {
  country_code: 'NL',
  party_id: 'RGT',
  id: 'T-KAFKA',
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.3, vat: 21, step_size: 1 }] }],
  last_updated: '2025-01-01T00:00:00Z',
};

/**
 * The cluster topology on one host: each service its own process, events between them over a real
 * Kafka broker, one shared event-store file. A remote start travels API → charger-gateway →
 * charger; the session's events reach the tariff-engine process only through Kafka, which issues the CDR.
 */
// skipped per test (not per suite) so that the runner counts it as skipped
const skip = brokers ? false : 'KAFKA_BROKERS not set: start one with scripts/kafka/start.sh';

describe('five service processes over a real Kafka broker', () => {
  let dataDir: string;
  const procs = new Map<ServiceName, { proc: RunningProcess; base: string }>();
  const run = Date.now().toString(36);

  before(async () => {
    if (!brokers) return;
    dataDir = mkdtempSync(join(tmpdir(), 'roamgate-cluster-kafka-'));
    for (const name of SERVICES) {
      const port = await freePort();
      const proc = startNodeProcess(join(__dirname, '..', '..', name, 'dist', 'main.js'), [], {
        PORT: String(port),
        HOST: '127.0.0.1',
        ROAMGATE_DATA_DIR: dataDir,
        ROAMGATE_ADMIN_TOKEN: TOKEN,
        ROAMGATE_PUBLIC_URL: `http://127.0.0.1:${port}`,
        BUS: 'kafka',
        KAFKA_BROKERS: brokers!,
        LOG_LEVEL: 'warn',
        OCPI_COMMAND_RESULT_RETRY_MS: '200',
        OCPI_PUSH_BASE_DELAY_MS: '100',
        OCPI_PUSH_POLL_MS: '100',
      });
      procs.set(name, { proc, base: `http://127.0.0.1:${port}` });
    }
    for (const [name, { proc, base }] of procs) {
      await waitFor(async () => {
        if (proc.child.exitCode !== null) throw new Error(`${name} exited: ${proc.output()}`);
        return (await fetch(`${base}/ready`)).ok ? true : undefined;
      }, `${name} ready over Kafka`, 90_000);
    }
  });

  after(async () => {
    if (!brokers) return;
    for (const charger of chargers) await charger.stop();
    await Promise.all([...procs.values()].map(({ proc }) => proc.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const api = async <T>(service: ServiceName, method: string, path: string, body?: unknown) => {
    const r = await fetch(`${procs.get(service)!.base}${path}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as T };
  };

  const chargers: SimulatedCharger[] = [];
  /** Registers the charger, prices it with its own tariff, and connects a simulated OCPP 1.6 charger (stopped after the suite). */
  const bootedCharger = async (chargerId: string, tariffId: string, locationId?: string): Promise<SimulatedCharger> => {
    const password = `${chargerId}-pw`.toLowerCase();
    assert.equal((await api('charger-gateway', 'POST', '/api/v1/chargers', { id: chargerId, password, ...(locationId === undefined ? {} : { locationId }) })).status, 201);
    assert.ok([200, 201].includes((await api('tariff-engine', 'PUT', `/api/v1/tariffs/${tariffId}`, { ...TARIFF, id: tariffId })).status));
    const assigned = await api('tariff-engine', 'POST', `/api/v1/tariffs/${tariffId}/assignments`, { chargerId, timeZone: 'Europe/Amsterdam' });
    assert.ok([200, 201].includes(assigned.status), JSON.stringify(assigned.body));
    const charger = await startSimulatedCharger({
      url: procs.get('charger-gateway')!.base.replace('http', 'ws') + '/ocpp',
      id: chargerId,
      password,
      protocol: 'ocpp1.6',
      profile: { vendor: 'Acme', model: 'K1', firmwareVersion: '9.9', connectors: 1, meterValueIntervalS: 1 },
    });
    chargers.push(charger);
    await waitFor(async () => {
      const c = await api<{ connected: boolean; bootStatus: string }>('charger-gateway', 'GET', `/api/v1/chargers/${chargerId}`);
      return c.status === 200 && c.body.connected && c.body.bootStatus === 'ACCEPTED' ? true : undefined;
    }, `charger ${chargerId} booted and projected from Kafka`);
    return charger;
  };

  it('runs remote start → session → CDR across processes', { skip }, async () => {
    const chargerId = `KAFKA-${run}`;
    await bootedCharger(chargerId, `T-${run}`);

    const start = await api<{ commandId: string }>('charger-gateway', 'POST', `/api/v1/chargers/${chargerId}/commands`, {
      kind: 'START_SESSION',
      idToken: { id: 'KAFKA-TOKEN', type: 'RFID' },
      connectorId: 1,
    });
    assert.equal(start.status, 202);
    const session = await waitFor(async () => {
      const list = await api<{ items: { id: string; status: string }[] }>('charger-gateway', 'GET', `/api/v1/sessions?chargerId=${chargerId}`);
      return list.body.items?.[0];
    }, 'session started through the command consumed from Kafka', 60_000);
    await waitFor(async () => {
      const s = await api<{ energyWh: string }>('charger-gateway', 'GET', `/api/v1/sessions/${session.id}`);
      return Number(s.body.energyWh) > 0 ? true : undefined;
    }, 'energy metered');
    const stop = await api('charger-gateway', 'POST', `/api/v1/chargers/${chargerId}/commands`, { kind: 'STOP_SESSION', sessionId: session.id });
    assert.equal(stop.status, 202);

    const cdr = await waitFor(async () => {
      const list = await api<{ items: { id: string; cdr: { total_energy: number; total_cost: { excl_vat: number }; currency: string } }[] }>(
        'tariff-engine', 'GET', `/api/v1/cdrs?sessionId=${session.id}`,
      );
      return list.body.items?.[0];
    }, 'CDR issued by the tariff-engine process from session events read off Kafka', 60_000);
    const stopped = await api<{ energyWh: string }>('charger-gateway', 'GET', `/api/v1/sessions/${session.id}`);
    assert.equal(cdr.cdr.currency, 'EUR');
    assert.equal(cdr.cdr.total_energy, Number(stopped.body.energyWh) / 1000);
    assert.equal(cdr.cdr.total_cost.excl_vat, Number((cdr.cdr.total_energy * 0.3).toFixed(4)));
  });

  it('runs an eMSP’s START_SESSION → charging → STOP_SESSION → CDR POSTed to the eMSP, the correlation id on the command events and their Kafka headers', { skip }, async () => {
    const chargerId = `EMSP-${run}`;
    const locationId = `LOC-${run}`;
    const ocpi = procs.get('ocpi-connector')!.base;
    let emsp: EmspSimulator | undefined;
    try {
      emsp = await startEmspSimulator({ host: '127.0.0.1', partyId: 'EMS', commandResultTimeoutMs: 60_000 });
      const invitation = await api<{ partnerId: string; token: string; versionsUrl: string }>('ocpi-connector', 'POST', '/api/v1/partners/invitations', { countryCode: 'NL', partyId: 'EMS', role: 'EMSP' });
      assert.equal(invitation.status, 201, JSON.stringify(invitation.body));
      assert.ok(invitation.body.versionsUrl.startsWith(ocpi), invitation.body.versionsUrl);
      await emsp.registerWithCpo({ cpoVersionsUrl: invitation.body.versionsUrl, tokenA: invitation.body.token });
      // A partner commands only its launch scope (OCPI_UNSCOPED_PARTNERS defaults to none).
      const scoped = await api('ocpi-connector', 'PUT', `/api/v1/partners/${invitation.body.partnerId}/scope`, { charger_ids: [chargerId], reason: 'cluster e2e' });
      assert.equal(scoped.status, 200, JSON.stringify(scoped.body));

      await bootedCharger(chargerId, `T-EMSP-${run}`, locationId);
      const token = {
        country_code: 'NL', party_id: 'EMS', uid: `RFID-${run}`, type: 'RFID', contract_id: `NL-EMS-${run}`, issuer: 'Simulated eMSP',
        valid: true, whitelist: 'ALLOWED', last_updated: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      } as Token;
      assert.equal((await emsp.pushToken(token)).httpStatus, 200);

      const start = await waitFor(async () => {
        const sent = await emsp!.sendCommand('START_SESSION', { token, location_id: locationId, evse_uid: `${chargerId}-1`, connector_id: '1' });
        return sent.response?.result === 'ACCEPTED' ? sent : undefined;
      }, 'START_SESSION accepted (the charger’s location reaches the ocpi-connector over Kafka)', 60_000, 500);
      assert.equal((await start.result).result, 'ACCEPTED');
      const session = await waitFor(async () => {
        const list = await api<{ items: { id: string; status: string }[] }>('charger-gateway', 'GET', `/api/v1/sessions?chargerId=${chargerId}`);
        return list.body.items?.find((s) => s.status === 'ACTIVE');
      }, 'session started by the remote start', 60_000);
      await waitFor(async () => {
        const s = await api<{ energyWh: string }>('charger-gateway', 'GET', `/api/v1/sessions/${session.id}`);
        return Number(s.body.energyWh) > 0 ? true : undefined;
      }, 'energy metered');

      const stop = await emsp.sendCommand('STOP_SESSION', { session_id: session.id });
      assert.equal(stop.response?.result, 'ACCEPTED', JSON.stringify(stop.response));
      assert.equal((await stop.result).result, 'ACCEPTED');

      const posted = await waitFor(() => [...emsp!.received.cdrs.values()].find((c) => c.cdr['session_id'] === session.id), 'the CDR POSTed to the eMSP', 90_000);
      const stopped = await api<{ energyWh: string }>('charger-gateway', 'GET', `/api/v1/sessions/${session.id}`);
      const cost = posted.cdr['total_cost'] as { excl_vat: number; incl_vat?: number };
      assert.equal(posted.cdr['currency'], 'EUR');
      assert.equal(Number(posted.cdr['total_energy']), Number(stopped.body.energyWh) / 1000);
      assert.ok(cost.excl_vat > 0, JSON.stringify(cost));
      assert.equal(cost.excl_vat, Number((Number(posted.cdr['total_energy']) * 0.3).toFixed(4)));
      assert.equal((posted.cdr['cdr_token'] as { uid: string }).uid, token.uid);

      // The eMSP's X-Correlation-ID of START_SESSION follows the command: on its events in the store and on the
      // Kafka headers of the messages the relay published, including those the gateway appended while handling it.
      const startCall = emsp.received.calls.filter((c) => c.direction === 'out' && c.method === 'POST' && c.url.endsWith('/START_SESSION')).at(-1);
      const correlationId = startCall?.requestHeaders['x-correlation-id'];
      assert.ok(correlationId, 'the eMSP sent an X-Correlation-ID');
      const store = await openSqliteEventStore({ file: join(dataDir, 'events.sqlite') });
      let commandEvents: { type: string; correlationId?: string; traceparent?: string }[];
      let deliveries: string[];
      try {
        const requested = (await store.readAll()).find((e) => e.type === 'CommandRequested' && e.metadata[TRACE_HEADERS.correlationId] === correlationId);
        assert.ok(requested, 'CommandRequested carries the correlation id');
        // The ocpi-connector's CommandResult delivery, caused by the gateway's CommandAnswered read off Kafka.
        deliveries = (await store.readStream(`commandresult-${requested.streamId.slice('command-'.length)}`)).map((e) => `${e.type}:${e.metadata[TRACE_HEADERS.correlationId]}`);
        commandEvents = (await store.readStream(requested.streamId)).map((e) => ({
          type: e.type,
          ...(e.metadata[TRACE_HEADERS.correlationId] === undefined ? {} : { correlationId: e.metadata[TRACE_HEADERS.correlationId] }),
          ...(e.metadata[TRACE_HEADERS.traceparent] === undefined ? {} : { traceparent: e.metadata[TRACE_HEADERS.traceparent] }),
        }));
      } finally {
        await store.close();
      }
      assert.deepEqual(commandEvents.map((e) => e.type).slice(0, 3), ['CommandRequested', 'CommandSentToCharger', 'CommandAnswered']);
      for (const event of commandEvents) assert.equal(event.correlationId, correlationId, `${event.type} carries the correlation id`);
      assert.deepEqual(deliveries, [`CommandResultDelivered:${correlationId}`]);
      const traceIds = new Set(commandEvents.map((e) => e.traceparent?.split('-')[1]));
      assert.equal(traceIds.size, 1, `one trace: ${[...traceIds].join(', ')}`);

      const headers = await readKafkaHeaders(brokers!, 'roamgate.command', (h) => h[TRACE_HEADERS.correlationId] === correlationId, commandEvents.length);
      assert.deepEqual(headers.map((h) => h[EVENT_HEADERS.eventType]), commandEvents.map((e) => e.type), 'every command event reached Kafka with the correlation id header');
      assert.ok(headers.every((h) => h[TRACE_HEADERS.traceparent]?.split('-')[1] === [...traceIds][0]), 'and the trace');
      assert.ok(headers.slice(1).every((h) => h[TRACE_HEADERS.causationId] !== undefined), 'events appended by a consumer name their cause');
    } finally {
      await emsp?.stop();
    }
  });
});

/** Reads `topic` from its start with a throw-away consumer group until `count` messages match. */
async function readKafkaHeaders(brokers: string, topic: string, match: (headers: Record<string, string>) => boolean, count: number): Promise<Record<string, string>[]> {
  const kafka = new Kafka({ clientId: 'cluster-e2e-reader', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `cluster-e2e-reader-${Date.now().toString(36)}` });
  const found: Record<string, string>[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v.at(-1) : v)]));
        if (match(headers) && !found.some((f) => f[EVENT_HEADERS.eventId] === headers[EVENT_HEADERS.eventId])) found.push(headers);
      },
    });
    await waitFor(() => (found.length >= count ? true : undefined), `${count} matching messages on ${topic}`, 60_000);
    return found.sort((a, b) => Number(a[EVENT_HEADERS.revision]) - Number(b[EVENT_HEADERS.revision]));
  } finally {
    await consumer.disconnect();
  }
}
