import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { CommandOrigin, decodeEventBinary, decodeEventJson, encodeEventJson, type CommandResultDelivered, type CommandResultDeliveryFailed } from '@roamgate/contracts';
import { commandDecider, commandStreamName } from '@roamgate/domain-charging';
import type { EventStore, Json } from '@roamgate/event-store';
import { findAll, type ReadModelStore } from '@roamgate/read-models';
import { AggregateRepository, EVENT_STORE, KeyedTurns, READ_MODELS, runWithTraceContext, traceContextFrom, type Decider, type EventCodec } from '@roamgate/runtime';
import { PartnerRepository } from '../../partners/partner.repository';
import { OCPI_SETTINGS, type OcpiSettings } from '../../settings';
import { OcpiClient } from '../transport/ocpi-client';
import { unseal } from '../transport/secrets';
import { keptTraceHeaders } from '../transport/trace';
import type { CommandResultBody, CommandResultType } from './commands.dto';
import { commandCodec } from './commands.service';
import { commandRequester, sessionOwnership, type CommandRequester } from './session-ownership';

export const COMMAND_RESULTS_GROUP = 'ocpi-connector-commands';
export const COMMAND_RESULTS_TOPICS = ['roamgate.command', 'roamgate.session'];
const OUTCOMES = new Set(['CommandAnswered', 'CommandTimedOut', 'CommandFailed']);
// Mirrors @roamgate/relay EVENT_HEADERS, which this service does not depend on.
const HEADER = { eventType: 'roamgate-event-type', streamId: 'roamgate-stream-id' } as const;

/** Backoff of CommandResult deliveries: initialDelayMs, doubled per failed attempt, capped at maxDelayMs. */
export interface CommandResultRetryPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}
export const COMMAND_RESULT_RETRY = Symbol('roamgate.ocpi.command-result-retry');
export const DEFAULT_COMMAND_RESULT_RETRY: CommandResultRetryPolicy = { initialDelayMs: 1_000, maxDelayMs: 5 * 60_000 };

export const COMMAND_RESULTS = { name: 'ocpi_command_results', indexes: ['status', 'partnerId'] } as const;
/** The session an OCPI START_SESSION started (id: the command id), for an outcome that arrives after the start. */
export const COMMAND_STARTS = { name: 'ocpi_command_starts', indexes: [] } as const;
type CommandStartDocument = { readonly commandId: string; readonly sessionId: string };
export type CommandResultDocument = {
  readonly commandId: string;
  readonly partnerId: string;
  readonly responseUrl: string;
  readonly body: CommandResultBody;
  readonly status: 'pending' | 'delivered';
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastError: string | null;
  /** Trace headers of the outcome event's handling: every POST carries that chain's X-Correlation-ID. */
  readonly trace?: Readonly<Record<string, string>>;
};

