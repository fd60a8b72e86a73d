import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { RoamgateConfig } from '@roamgate/config';
import { isChargingDomainError, ocpp16, ocpp201 } from '@roamgate/domain-charging';
import { CONFIG } from '@roamgate/runtime';
import { createRPCError, createValidator, RPCServer, type RPCClient } from 'ocpp-rpc';
import { Validator } from 'ocpp-rpc/lib/validator';
import { FrameLog } from '../message-log/frame-log';
import { ChargerAuthenticator } from './charger-auth';
import { ChargerStreams } from './charger-streams';
import { CentralSystem, type CallHandler } from './central-system';
import { ChargerConnections, type ChargerConnection, type Subprotocol } from './connections';
import { ConnectionSweep } from './connection-sweep';
import { FrameRecorder } from './frame-recorder';
import { ocpp16Handlers } from './handlers-16';
import { ocpp201Handlers } from './handlers-201';
import { RemoteStartRecovery } from './remote-start-recovery';
import { SlotMap } from './slot-map';
import { TransactionIndex } from './transaction-index';

export const OCPP_PATH = '/ocpp/';
const SUBPROTOCOLS: readonly Subprotocol[] = ['ocpp1.6', 'ocpp2.0.1'];
const VERSION = { 'ocpp1.6': ocpp16.protocol, 'ocpp2.0.1': ocpp201.protocol } as const;
const CLOSE_GRACE_MS = 2_000;
/** A connection its dead predecessor recorded just before it died may reach the chargers read model after the start-up sweep. */
const RESWEEP_AFTER_MS = 30_000;

interface AuthSession {
  readonly registered: boolean;
  readonly securityProfile: number;
}

/** What ocpp-rpc calls for a CALL from the charger. */
type RpcCallHandler = NonNullable<Parameters<RPCClient['handle']>[1]>;

type ServerClient = RPCClient & { readonly session: AuthSession; readonly handshake: { readonly remoteAddress?: string } };

const schemasOf = (subprotocol: Subprotocol): { $id: string }[] =>
  require(`ocpp-rpc/lib/schemas/${subprotocol === 'ocpp1.6' ? 'ocpp1_6' : 'ocpp2_0_1'}.json`) as { $id: string }[];

const actionOfSchema = (schemaId: string): string | undefined => /^urn:(.+)\.req$/.exec(schemaId)?.[1];

/**
 * ocpp-rpc's strict-mode validator for the subprotocol's official schemas, except that a CALL of an action the schemas
 * do not know is NotImplemented (OCPP-J 1.6 §4.2.3, 2.0.1 Part 4 §4.2.3: "Requested Action is not known by receiver").
 * The gateway hands every action of a connection to one call handler, and ocpp-rpc validates a call before it calls
 * that handler; its own validator would answer an unknown action with ProtocolError (schema missing). Known actions
 * the gateway does not handle are NotSupported (see handle).
 */
class ActionValidator extends Validator {
  private readonly actions: ReadonlySet<string>;

  constructor(subprotocol: Subprotocol) {
    const schemas = schemasOf(subprotocol);
    super(subprotocol, createValidator(subprotocol, schemas)._ajv);
    this.actions = new Set(schemas.map((schema) => actionOfSchema(schema.$id)).filter((action): action is string => action !== undefined));
  }

  override validate(schemaId: string, params: unknown): boolean | Promise<unknown> {
    const action = actionOfSchema(schemaId);
    if (action !== undefined && !this.actions.has(action)) throw createRPCError('NotImplemented', `Unable to handle '${action}' calls`);
    return super.validate(schemaId, params);
  }
}

/**
 * Gives the connection's table of CALLs being answered (ocpp-rpc's `_pendingResponses`, a Map that every CALL empties
 * again) a SlotMap instead, for the reason SlotMap gives. Only while ocpp-rpc keeps it as an empty Map, as 2.x does:
 * anything else is left alone (slot-map.unit.spec checks the version the project uses). Returns whether it did.
 */
export function keepPendingResponsesInSlots(client: object): boolean {
  const pending = (client as { _pendingResponses?: unknown })._pendingResponses;
  if (!(pending instanceof Map) || pending.size !== 0) return false;
  (client as { _pendingResponses: unknown })._pendingResponses = new SlotMap();
  return true;
}

