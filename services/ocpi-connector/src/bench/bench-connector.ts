import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import { startEmspSimulator, type EmspSimulator } from '@roamgate/emsp-simulator';
import { startRoamgate } from '@roamgate/runtime';
import { freePort } from '@roamgate/runtime/testing';
import { ocpiConnector, OcpiConnectorModule } from '../ocpi-connector.module';
import type { OcpiSettings } from '../settings';
import { adminApi, registerEmsp } from '../testing/operations-api';

export interface BenchConnector {
  readonly app: INestApplication;
  readonly base: string;
  /** Registered with the connector as NL-EMS (the handshake done, endpoints exchanged). */
  readonly emsp: EmspSimulator;
  close(): Promise<void>;
}

const ADMIN = 'bench-admin-token-0123456789abcdef';

/**
 * The ocpi-connector alone on the embedded adapters in a temporary directory, with a simulated eMSP registered with
 * it over real HTTP: what a bench of the OCPI side needs before it measures anything.
 */
export async function startBenchConnector(settings: Partial<OcpiSettings> = {}): Promise<BenchConnector> {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-ocpi-bench-'));
  @Module({ imports: [OcpiConnectorModule.withSettings({ countryCode: 'NL', partyId: 'RGT', secretKey: Buffer.alloc(32, 5), ...settings })] })
  class BenchOcpiModule {}
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const app = await startRoamgate({
    processName: 'bench',
    services: [{ descriptor: ocpiConnector.descriptor, module: BenchOcpiModule }],
    config: loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dir, ROAMGATE_ADMIN_TOKEN: ADMIN, ROAMGATE_PUBLIC_URL: base, LOG_LEVEL: 'error' }),
  });
  const emsp = await startEmspSimulator({ host: '127.0.0.1', countryCode: 'NL', partyId: 'EMS' });
  await registerEmsp(adminApi(() => base, ADMIN), emsp, { countryCode: 'NL', partyId: 'EMS' });
  return {
    app,
    base,
    emsp,
    async close() {
      await app.close();
      await emsp.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
