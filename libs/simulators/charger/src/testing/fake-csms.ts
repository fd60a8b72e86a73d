import type { AddressInfo } from 'node:net';
import { RPCServer } from 'ocpp-rpc';
import type RPCServerClient from 'ocpp-rpc/lib/server-client';
import type { OcppProtocol } from '../model';

export interface RecordedCall {
  readonly chargerId: string;
  readonly protocol: string;
  readonly action: string;
  readonly payload: any;
  readonly messageId: string;
  readonly receivedAt: Date;
  answer?: any;
}

export interface RecordedConnection {
  readonly chargerId: string;
  readonly protocol: string;
  readonly password: string | undefined;
  readonly connectedAt: Date;
  closedAt?: Date;
  closeCode?: number;
}

export interface FakeCsmsOptions {
  readonly protocols?: readonly OcppProtocol[];
  /** Interval returned in BootNotification.conf (default 300 s). */
  readonly heartbeatIntervalS?: number;
  /** Decides BootNotification answers; `attempt` counts from 1 per charger. */
  readonly boot?: (chargerId: string, attempt: number) => { status: 'Accepted' | 'Pending' | 'Rejected'; interval?: number };
  /** When set, HTTP Basic auth is required and the password must match. */
  readonly passwords?: Readonly<Record<string, string>>;
  /** Overrides the answer to an action. */
  readonly answers?: Readonly<Record<string, (call: RecordedCall) => object>>;
}

/**
 * A minimal CSMS on ocpp-rpc's strict RPCServer: records every valid CALL a charger makes and answers it plausibly;
 * invalid frames get the CALLERROR ocpp-rpc chooses, recorded in `errorsSent`.
 */
export interface FakeCsms {
  /** Base URL to give chargers: ws://127.0.0.1:<port>/ocpp */
  readonly url: string;
  readonly calls: readonly RecordedCall[];
  readonly connections: readonly RecordedConnection[];
  readonly errorsSent: readonly { readonly chargerId: string; readonly payload: readonly unknown[] }[];
  callsOf(chargerId: string, action?: string): RecordedCall[];
  /** Sends a CALL to a connected charger and resolves with its answer. */
  call(chargerId: string, action: string, payload: object): Promise<any>;
  isConnected(chargerId: string): boolean;
  close(): Promise<void>;
}

export async function startFakeCsms(options: FakeCsmsOptions = {}): Promise<FakeCsms> {
  const server = new RPCServer({
    protocols: [...(options.protocols ?? ['ocpp1.6', 'ocpp2.0.1'])],
    strictMode: true,
    callTimeoutMs: 10_000,
  });
  const calls: RecordedCall[] = [];
  const connections: RecordedConnection[] = [];
  const errorsSent: { chargerId: string; payload: unknown[] }[] = [];
  const clients = new Map<string, RPCServerClient>();
  const bootAttempts = new Map<string, number>();
  let nextTransactionId = 1;

  server.auth((accept, reject, handshake) => {
    const password = handshake.password?.toString('utf8');
    const expected = options.passwords?.[handshake.identity];
    if (options.passwords && (expected === undefined || password !== expected)) return reject(401, 'Unauthorized');
    accept({ password });
  });

  const answer = (call: RecordedCall): object => {
    const override = options.answers?.[call.action];
    if (override) return override(call);
    const now = new Date().toISOString();
    const v16 = call.protocol === 'ocpp1.6';
    switch (call.action) {
      case 'BootNotification': {
        const attempt = (bootAttempts.get(call.chargerId) ?? 0) + 1;
        bootAttempts.set(call.chargerId, attempt);
        const decided = options.boot?.(call.chargerId, attempt) ?? { status: 'Accepted' };
        return { status: decided.status, currentTime: now, interval: decided.interval ?? options.heartbeatIntervalS ?? 300 };
      }
      case 'Heartbeat':
        return { currentTime: now };
      case 'Authorize':
        return v16 ? { idTagInfo: { status: 'Accepted' } } : { idTokenInfo: { status: 'Accepted' } };
      case 'StartTransaction':
        return { transactionId: nextTransactionId++, idTagInfo: { status: 'Accepted' } };
      case 'StopTransaction':
        return { idTagInfo: { status: 'Accepted' } };
      case 'DataTransfer':
        return { status: 'Accepted' };
      default:
        return {};
    }
  };

  server.on('client', (client: RPCServerClient) => {
    const chargerId = client.identity!;
    const protocol = client.protocol!;
    clients.set(chargerId, client);
    const connection: RecordedConnection = {
      chargerId,
      protocol,
      password: client.session['password'] as string | undefined,
      connectedAt: new Date(),
    };
    connections.push(connection);
    client.on('close', ({ code }: { code: number }) => {
      connection.closedAt = new Date();
      connection.closeCode = code;
      if (clients.get(chargerId) === client) clients.delete(chargerId);
    });
    client.on('response', ({ outbound, payload }: { outbound: boolean; payload: unknown[] }) => {
      if (outbound && payload[0] === 4) errorsSent.push({ chargerId, payload });
    });
    client.on('badMessage', ({ response }: { response: unknown[] | null }) => {
      if (response) errorsSent.push({ chargerId, payload: response });
    });
    client.handle(async ({ method, params, messageId }) => {
      const call: RecordedCall = {
        chargerId,
        protocol,
        action: method!,
        payload: params,
        messageId: messageId!,
        receivedAt: new Date(),
      };
      calls.push(call);
      call.answer = answer(call);
      return call.answer;
    });
  });

  const httpServer = await server.listen(0, '127.0.0.1');
  const { port } = httpServer.address() as AddressInfo;

  return {
    url: `ws://127.0.0.1:${port}/ocpp`,
    calls,
    connections,
    errorsSent,
    callsOf: (chargerId, action) =>
      calls.filter((call) => call.chargerId === chargerId && (action === undefined || call.action === action)),
    call: (chargerId, action, payload) => {
      const client = clients.get(chargerId);
      if (!client) return Promise.reject(new Error(`${chargerId} is not connected`));
      return client.call(action, payload);
    },
    isConnected: (chargerId) => clients.has(chargerId),
    close: () => server.close({ force: true }),
  };
}