/** The OCPP-J endpoint `/ocpp/<chargePointId>` on the process's HTTP port. */
@Injectable()
export class OcppServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OCPP');
  private readonly handlers: Record<Subprotocol, Record<string, CallHandler>>;
  private readonly auth: ChargerAuthenticator;
  private rpc: RPCServer | undefined;
  private httpServer: Server | undefined;
  private resweep: NodeJS.Timeout | undefined;

  constructor(
    @Inject(CONFIG) private readonly config: RoamgateConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly connections: ChargerConnections,
    private readonly chargers: ChargerStreams,
    private readonly index: TransactionIndex,
    private readonly centralSystem: CentralSystem,
    private readonly frameLog: FrameLog,
    private readonly sweep: ConnectionSweep,
    private readonly recovery: RemoteStartRecovery,
  ) {
    this.handlers = { 'ocpp1.6': ocpp16Handlers(centralSystem), 'ocpp2.0.1': ocpp201Handlers(centralSystem) };
    this.auth = new ChargerAuthenticator(config.ocpp.unknownChargers);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.index.init();
    // Before any charger can connect: what a crashed predecessor left behind is settled first.
    await this.sweep.sweep().catch((error: unknown) => this.logger.error(`closing the connections of the previous gateway instance: ${String(error)}`));
    await this.recovery.recover().catch((error: unknown) => this.logger.error(`restoring pending remote starts: ${String(error)}`));
    await this.centralSystem.lost.recover().catch((error: unknown) => this.logger.error(`scheduling the close of lost transactions: ${String(error)}`));
    this.resweep = setTimeout(() => {
      this.resweep = undefined;
      this.connections.track(this.sweep.sweep(), 'closing the connections of the previous gateway instance');
    }, RESWEEP_AFTER_MS);
    this.resweep.unref();
    const rpc = new RPCServer({
      protocols: [...SUBPROTOCOLS],
      // Every frame in both directions is checked against the official JSON schemas that ship with ocpp-rpc.
      strictMode: true,
      strictModeValidators: SUBPROTOCOLS.map((subprotocol) => new ActionValidator(subprotocol)),
      // OCPP-J 1.6 §4.1.1 (2.0.1 Part 4 §4.1.1): one CALL in flight per direction; further commands queue behind it.
      callConcurrency: 1,
      callTimeoutMs: this.config.ocpp.commandTimeoutS * 1000,
      // OCPP-J 1.6 §5.3: WebSocket ping keeps the connection (and NAT entries) alive; 0 turns it off.
      pingIntervalMs: this.config.ocpp.pingIntervalS * 1000,
      // Any frame from the charger proves the connection alive, so the ping waits for a quiet interval: a charger
      // sending MeterValues is never pinged, and 5,000 chargers connected in the same seconds (a gateway restart) do
      // not get their pings in the same seconds ever after.
      deferPingsOnActivity: true,
      // OCPP-J 1.6 §4.2.3 / 2.0.1 Part 4 §4.2.3: a message that cannot be processed is answered with a CALLERROR; the connection stays up.
      maxBadMessages: Infinity,
      respondWithDetailedErrors: false,
      // OCPP frames are small; NotifyReport and GetConfiguration answers stay far below this.
      wssOptions: { maxPayload: 1024 * 1024 },
    });
    rpc.auth((accept, reject, handshake) => {
      void this.authenticate(handshake, accept, reject).catch((error: unknown) => {
        this.logger.error(`authenticating ${handshake.identity}: ${String(error)}`);
        reject(500, 'Internal error');
      });
    });
    rpc.on('client', (client: ServerClient) => this.onClient(client));
    rpc.on('error', (error: unknown) => this.logger.error(`OCPP WebSocket server: ${String(error)}`));
    this.rpc = rpc;

    this.httpServer = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.httpServer.on('upgrade', this.onUpgrade);
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (this.rpc !== undefined && path.startsWith(OCPP_PATH)) {
      void this.rpc.handleUpgrade(request, socket as never, head);
      return;
    }
    socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.destroy();
  };

  private async authenticate(
    handshake: { identity: string; endpoint: string; protocols: Set<string>; password: Buffer | undefined; request: IncomingMessage },
    accept: (session?: Record<string, unknown>, protocol?: string | false) => void,
    reject: (code: number, message: string) => void,
  ): Promise<void> {
    const chargerId = handshake.identity;
    if (handshake.endpoint !== OCPP_PATH.slice(0, -1) || chargerId === '' || chargerId.length > 64) {
      reject(404, 'Not found');
      return;
    }
    // The charger's order of preference decides when it offers both versions.
    const subprotocol = [...handshake.protocols].find((p): p is Subprotocol => SUBPROTOCOLS.includes(p as Subprotocol));
    if (subprotocol === undefined) {
      // OCPP-J 1.6 §3.1.2 / 2.0.1 Part 4 §3.1.2: complete the handshake without Sec-WebSocket-Protocol, then close at once.
      accept({ registered: false, securityProfile: 0 }, false);
      return;
    }
    const outcome = await this.auth.authenticate(
      { chargerId, password: handshake.password, request: handshake.request },
      await this.chargers.state(chargerId),
    );
    if (!outcome.accepted) {
      this.chargers.forget(chargerId);
      this.logger.warn(`refused charger ${chargerId} from ${handshake.request.socket.remoteAddress ?? '?'}: ${outcome.reason}`);
      reject(outcome.status, outcome.reason);
      return;
    }
    const session: AuthSession = { registered: outcome.registered, securityProfile: outcome.securityProfile };
    accept({ ...session }, subprotocol);
  }

  private onClient(client: ServerClient): void {
    keepPendingResponsesInSlots(client);
    const subprotocol = client.protocol as Subprotocol | undefined;
    if (subprotocol === undefined || !SUBPROTOCOLS.includes(subprotocol)) {
      void client.close({ code: 1002, reason: 'No supported OCPP subprotocol; offer ocpp1.6 or ocpp2.0.1' });
      return;
    }
    const chargerId = client.identity!;
    const protocol = VERSION[subprotocol];
    const connectionId = randomUUID();
    const connection: ChargerConnection = {
      chargerId,
      connectionId,
      subprotocol,
      protocol,
      connectedAt: new Date(),
      securityProfile: client.session.securityProfile,
      client,
      frames: new FrameRecorder(
        client,
        { chargerId, protocol, connectionId },
        (frame) => this.frameLog.record(frame),
        (error) => this.logger.error(`message log of ${chargerId}: ${error instanceof Error ? error.message : String(error)}`),
      ),
      registered: client.session.registered,
    };
    const replaced = this.connections.add(connection);
    this.connections.track(
      this.centralSystem.recordCharger(chargerId, [
        {
          type: 'RecordConnected',
          chargerId,
          connectionId,
          protocol,
          remoteAddress: client.handshake.remoteAddress ?? '',
          securityProfile: connection.securityProfile,
          now: connection.connectedAt,
        },
      ]),
      `recording the connection of ${chargerId}`,
    );
    this.registerHandlers(connection);
    client.once('close', ({ code, reason }: { code?: number; reason?: string }) => {
      connection.frames.close();
      this.connections.remove(connection);
      this.connections.track(
        this.centralSystem.recordCharger(chargerId, [
          { type: 'RecordDisconnected', chargerId, connectionId, closeCode: code ?? 1006, reason: reason ?? '', now: new Date() },
        ]),
        `recording the disconnection of ${chargerId}`,
      );
    });
    // A charger reconnecting before its old socket timed out: the newest connection is the live one.
    if (replaced !== undefined) void replaced.client.close({ code: 1000, reason: 'Replaced by a newer connection' });
  }

  private registerHandlers(connection: ChargerConnection): void {
    const table = this.handlers[connection.subprotocol];
    let previous: Promise<unknown> = Promise.resolve();
    // One handler for every action of the connection (ocpp-rpc's wildcard; ActionValidator refuses unknown actions
    // first): one closure per action was 200,000 closures, contexts and handler-map entries at 5,000 chargers,
    // which every major collection had to mark.
    const onCall: RpcCallHandler = async ({ method = '', params, messageId }) => {
      const now = new Date();
      // Calls from one charger are handled one at a time, in arrival order (OCPP-J §4.1.1 expects no more anyway).
      const result = previous.then(() => this.dispatch(connection, method, Object.hasOwn(table, method) ? table[method] : undefined, params, messageId ?? '', now));
      previous = result.catch(() => undefined);
      return (await result) as Record<string, unknown>;
    };
    connection.client.handle(onCall);
  }

  /** The CALL is in the message log before its answer (result or error) leaves. */
  private async dispatch(connection: ChargerConnection, action: string, handler: CallHandler | undefined, params: unknown, messageId: string, now: Date): Promise<object> {
    let answer: { readonly result: object } | { readonly error: unknown };
    try {
      answer = { result: await this.handle(connection, action, handler, params, messageId, now) };
    } catch (error) {
      answer = { error };
    }
    try {
      await connection.frames.logCall(messageId);
    } catch (error) {
      this.logger.error(`charger ${connection.chargerId} ${action}: message log: ${error instanceof Error ? error.message : String(error)}`);
      throw createRPCError('InternalError', 'The central system could not record the message; retry later');
    }
    if ('error' in answer) throw answer.error;
    return answer.result;
  }

  private async handle(connection: ChargerConnection, action: string, handler: CallHandler | undefined, params: unknown, messageId: string, now: Date): Promise<object> {
    if (handler === undefined) throw createRPCError('NotSupported', `${action} is not supported by this central system`);
    if (action !== 'BootNotification') await this.centralSystem.requireRegistered(connection);
    try {
      return await handler({ connection, params: params as never, messageId, now });
    } catch (error) {
      if (typeof error === 'object' && error !== null && 'rpcErrorCode' in error) throw error;
      if (isChargingDomainError(error)) throw createRPCError('PropertyConstraintViolation', error.message);
      this.logger.error(`charger ${connection.chargerId} ${action}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      throw createRPCError('InternalError', 'The central system could not process the message; retry later');
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearTimeout(this.resweep);
    this.httpServer?.off('upgrade', this.onUpgrade);
    await Promise.all(
      this.connections.all().map(async ({ client }) => {
        const timer = setTimeout(() => void client.close({ force: true }), CLOSE_GRACE_MS);
        await client.close({ code: 1001, reason: 'Central system shutting down' }).catch(() => undefined);
        clearTimeout(timer);
      }),
    );
    await this.rpc?.close({ force: true });
    await this.connections.settled();
    await this.centralSystem.lost.stop();
    await this.chargers.flush();
    await this.frameLog.flush();
  }
}
