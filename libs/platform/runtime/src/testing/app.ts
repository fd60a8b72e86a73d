import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import { startRoamgate, type ServiceModule } from '../bootstrap';
import { freePort } from './processes';

/** A service (or several) started in this process for a test, as its own process would run it. */
export interface AppUnderTest {
  readonly app: INestApplication;
  readonly baseUrl: string;
  /** An operations API call with the admin token (or `token`; null sends none), answering status, body and headers. */
  call<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

/** A fresh data directory under the OS temp directory, and how to remove it. */
export function tempDataDir(prefix: string): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Starts `services` on a free port of 127.0.0.1 with the given data directory and admin token. */
export async function startAppUnderTest(services: readonly ServiceModule[], options: { readonly dataDir: string; readonly adminToken: string }): Promise<AppUnderTest> {
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: options.dataDir, ROAMGATE_ADMIN_TOKEN: options.adminToken, LOG_LEVEL: 'error' });
  const app = await startRoamgate({ processName: 'test', services, config });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    async call(method, path, body, token = options.adminToken) {
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
