import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { loadConfig } from '@roamgate/config';
import { chargerDecider, chargerStreamName, fromStoredEvent, type ChargerStreamEvent, type DomainEvent } from '@roamgate/domain-charging';
import type { EventStore, RecordedEvent } from '@roamgate/event-store';
import { FrameDirection, FrameType, OcppVersion, timestampFromDate, type EventType } from '@roamgate/contracts';
import { AggregateRepository, EVENT_STORE, startRoamgate } from '@roamgate/runtime';
import { freePort, waitFor } from '@roamgate/runtime/testing';
import { RPCClient } from 'ocpp-rpc';
import { chargerGateway } from '../../charger-gateway.module';
import { CommandService } from '../../commands/command.service';
import { FrameLog } from '../../message-log/frame-log';
import type { OcppMessageDocument } from '../../projections/documents';
import type { FrameRecord } from '../../projections/ocpp-message.projection';
import { domainCodec } from '../domain-codec';
import { hashPassword } from '../password';

export interface TestGateway {
  readonly app: INestApplication;
  readonly port: number;
  /** ws://127.0.0.1:<port>/ocpp */
  readonly endpoint: string;
  readonly dataDir: string;
  readonly store: EventStore;
  readonly commands: CommandService;
  register(chargerId: string, password?: string): Promise<void>;
  events<T extends EventType = EventType>(streamId: string, type?: T): Promise<DomainEvent<T>[]>;
  /** The charger's message log, oldest first, in the shape frames are recorded in. */
  frames(chargerId: string): Promise<FrameRecord[]>;
  /** Polls the stream until `count` events of the type are there. */
  waitForEvents<T extends EventType>(streamId: string, type: T, count?: number, timeoutMs?: number): Promise<DomainEvent<T>[]>;
  connect(chargerId: string, protocol: 'ocpp1.6' | 'ocpp2.0.1', options?: { password?: string }): Promise<RPCClient>;
  /** Stops the app; the data directory stays when `keepData`, for a restart on it. */
  close(options?: { keepData?: boolean }): Promise<void>;
}

/**
 * The charger gateway alone, composed as the standalone process composes it, on a free port and a temp data dir.
 * `processName` names its per-process files (bus, read models): 'charger-gateway' shares them with the gateway's own main.
 */
export async function startTestGateway(env: Record<string, string> = {}, reuseDataDir?: string, processName = 'test'): Promise<TestGateway> {
  const dataDir = reuseDataDir ?? (await mkdtemp(join(tmpdir(), 'roamgate-gateway-')));
  const port = await freePort();
  const config = loadConfig({
    PORT: String(port),
    HOST: '127.0.0.1',
    ROAMGATE_DATA_DIR: dataDir,
    ROAMGATE_ADMIN_TOKEN: 'x'.repeat(32),
    LOG_LEVEL: 'error',
    ...env,
  });
  const app = await startRoamgate({ processName, services: [chargerGateway], config });
  const store = app.get<EventStore>(EVENT_STORE);
  const clients: RPCClient[] = [];
  const events = async <T extends EventType>(streamId: string, type?: T): Promise<DomainEvent<T>[]> => {
    const recorded: RecordedEvent[] = await store.readStream(streamId);
    return recorded.filter((e) => type === undefined || e.type === type).map((e) => fromStoredEvent(e) as DomainEvent<T>);
  };
  return {
    app,
    port,
    endpoint: `ws://127.0.0.1:${port}/ocpp`,
    dataDir,
    store,
    commands: app.get(CommandService),
    async register(chargerId, password) {
      const passwordHash = password === undefined ? '' : await hashPassword(password);
      await new AggregateRepository(store).handle(chargerStreamName(chargerId), chargerDecider, domainCodec<ChargerStreamEvent>(), () => [
        { type: 'RegisterCharger' as const, chargerId, passwordHash, now: new Date() },
      ]);
    },
    events,
    async frames(chargerId) {
      const found = app.get(FrameLog).page({ chargerId }, 'asc', 0, -1);
      return found.items.map(recordOf);
    },
    waitForEvents: (streamId, type, count = 1, timeoutMs = 10_000) =>
      waitFor(
        async () => {
          const found = await events(streamId, type);
          return found.length >= count ? found : undefined;
        },
        `${count} ${type} on ${streamId}`,
        timeoutMs,
        20,
      ),
    async connect(chargerId, protocol, options = {}) {
      const client = new RPCClient({
        endpoint: `ws://127.0.0.1:${port}/ocpp`,
        identity: chargerId,
        protocols: [protocol],
        strictMode: true,
        reconnect: false,
        ...(options.password === undefined ? {} : { password: options.password }),
      } as never);
      await client.connect();
      clients.push(client);
      return client;
    },
    async close(options = {}) {
      await Promise.all(clients.map((client) => client.close({ force: true }).catch(() => undefined)));
      await app.close();
      if (!options.keepData) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function recordOf(doc: OcppMessageDocument): FrameRecord {
  const protocols: Record<string, OcppVersion> = { 'ocpp1.6': OcppVersion.OCPP_VERSION_1_6, 'ocpp2.0.1': OcppVersion.OCPP_VERSION_2_0_1 };
  return {
    chargerId: doc.chargerId,
    ...(doc.at === null ? {} : { occurredAt: timestampFromDate(new Date(doc.at)) }),
    protocol: doc.protocol === null ? OcppVersion.OCPP_VERSION_UNSPECIFIED : protocols[doc.protocol]!,
    direction: doc.direction === null ? FrameDirection.UNSPECIFIED : FrameDirection[doc.direction],
    frameType: doc.frameType === null ? FrameType.UNSPECIFIED : FrameType[doc.frameType as keyof typeof FrameType],
    messageId: doc.messageId,
    action: doc.action,
    frame: doc.payload,
    latencyMs: doc.latencyMs ?? 0,
    validationError: doc.validationError ?? '',
    connectionId: doc.connectionId ?? '',
    sessionId: doc.sessionId ?? '',
    commandId: doc.commandId ?? '',
  };
}
