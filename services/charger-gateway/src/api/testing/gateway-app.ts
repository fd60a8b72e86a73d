import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { Bus } from '@roamgate/bus';
import { loadConfig } from '@roamgate/config';
import type { EventType } from '@roamgate/contracts';
import type { DomainEvent } from '@roamgate/domain-charging';
import type { EventStore, RecordedEvent } from '@roamgate/event-store';
import { BUS, EVENT_STORE, startRoamgate } from '@roamgate/runtime';
import { freePort } from '@roamgate/runtime/testing';
import { chargerGateway } from '../../charger-gateway.module';
import { stored } from '../../projections/testing';

export const ADMIN_TOKEN = 'e2e-admin-token-'.padEnd(32, 'x');

export interface GatewayUnderTest {
  readonly app: INestApplication;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly events: EventStore;
  readonly bus: Bus;
  /** Appends straight to the event store, as the OCPP side would. */
  append(streamId: string, ...events: DomainEvent<EventType>[]): Promise<RecordedEvent[]>;
  /** An operations API call with the admin token (or `token`), answering status, body and headers. */
  call<T = any>(method: string, path: string, body?: unknown, token?: string | null): Promise<{ status: number; body: T; headers: Headers }>;
  stop(): Promise<void>;
}

export function tempDataDir(): { readonly dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'roamgate-gateway-api-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The charger gateway alone, as its own process would run it, on a free port and the given data directory. */
export async function startGateway(dataDir: string): Promise<GatewayUnderTest> {
  const port = await freePort();
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', ROAMGATE_DATA_DIR: dataDir, ROAMGATE_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'error' });
  const app = await startRoamgate({ processName: 'test', services: [chargerGateway], config });
  const baseUrl = `http://127.0.0.1:${port}`;
  const events = app.get<EventStore>(EVENT_STORE);
  return {
    app,
    baseUrl,
    dataDir,
    events,
    bus: app.get<Bus>(BUS),
    async append(streamId, ...domain) {
      const before = (await events.readStream(streamId)).length;
      await events.append(streamId, domain.map(stored), { expectedRevision: before === 0 ? 'no_stream' : before - 1 });
      return (await events.readStream(streamId)).slice(before);
    },
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
