import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import { startRoamgate } from '@roamgate/runtime';
import { freePort } from '@roamgate/runtime/testing';
import { tariffEngine } from '../../tariff-engine.module';

export const ADMIN_TOKEN = 'e2e-admin-token-'.padEnd(32, 't');

export interface TariffEngineUnderTest {
  readonly app: INestApplication;
  readonly baseUrl: string;
  /** An operations API call with the admin token (or `token`), answering status, body and headers. */
  call<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export function tempDataDir(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-tariffs-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The tariff engine alone, as its own process runs it, on a free port and the given data directory. */
export async function startTariffEngine(dataDir: string): Promise<TariffEngineUnderTest> {
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dataDir, ROAMGATE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error' });
  const app = await startRoamgate({ processName: 'test', services: [tariffEngine], config });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    async call(method, path, body, token = ADMIN_TOKEN) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await response.text();
      return { status: response.status, body: text === '' ? undefined : JSON.parse(text), headers: response.headers };
    },
    stop: () => app.close(),
  };
}
