import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { CommandResult, type CommandRequested } from '@roamgate/contracts';
import {
  commandDecider,
  commandStreamName,
  isChargingDomainError,
  ocpp16,
  ocpp201,
  sessionDecider,
  sessionStreamName,
  type CommandCommand,
  type CommandPayload,
  type CommandStreamEvent,
  type SessionStreamEvent,
} from '@roamgate/domain-charging';
import type { EventStore } from '@roamgate/event-store';
import { findAll, type ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { ChargerConnections, type ChargerConnection } from '../ocpp/connections';
import { domainCodec } from '../ocpp/domain-codec';
import { RemoteStarts } from '../ocpp/remote-starts';
import { TransactionIndex } from '../ocpp/transaction-index';
import { COMMANDS, type CommandDocument } from '../projections/documents';

const commandCodec = domainCodec<CommandStreamEvent>();
const sessionCodec = domainCodec<SessionStreamEvent>();

interface PreparedCall {
  readonly action: string;
  readonly params: Record<string, unknown>;
  readonly remoteStartId?: number;
  readonly sessionId?: string;
}

class CannotSend extends Error {
  constructor(
    message: string,
    readonly result: CommandResult = CommandResult.FAILED,
  ) {
    super(message);
  }
}

type Outcome = { readonly result: unknown } | { readonly error: unknown };

/**
 * How long after its deadline a command that no process here holds a CALL for is timed out (see recoverOpenCommands).
 * The process that sent a command times it out at the deadline itself; the margin keeps others from racing it.
 */
export const ORPHANED_COMMAND_GRACE_MS = 5_000;
/** The commands read model may not show a command sent in the last moments before a crash at start-up; it does by then. */
const RECOVER_AGAIN_AFTER_MS = 30_000;
const OPEN_STATUSES = ['REQUESTED', 'SENT'] as const;
const PAGE = 500;

/**
 * Carries out CommandRequested events for the chargers connected to this process: sends the OCPP CALL, records
 * CommandSentToCharger once it is on the wire, then the answer, the timeout or the failure.
 *
 * Redelivery is harmless: a command that is no longer `requested` on its stream is not sent again. The bus handler
 * (CommandsConsumer) returns once the CALL is sent; the answer is awaited off the bus so a slow charger does not hold up a partition.
 */
@Injectable()
export class CommandExecutor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Commands');
  private readonly repository: AggregateRepository;
  private readonly timers = new Set<NodeJS.Timeout>();
  /** Commands with an orphan timeout scheduled (see timeOutOrphan). */
  private readonly orphans = new Set<string>();
  /** Commands requested since are this process's to carry out, or a live replica's. */
  private readonly startedAt = Date.now();

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    private readonly connections: ChargerConnections,
    private readonly index: TransactionIndex,
    private readonly remote: RemoteStarts,
  ) {
    this.repository = new AggregateRepository(store);
  }

  async onApplicationBootstrap(): Promise<void> {
    const recover = () => this.recoverOpenCommands().catch((error: unknown) => this.logger.error(`scheduling the timeouts of open commands: ${String(error)}`));
    await recover();
    this.after(RECOVER_AGAIN_AFTER_MS, () => this.connections.track(recover(), 'scheduling the timeouts of open commands')).unref();
  }

  beforeApplicationShutdown(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.orphans.clear();
  }

  /**
   * Gives every command requested before this process started that the commands read model shows still requested or
   * sent a timeout at its deadline (plus ORPHANED_COMMAND_GRACE_MS). The process that sent a CALL keeps its timeout in
   * memory: one that died without its shutdown (SIGKILL, out of memory, power loss) would leave the command SENT for
   * good, and its requester (an eMSP waiting for its CommandResult) would never hear; no answer can come on the
   * connection that died with it. A command still in flight in a live process (another replica) gets its own outcome
   * there first, and the stream keeps that. Returns how many it scheduled.
   */
  async recoverOpenCommands(): Promise<number> {
    const open: { id: string; deadline: number }[] = [];
    for (const status of OPEN_STATUSES) {
      for await (const doc of findAll<CommandDocument>(this.readModels, COMMANDS, { where: { status } }, PAGE)) {
        const requestedAt = doc.data.requestedAt === null ? Number.NaN : Date.parse(doc.data.requestedAt);
        if (requestedAt < this.startedAt && doc.data.timeoutMs !== null) open.push({ id: doc.id, deadline: requestedAt + doc.data.timeoutMs });
      }
    }
    // Scheduled once all are read: a timeout that fires changes the status the pages above are read by.
    const scheduled = open.filter(({ id, deadline }) => this.timeOutOrphan(id, deadline));
    if (scheduled.length > 0) this.logger.log(`${scheduled.length} command(s) left open before this start: each times out at its deadline unless answered first`);
    return scheduled.length;
  }

  async execute(requested: CommandRequested): Promise<void> {
    const { commandId, chargerId } = requested;
    const { state } = await this.repository.load(commandStreamName(commandId), commandDecider, commandCodec);
    const deadline = state.deadline?.getTime() ?? Date.now();
    // Delivered again once sent: after a crash, nothing here would time it out otherwise.
    if (state.status === 'sent') this.timeOutOrphan(commandId, deadline);
    if (state.status !== 'requested' || requested.payload.case === undefined) return;
    if (Date.now() >= deadline) {
      await this.record(commandId, { type: 'TimeOut', commandId, now: new Date() });
      return;
    }
    const connection = this.connections.get(chargerId);
    if (connection === undefined) {
      await this.fail(commandId, `charger ${chargerId} is not connected to this gateway`);
      return;
    }
    let call: PreparedCall;
    try {
      call = await this.prepare(requested.payload, connection);
    } catch (error) {
      if (error instanceof CannotSend) return this.fail(commandId, error.message, error.result);
      if (isChargingDomainError(error)) {
        return this.fail(commandId, error.message, error.code === 'UNSUPPORTED_COMMAND' ? CommandResult.NOT_SUPPORTED : CommandResult.FAILED);
      }
      throw error;
    }
    await this.send(commandId, connection, call, deadline);
  }

  private async prepare(payload: CommandPayload, connection: ChargerConnection): Promise<PreparedCall> {
    let sessionId: string | undefined;
    if (payload.case === 'stopSession') {
      sessionId = payload.value.sessionId || undefined;
      let transactionId = payload.value.transactionId;
      if (sessionId !== undefined) {
        const { state } = await this.repository.load(sessionStreamName(sessionId), sessionDecider, sessionCodec);
        if (state.status === 'none') throw new CannotSend(`session ${sessionId} is unknown`);
        if (state.chargerId !== connection.chargerId) throw new CannotSend(`session ${sessionId} is on charger ${state.chargerId}, not ${connection.chargerId}`);
        transactionId ||= state.transactionId;
      }
      if (transactionId === '') throw new CannotSend('STOP_SESSION needs the session id (or the OCPP transaction id)');
      payload = { case: 'stopSession', value: { ...payload.value, transactionId } };
    }
    if (connection.subprotocol === 'ocpp1.6') {
      const { action, payload: params } = ocpp16.call(payload);
      return { action, params: { ...params }, ...(sessionId === undefined ? {} : { sessionId }) };
    }
    const remoteStartId = payload.case === 'startSession' ? await this.index.nextInteger() : undefined;
    const { action, payload: params } = ocpp201.call(payload, remoteStartId === undefined ? {} : { remoteStartId });
    return { action, params: { ...params }, ...(remoteStartId === undefined ? {} : { remoteStartId }), ...(sessionId === undefined ? {} : { sessionId }) };
  }

  private async send(commandId: string, connection: ChargerConnection, call: PreparedCall, deadline: number): Promise<void> {
    const { chargerId } = connection;
    this.expectEffects(commandId, connection, call);
    const sent = new Promise<string>((resolve) =>
      connection.frames.watchCall(call.params, { commandId, ...(call.sessionId === undefined ? {} : { sessionId: call.sessionId }) }, resolve),
    );
    const controller = new AbortController();
    const outcome: Promise<Outcome> = connection.client
      .call(call.action, call.params, { callTimeoutMs: Math.max(1, deadline - Date.now()) + 1_000, signal: controller.signal })
      .then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
    const first = await Promise.race([sent.then((messageId) => ({ messageId })), outcome]);
    if (!('messageId' in first)) {
      await this.recordOutcome(commandId, call, '', first, deadline);
      return;
    }
    await this.record(commandId, {
      type: 'MarkSent',
      commandId,
      protocol: connection.protocol,
      action: call.action,
      messageId: first.messageId,
      ...(call.remoteStartId === undefined ? {} : { remoteStartId: call.remoteStartId }),
      now: new Date(),
    });
    const timer = this.after(Math.max(0, deadline - Date.now()), () => {
      controller.abort();
      this.connections.track(this.record(commandId, { type: 'TimeOut', commandId, now: new Date(Math.max(Date.now(), deadline)) }), `timing out command ${commandId}`);
    });
    this.connections.track(
      outcome.then((settled) => {
        clearTimeout(timer);
        this.timers.delete(timer);
        return controller.signal.aborted ? undefined : this.recordOutcome(commandId, call, first.messageId, settled, deadline);
      }),
      `recording the answer to command ${commandId} on ${chargerId}`,
    );
  }

  /** Remote starts and stops are announced before the CALL, because the charger's transaction message can beat its answer. */
  private expectEffects(commandId: string, connection: ChargerConnection, call: PreparedCall): void {
    const { chargerId } = connection;
    if (call.action === 'RemoteStartTransaction') {
      this.remote.expect16(chargerId, String(call.params['idTag']), call.params['connectorId'] as number | undefined, commandId);
    } else if (call.action === 'RequestStartTransaction' && call.remoteStartId !== undefined) {
      this.remote.expect201(chargerId, call.remoteStartId, commandId);
    } else if (call.sessionId !== undefined) {
      this.remote.expectStop(call.sessionId, commandId);
    }
  }

  private async recordOutcome(commandId: string, call: PreparedCall, messageId: string, outcome: Outcome, deadline: number): Promise<void> {
    const now = new Date();
    if ('result' in outcome) {
      const answer = ocpp16Or201AnswerStatus(call.action, outcome.result);
      await this.record(commandId, { type: 'RecordAnswer', commandId, messageId, action: call.action, status: answer, payloadJson: JSON.stringify(outcome.result ?? {}), now });
      return;
    }
    const error = outcome.error as { name?: string; message?: string; rpcErrorCode?: string; details?: { errors?: unknown } } | undefined;
    if (error?.name === 'TimeoutError' || (error?.name === 'AbortError' && now.getTime() >= deadline)) {
      await this.record(commandId, { type: 'TimeOut', commandId, now: new Date(Math.max(now.getTime(), deadline)) });
    } else if (messageId !== '' && error?.rpcErrorCode !== undefined) {
      const invalid = error.details?.errors !== undefined;
      await this.record(commandId, {
        type: 'RecordAnswer',
        commandId,
        messageId,
        action: call.action,
        error: { code: error.rpcErrorCode, description: invalid ? `the answer failed schema validation: ${error.message ?? ''}` : (error.message ?? '') },
        now,
      });
    } else if (messageId === '') {
      await this.fail(commandId, `the ${call.action} CALL could not be sent: ${error?.message ?? String(outcome.error)}`);
    } else {
      await this.fail(commandId, `the connection closed before the charger answered ${call.action}`);
    }
  }

  /** A timeout for a command no CALL of this process waits for; false when one is scheduled already. */
  private timeOutOrphan(commandId: string, deadline: number): boolean {
    if (this.orphans.has(commandId)) return false;
    this.orphans.add(commandId);
    this.after(Math.max(0, deadline + ORPHANED_COMMAND_GRACE_MS - Date.now()), () => {
      this.orphans.delete(commandId);
      this.connections.track(this.record(commandId, { type: 'TimeOut', commandId, now: new Date() }), `timing out command ${commandId}`);
    });
    return true;
  }

  /** Runs `work` after the delay unless the application shuts down first (beforeApplicationShutdown clears `timers`). */
  private after(delayMs: number, work: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      work();
    }, delayMs);
    this.timers.add(timer);
    return timer;
  }

  private fail(commandId: string, reason: string, result: CommandResult = CommandResult.FAILED): Promise<void> {
    this.logger.warn(`command ${commandId}: ${reason}`);
    return this.record(commandId, { type: 'Fail', commandId, reason, result, now: new Date() });
  }

  private async record(commandId: string, command: CommandCommand): Promise<void> {
    await this.repository.handle(commandStreamName(commandId), commandDecider, commandCodec, () => [command]);
  }
}

function ocpp16Or201AnswerStatus(action: string, result: unknown): string {
  return action === 'GetVariables' || action === 'SetVariables' ? ocpp201.answerStatus(action, result) : ocpp16.answerStatus(action, result);
}
