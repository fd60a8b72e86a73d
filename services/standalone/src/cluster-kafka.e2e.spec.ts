import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startSimulatedCharger, type SimulatedCharger } from '@roamgate/charger-simulator';
import { freePort, type RunningProcess, startNodeProcess, waitFor } from '@roamgate/runtime/testing';

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
        BUS: 'kafka',
        KAFKA_BROKERS: brokers!,
        LOG_LEVEL: 'warn',
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

  it('runs remote start → session → CDR across processes', { skip }, async () => {
    const chargerId = `KAFKA-${run}`;
    assert.equal((await api('charger-gateway', 'POST', '/api/v1/chargers', { id: chargerId, password: 'kafka-charger-pw' })).status, 201);
    const tariff = { ...TARIFF, id: `T-${run}` };
    assert.ok([200, 201].includes((await api('tariff-engine', 'PUT', `/api/v1/tariffs/${tariff.id}`, tariff)).status));
    const assigned = await api('tariff-engine', 'POST', `/api/v1/tariffs/${tariff.id}/assignments`, { chargerId, timeZone: 'Europe/Amsterdam' });
    assert.ok([200, 201].includes(assigned.status), JSON.stringify(assigned.body));

    const ws = procs.get('charger-gateway')!.base.replace('http', 'ws') + '/ocpp';
    let charger: SimulatedCharger | undefined;
    try {
      charger = await startSimulatedCharger({
        url: ws,
        id: chargerId,
        password: 'kafka-charger-pw',
        protocol: 'ocpp1.6',
        profile: { vendor: 'Acme', model: 'K1', firmwareVersion: '9.9', connectors: 1, meterValueIntervalS: 1 },
      });
      await waitFor(async () => {
        const c = await api<{ connected: boolean; bootStatus: string }>('charger-gateway', 'GET', `/api/v1/chargers/${chargerId}`);
        return c.status === 200 && c.body.connected && c.body.bootStatus === 'ACCEPTED' ? true : undefined;
      }, 'charger projected from Kafka');

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
    } finally {
      await charger?.stop();
    }
  });
});
