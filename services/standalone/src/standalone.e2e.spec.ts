import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, RunningProcess, startNodeProcess, waitFor } from '@roamgate/runtime/testing';

const main = join(__dirname, 'main.js');

describe('standalone process (npm start)', () => {
  let dataDir: string;
  let base: string;
  let proc: RunningProcess;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'roamgate-standalone-'));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = startNodeProcess(main, [], { PORT: String(port), ROAMGATE_DATA_DIR: dataDir, HOST: '127.0.0.1' });
    await waitFor(async () => ((await fetch(`${base}/health`)).status === 200 ? true : undefined), 'GET /health', 60_000);
  });

  after(async () => {
    await proc.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const token = () => readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();

  it('answers liveness and readiness', async () => {
    const health = await fetch(`${base}/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await waitFor(async () => {
      const r = await fetch(`${base}/ready`);
      return r.status === 200 ? r : undefined;
    }, 'GET /ready');
    const body = (await ready.json()) as { checks: Record<string, string> };
    assert.deepEqual(body.checks, { eventStore: 'ok', bus: 'ok', relay: 'ok' });
  });

  it('serves Prometheus metrics', async () => {
    const r = await fetch(`${base}/metrics`);
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type') ?? '', /text\/plain/);
    const text = await r.text();
    assert.match(text, /^# TYPE roamgate_relay_checkpoint_position gauge$/m);
    assert.match(text, /roamgate_process_cpu_user_seconds_total\{process="standalone"\}/);
  });

  it('generates the admin token into the data directory and prints it once', () => {
    assert.ok(existsSync(join(dataDir, 'admin-token')));
    assert.ok(proc.output().includes(token()), 'token printed at first start');
  });

  it('guards the operations API with the admin token', async () => {
    assert.equal((await fetch(`${base}/api/v1/system`)).status, 401);
    assert.equal((await fetch(`${base}/api/v1/system`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    const r = await fetch(`${base}/api/v1/system`, { headers: { authorization: `Bearer ${token()}` } });
    assert.equal(r.status, 200);
    const body = (await r.json()) as { services: { name: string }[]; adapters: Record<string, string> };
    assert.deepEqual(
      body.services.map((s) => s.name),
      ['charger-gateway', 'ocpi-connector', 'tariff-engine', 'cdr-reconciler', 'gate-evaluator'],
    );
    assert.deepEqual(body.adapters, { eventStore: 'sqlite', bus: 'in-process', readModels: 'sqlite' });
  });

  it('publishes the OpenAPI document', async () => {
    const r = await fetch(`${base}/api/docs/openapi.json`);
    assert.equal(r.status, 200);
    const doc = (await r.json()) as { paths: Record<string, unknown> };
    assert.ok(doc.paths['/api/v1/system']);
    assert.equal((await fetch(`${base}/api/docs`)).status, 200);
  });
});

describe('standalone start-up with a wrong setting', () => {
  it('stops with a message naming the setting', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-badconf-'));
    try {
      const proc = startNodeProcess(main, [], { PORT: 'not-a-port', ROAMGATE_DATA_DIR: dataDir });
      const { code } = await proc.exited;
      assert.equal(code, 1);
      assert.match(proc.output(), /Invalid configuration:\n\s+- PORT: .*"not-a-port"/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('keeps the token it generated on the next start and does not print it again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-restart-'));
    try {
      for (const round of [1, 2]) {
        const port = await freePort();
        const proc = startNodeProcess(main, [], { PORT: String(port), ROAMGATE_DATA_DIR: dataDir, HOST: '127.0.0.1' });
        await waitFor(async () => ((await fetch(`http://127.0.0.1:${port}/health`)).ok ? true : undefined), 'health', 60_000);
        await waitFor(() => (proc.output().includes('listening on') ? true : undefined), 'start-up log');
        const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
        assert.equal(proc.output().includes(token), round === 1);
        await proc.stop();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