export function backoffMs(policy: CommandResultRetryPolicy, failedAttempts: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

/** What the partner is told, from the command's outcome event. */
export function commandResultOf(type: string, data: Record<string, unknown>): CommandResultBody {
  const text = (value: string) => [{ language: 'en', text: value.slice(0, 512) }];
  if (type === 'CommandTimedOut') return { result: 'TIMEOUT', message: text(`the charger did not answer within ${String(data['timeoutSeconds'] ?? '?')} s`) };
  const result = String(data['result'] ?? 'COMMAND_RESULT_FAILED').replace(/^COMMAND_RESULT_/, '') as CommandResultType;
  const known: CommandResultType = result === ('UNSPECIFIED' as CommandResultType) ? 'FAILED' : result;
  if (type === 'CommandFailed') return { result: known, ...(data['reason'] ? { message: text(String(data['reason'])) } : {}) };
  const detail = [data['status'], data['errorCode'], data['errorDescription']].filter((v) => typeof v === 'string' && v !== '').join(': ');
  return { result: known, ...(detail ? { message: text(`charger answered ${detail}`) } : {}) };
}

type DeliveryEvent = { type: 'CommandResultDelivered'; data: CommandResultDelivered } | { type: 'CommandResultDeliveryFailed'; data: CommandResultDeliveryFailed };
type DeliveryState = { readonly attempts: number; readonly delivered: boolean };
type DeliveryCommand = { readonly event: DeliveryEvent };

const deliveryDecider: Decider<DeliveryState, DeliveryCommand, DeliveryEvent> = {
  initialState: () => ({ attempts: 0, delivered: false }),
  evolve: (state, event) => ({ attempts: state.attempts + 1, delivered: state.delivered || event.type === 'CommandResultDelivered' }),
  decide: (command, state) => (state.delivered ? [] : [command.event]),
};
const deliveryCodec: EventCodec<DeliveryEvent> = {
  toStored: (event) => ({ type: event.type, data: encodeEventJson(event.type, event.data) as Json }),
  fromStored: (stored) => ({ type: stored.type, data: decodeEventJson(stored.type, stored.data as never, { ignoreUnknownFields: true }) }) as DeliveryEvent,
};
/** Delivery attempts live beside the command, not on it: the command stream is the gateway's, folded by its decider. */
export const deliveryStreamName = (commandId: string): string => `commandresult-${commandId}`;

/**
 * Posts the CommandResult of every OCPI command to its response_url, retrying with exponential backoff until the
 * partner acknowledges it, because OCPI never retries it. Each attempt is an event (CommandResultDelivered /
 * CommandResultDeliveryFailed on commandresult-<id>) and the ocpi_command_results read model, written in the same
 * step, lists what is still pending, so a restart picks the deliveries up where they were.
 *
 * It also guards against the FIELD-NOTES trap of a session starting after TIMEOUT was reported: such a session is
 * stopped at once with a STOP_SESSION of origin BUS (the partner was told the start failed, so nobody would pay).
 * The same holds for a FAILED start, and in either order: the charger may start the session before the command times
 * out (its answer lost or late), so the session and the outcome are handled in turns per command, and whichever comes
 * second stops the session.
 */
@Injectable()
export class CommandResults implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OcpiCommandResults');
  private readonly aggregates: AggregateRepository;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopping = false;
  private readonly turns = new KeyedTurns();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(OCPI_SETTINGS) private readonly settings: OcpiSettings,
    @Inject(COMMAND_RESULT_RETRY) private readonly retry: CommandResultRetryPolicy,
    private readonly partners: PartnerRepository,
    private readonly client: OcpiClient,
  ) {
    this.aggregates = new AggregateRepository(store);
  }

  async onModuleInit(): Promise<void> {
    await this.readModels.ensureCollection(COMMAND_RESULTS);
    await this.readModels.ensureCollection(COMMAND_STARTS);
  }

  async onApplicationBootstrap(): Promise<void> {
    for await (const { data } of findAll<CommandResultDocument>(this.readModels, COMMAND_RESULTS.name, { where: { status: 'pending' } }, 500)) {
      this.schedule(data.commandId, Date.parse(data.nextAttemptAt));
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  async pending(): Promise<CommandResultDocument[]> {
    return (await this.readModels.find<CommandResultDocument>(COMMAND_RESULTS.name, { where: { status: 'pending' }, limit: 1000 })).items.map((d) => d.data);
  }

  async get(commandId: string): Promise<CommandResultDocument | undefined> {
    return (await this.readModels.get<CommandResultDocument>(COMMAND_RESULTS.name, commandId))?.data;
  }

  /**
   * Whether onMessage does anything with the message: a command outcome or a session start. The session topic is
   * mostly meter values, which the consumer skips before entering their trace context.
   */
  concerns(message: DeliveredMessage): boolean {
    const type = message.headers[HEADER.eventType] ?? '';
    return OUTCOMES.has(type) || type === 'SessionStarted';
  }

  /** A message of roamgate.command or roamgate.session (OcpiBusConsumers, group COMMAND_RESULTS_GROUP). */
  async onMessage(message: DeliveredMessage): Promise<void> {
    const type = message.headers[HEADER.eventType] ?? '';
    if (OUTCOMES.has(type)) {
      const data = decodeEventJsonOf(type, message.value);
      if (type === 'CommandAnswered' && data['late']) return;
      const commandId = String(data['commandId']);
      await this.turns.run(commandId, async () => {
        await this.enqueue(commandId, commandResultOf(type, data));
        if (type === 'CommandAnswered') return;
        const started = await this.readModels.get<CommandStartDocument>(COMMAND_STARTS.name, commandId);
        if (started) await this.stopIfStartedAfterFailure(started.data.sessionId, await commandRequester(this.store, commandId));
      });
    } else if (type === 'SessionStarted') {
      const data = decodeEventJsonOf(type, message.value);
      if (!data['commandId']) return;
      const commandId = String(data['commandId']);
      const sessionId = String(data['sessionId']);
      await this.turns.run(commandId, async () => {
        const requester = await commandRequester(this.store, commandId);
        if (!isOcpiStart(requester)) return;
        await this.readModels.upsert<CommandStartDocument>(COMMAND_STARTS.name, commandId, { commandId, sessionId }, 0);
        await this.stopIfStartedAfterFailure(sessionId, requester);
      });
    }
  }

  /** Records the result as pending (once per command) and delivers it; redelivered outcome events change nothing. */
  async enqueue(commandId: string, body: CommandResultBody): Promise<void> {
    if (await this.get(commandId)) return;
    const requester = await commandRequester(this.store, commandId);
    if (!requester || requester.origin !== 'COMMAND_ORIGIN_OCPI') return;
    if (!requester.responseUrl || !requester.partnerId) return;
    const document: CommandResultDocument = {
      commandId,
      partnerId: requester.partnerId,
      responseUrl: requester.responseUrl,
      body,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: new Date().toISOString(),
      lastError: null,
      trace: keptTraceHeaders(),
    };
    await this.readModels.upsert(COMMAND_RESULTS.name, commandId, document, 0);
    this.schedule(commandId, Date.now());
  }

  private schedule(commandId: string, at: number): void {
    if (this.stopping) return;
    clearTimeout(this.timers.get(commandId));
    const timer = setTimeout(() => {
      this.timers.delete(commandId);
      if (this.inFlight.has(commandId)) return;
      const attempt = this.attempt(commandId)
        .catch((error: unknown) => {
          this.logger.error(`delivering the CommandResult of ${commandId}: ${(error as Error).message}`);
          this.schedule(commandId, Date.now() + this.retry.maxDelayMs);
        })
        .finally(() => this.inFlight.delete(commandId));
      this.inFlight.set(commandId, attempt);
    }, Math.max(0, at - Date.now()));
    this.timers.set(commandId, timer);
  }

  private async attempt(commandId: string): Promise<void> {
    const document = await this.get(commandId);
    if (!document || document.status === 'delivered') return;
    // In the context of the outcome's handling (also after a restart), so the POST and its events carry its chain.
    await runWithTraceContext(traceContextFrom(document.trace ?? {}), () => this.deliver(document));
  }

  private async deliver(document: CommandResultDocument): Promise<void> {
    const commandId = document.commandId;
    const attempt = document.attempts + 1;
    const base = { commandId, partnerId: document.partnerId, responseUrl: document.responseUrl, attempt, occurredAt: new Date().toISOString() };
    let event: DeliveryEvent;
    let next: CommandResultDocument;
    try {
      const httpStatus = await this.post(document);
      event = {
        type: 'CommandResultDelivered',
        data: decodeEventJson('CommandResultDelivered', { ...base, result: `COMMAND_RESULT_${document.body.result}`, httpStatus }),
      };
      next = { ...document, status: 'delivered', attempts: attempt, lastError: null };
    } catch (error) {
      const nextAttemptAt = new Date(Date.now() + backoffMs(this.retry, attempt)).toISOString();
      const httpStatus = (error as { httpStatus?: number }).httpStatus ?? 0;
      const reason = (error as Error).message;
      event = { type: 'CommandResultDeliveryFailed', data: decodeEventJson('CommandResultDeliveryFailed', { ...base, httpStatus, error: reason, nextAttemptAt }) };
      next = { ...document, attempts: attempt, nextAttemptAt, lastError: reason };
    }
    const result = await this.aggregates.handle(deliveryStreamName(commandId), deliveryDecider, deliveryCodec, () => [{ event }]);
    await this.readModels.upsert(COMMAND_RESULTS.name, commandId, next, result.revision + 1);
    if (next.status === 'pending') this.schedule(commandId, Date.parse(next.nextAttemptAt));
  }

  private async post(document: CommandResultDocument): Promise<number> {
    const partner = await this.partners.get(document.partnerId);
    if (!partner?.outboundTokenSealed || partner.status !== 'REGISTERED') {
      throw Object.assign(new Error(`partner ${document.partnerId} is not registered: no token to present`), { httpStatus: 0 });
    }
    const party = partner.party ?? partner.roles[0];
    const response = await this.client.request({
      method: 'POST',
      url: document.responseUrl,
      token: unseal(this.settings.secretKey, partner.outboundTokenSealed, partner.id),
      encodeToken: !partner.acceptsUnencodedTokens,
      partnerId: partner.id,
      module: 'commands',
      body: document.body,
      ...(party ? { routing: { from: this.settings, to: { countryCode: party.countryCode, partyId: party.partyId } } } : {}),
    });
    return response.httpStatus;
  }

  /**
   * Stops the session an OCPI START_SESSION started when the partner is told the start timed out or failed; `requester`
   * is read in the command's turn, so its outcome is the one the partner is told.
   */
  private async stopIfStartedAfterFailure(sessionId: string, requester: CommandRequester | undefined): Promise<void> {
    if (!isOcpiStart(requester) || (requester.outcome !== 'timed_out' && requester.outcome !== 'failed')) return;
    const commandId = requester.commandId;
    const session = await sessionOwnership(this.store, sessionId);
    if (!session || session.stopped) return;
    const stopId = `after-timeout-${sessionId}`;
    const told = requester.outcome === 'timed_out' ? 'TIMEOUT' : 'FAILED';
    this.logger.warn(`session ${sessionId} of START_SESSION ${commandId} runs though ${requester.partnerId} is told ${told}: stopping it`);
    await this.aggregates.handle(commandStreamName(stopId), commandDecider, commandCodec, () => [
      {
        type: 'RequestCommand' as const,
        commandId: stopId,
        chargerId: session.chargerId,
        payload: { case: 'stopSession' as const, value: { sessionId, transactionId: session.transactionId } },
        origin: CommandOrigin.BUS,
        partnerId: requester.partnerId,
        requestedBy: `ocpi-connector: START_SESSION ${commandId} was reported ${told}`,
        timeoutMs: 60_000,
        now: new Date(),
      },
    ]);
  }
}

function isOcpiStart(requester: CommandRequester | undefined): requester is CommandRequester {
  return requester !== undefined && requester.origin === 'COMMAND_ORIGIN_OCPI' && requester.kind === 'COMMAND_KIND_START_SESSION';
}

function decodeEventJsonOf(type: string, value: Uint8Array): Record<string, unknown> {
  return encodeEventJson(type, decodeEventBinary(type, value)) as Record<string, unknown>;
}
