import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import { freePort } from '@roamgate/runtime/testing';
import { startStandalone } from '../standalone';

export interface StandaloneForTest {
  readonly app: INestApplication;
  readonly port: number;
  /** `http://127.0.0.1:<port>`, also the public URL unless the overrides name another. */
  readonly base: string;
  /** `ws://127.0.0.1:<port>/ocpp`, where chargers connect (their id appended). */
  readonly ws: string;
  readonly dataDir: string;
  /** Closes the application, then removes the data directory. */
  close(): Promise<void>;
}

/**
 * The standalone process (all five services) in this process, on a free port of 127.0.0.1 and a fresh temporary
 * data directory. `overrides` are configuration variables laid over the defaults (an undefined one drops the
 * default); `loadConfig` reads only these, so a test that sets service variables in process.env still does so itself.
 */
export async function startStandaloneForTest(overrides: Readonly<Record<string, string | undefined>> = {}): Promise<StandaloneForTest> {
  const dataDir = mkdtempSync(join(tmpdir(), 'roamgate-e2e-'));
  try {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const app = await startStandalone(
      loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_PUBLIC_URL: base, ROAMGATE_DATA_DIR: dataDir, LOG_LEVEL: 'error', ...overrides }),
    );
    return {
      app,
      port,
      base,
      ws: `ws://127.0.0.1:${port}/ocpp`,
      dataDir,
      close: async () => {
        try {
          await app.close();
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      },
    };
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}
