import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort, startNodeProcess, waitFor } from '@roamgate/runtime/testing';

const services = ['charger-gateway', 'ocpi-connector', 'tariff-engine', 'cdr-reconciler', 'gate-evaluator'];

describe('one process per service (cluster topology)', () => {
  it('starts every service from its own main on one shared data directory', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-cluster-'));
    const token = 'cluster-test-token-0123456789';
    const running = await Promise.all(
      services.map(async (name) => {
        const port = await freePort();
        const proc = startNodeProcess(join(__dirname, '..', '..', name, 'dist', 'main.js'), [], {
          PORT: String(port),
          HOST: '127.0.0.1',
          ROAMGATE_DATA_DIR: dataDir,
          ROAMGATE_ADMIN_TOKEN: token,
        });
        return { name, port, proc };
      }),
    );
    try {
      for (const { name, port, proc } of running) {
        const ready = await waitFor(async () => {
          if (proc.child.exitCode !== null) throw new Error(`${name} exited: ${proc.output()}`);
          const r = await fetch(`http://127.0.0.1:${port}/ready`);
          return r.ok ? r : undefined;
        }, `${name} ready`, 60_000);
        assert.equal(ready.status, 200);
        const system = await fetch(`http://127.0.0.1:${port}/api/v1/system`, { headers: { authorization: `Bearer ${token}` } });
        const body = (await system.json()) as { services: { name: string }[] };
        assert.deepEqual(body.services.map((s) => s.name), [name]);
      }
    } finally {
      await Promise.all(running.map(({ proc }) => proc.stop()));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
