import type { EventEmitter } from 'node:events';
import { FrameDirection, FrameType, timestampFromMs, type OcppVersion } from '@roamgate/contracts';
import type { FrameRecord } from '../projections/ocpp-message.projection';
import { SlotMap } from './slot-map';

export interface FrameContext {
  sessionId?: string;
  commandId?: string;
}

interface Parsed {
  readonly type: FrameType;
  readonly messageId: string;
  readonly action: string;
}

interface InboundFrame {
  readonly raw: string;
  readonly at: number;
  /** Set from ocpp-rpc's own parse (its `call` or `response` event), or by `parse` when ocpp-rpc refused the frame. */
  parsed: Parsed | undefined;
  error: string;
  context: FrameContext;
}

interface OutboundCall {
  readonly action: string;
  readonly at: number;
  readonly context: FrameContext;
}

export interface ConnectionIdentity {
  readonly chargerId: string;
  readonly protocol: OcppVersion;
  readonly connectionId: string;
}

const FRAME_TYPES = new Set<number>([FrameType.CALL, FrameType.CALL_RESULT, FrameType.CALL_ERROR]);

/** What ocpp-rpc parsed, from the `payload` of its `call` and `response` events. */
function parsedOf(payload: readonly unknown[]): Parsed {
  return { type: payload[0] as FrameType, messageId: String(payload[1]), action: payload[0] === FrameType.CALL ? String(payload[2]) : '' };
}

function parse(raw: string): Parsed | undefined {
  try {
    const frame: unknown = JSON.parse(raw);
    if (!Array.isArray(frame) || !FRAME_TYPES.has(frame[0]) || typeof frame[1] !== 'string') return undefined;
    return { type: frame[0] as FrameType, messageId: frame[1], action: frame[0] === FrameType.CALL && typeof frame[2] === 'string' ? frame[2] : '' };
  } catch {
    return undefined;
  }
}

/**
 * Turns the frames of one connection, as ocpp-rpc sees them go by, into message-log entries.
 *
 * A CALL from the charger that reaches a handler is logged once the handler named its session or command
 * (`annotate`: the write then runs beside the handler's own), or else when the handler is done (`logCall`), and
 * always before its answer leaves; the answer carries its latency. Other CALLs are logged when ocpp-rpc answers
 * them itself. Results the charger sends are matched to the CALL they answer.
 * Validation errors reported by ocpp-rpc's strict mode land on the frame that failed.
 */
export class FrameRecorder {
  private readonly inbound = new SlotMap<string, InboundFrame>();
  /** CALLs from the charger being logged or logged, waiting for their answer to leave. */
  private readonly answering = new SlotMap<string, { readonly frame: InboundFrame; readonly written: Promise<void> }>();
  // Made when first needed: commands and invalid answers are rare, and a gateway holds thousands of connections.
  private outbound: Map<string, OutboundCall> | undefined;
  private answerErrors: Map<string, string> | undefined;
  private calls: WeakMap<object, { context: FrameContext; sent: (messageId: string) => void }> | undefined;
  private lastInbound: InboundFrame | undefined;
  /** The frame ocpp-rpc announced (`call` or `response`) and is about to send. */
  private nextOutbound: Parsed | undefined;

  constructor(
    client: EventEmitter,
    private readonly identity: ConnectionIdentity,
    private readonly sink: (frame: FrameRecord) => Promise<void>,
    private readonly onLost: (error: unknown) => void,
  ) {
    client.on('message', ({ message, outbound }: { message: string | Buffer; outbound: boolean }) => {
      const raw = typeof message === 'string' ? message : message.toString('utf8');
      if (outbound) this.onOutbound(raw);
      else this.onInbound(raw);
    });
    // ocpp-rpc parses every frame: its `call` and `response` events carry what it parsed, so the recorder parses a
    // frame itself only when ocpp-rpc refused it or sent it without saying what it was.
    client.on('call', ({ outbound, payload }: { outbound: boolean; payload: unknown[] }) => {
      if (!outbound) {
        if (this.lastInbound !== undefined) this.name(this.lastInbound, parsedOf(payload));
        return;
      }
      this.nextOutbound = parsedOf(payload);
      const watched = typeof payload[3] === 'object' && payload[3] !== null ? this.calls?.get(payload[3]) : undefined;
      if (watched === undefined) return;
      (this.outbound ??= new Map()).set(String(payload[1]), { action: String(payload[2]), at: Date.now(), context: watched.context });
      watched.sent(String(payload[1]));
    });
    client.on('response', ({ outbound, payload }: { outbound: boolean; payload: unknown[] }) => {
      if (outbound) this.nextOutbound = parsedOf(payload);
      else if (this.lastInbound !== undefined) this.name(this.lastInbound, parsedOf(payload));
    });
    client.on('strictValidationFailure', (event: { messageId: string; outbound: boolean; isCall: boolean; error: Error }) => {
      const text = event.error.message;
      if (event.outbound) {
        if (!event.isCall) (this.answerErrors ??= new Map()).set(event.messageId, text);
      } else if (event.isCall) {
        const frame = this.inbound.get(event.messageId);
        if (frame !== undefined) frame.error = text;
      } else if (this.lastInbound?.parsed?.messageId === event.messageId) {
        this.lastInbound.error = text;
      }
    });
    client.on('badMessage', ({ error }: { error: Error }) => {
      const frame = this.lastInbound;
      if (frame === undefined) return;
      frame.error = error.message;
      if (frame.parsed !== undefined) return;
      // Refused before ocpp-rpc said what it was: the log still shows the type and message id it could read.
      this.name(frame, parse(frame.raw));
    });
  }

  /** Attaches the session or command a CALL from the charger belongs to, and starts logging it: call it once. */
  annotate(messageId: string, context: FrameContext): void {
    const frame = this.inbound.get(messageId);
    if (frame === undefined) return;
    frame.context = { ...frame.context, ...context };
    // Settled by logCall, which the answer waits for.
    this.logCall(messageId).catch(() => undefined);
  }

  /** Watches an outbound CALL by its params object: `sent` receives the message id ocpp-rpc gives it. */
  watchCall(params: object, context: FrameContext, sent: (messageId: string) => void): void {
    (this.calls ??= new WeakMap()).set(params, { context, sent });
  }

  /** Logs a CALL from the charger before it is answered (unless annotate did); resolves once it is durable. */
  logCall(messageId: string): Promise<void> {
    const logging = this.answering.get(messageId);
    if (logging !== undefined) return logging.written;
    const frame = this.inbound.get(messageId);
    if (frame === undefined) return Promise.resolve();
    this.inbound.delete(messageId);
    const written = this.sink(this.inboundFrame(frame));
    this.answering.set(messageId, { frame, written });
    return written;
  }

  /** Logs the CALLs the charger sent that were never answered (the connection closed first). */
  close(): void {
    for (const frame of this.inbound.values()) this.logInbound(frame);
    this.inbound.clear();
    this.answering.clear();
    this.outbound?.clear();
  }

  private onInbound(raw: string): void {
    const frame: InboundFrame = { raw, at: Date.now(), parsed: undefined, error: '', context: {} };
    this.lastInbound = frame;
    // ocpp-rpc parses the frame and reports what it is or what is wrong with it synchronously after emitting it:
    // settle once it has.
    queueMicrotask(() => this.settleInbound(frame));
  }

  /** Says what a frame from the charger is; a CALL then waits for its answer (the first of a message id does). */
  private name(frame: InboundFrame, parsed: Parsed | undefined): void {
    frame.parsed = parsed;
    if (parsed?.type === FrameType.CALL && !this.inbound.has(parsed.messageId)) this.inbound.set(parsed.messageId, frame);
  }

  private settleInbound(frame: InboundFrame): void {
    if (this.lastInbound === frame) this.lastInbound = undefined;
    const parsed = frame.parsed;
    if (parsed?.type === FrameType.CALL) {
      // Still waiting for its answer, unless ocpp-rpc could not even treat it as a call.
      if (frame.error === '' || this.inbound.get(parsed.messageId) !== frame) return;
      this.inbound.delete(parsed.messageId);
      this.logInbound(frame);
      return;
    }
    if (parsed === undefined) {
      this.logInbound(frame);
      return;
    }
    const call = this.outbound?.get(parsed.messageId);
    this.outbound?.delete(parsed.messageId);
    this.emit(FrameDirection.FROM_CHARGER, parsed, frame.raw, frame.at, {
      action: call?.action ?? '',
      latencyMs: call === undefined ? 0 : frame.at - call.at,
      validationError: frame.error,
      context: call?.context ?? {},
    });
  }

  private onOutbound(raw: string): void {
    const at = Date.now();
    const parsed = this.announced(raw) ?? parse(raw);
    if (parsed === undefined) {
      this.write(this.frame(FrameDirection.TO_CHARGER, undefined, raw, at, { context: {} }));
      return;
    }
    if (parsed.type === FrameType.CALL) {
      let call = this.outbound?.get(parsed.messageId);
      if (call === undefined) (this.outbound ??= new Map()).set(parsed.messageId, (call = { action: parsed.action, at, context: {} }));
      this.emit(FrameDirection.TO_CHARGER, parsed, raw, at, { action: parsed.action, context: call.context });
      return;
    }
    let call = this.answering.get(parsed.messageId)?.frame;
    if (call !== undefined) this.answering.delete(parsed.messageId);
    else if ((call = this.inbound.get(parsed.messageId)) !== undefined) {
      this.inbound.delete(parsed.messageId);
      this.logInbound(call);
    }
    const validationError = this.answerErrors?.get(parsed.messageId) ?? '';
    this.answerErrors?.delete(parsed.messageId);
    this.emit(FrameDirection.TO_CHARGER, parsed, raw, at, {
      action: call?.parsed?.action ?? '',
      latencyMs: call === undefined ? 0 : at - call.at,
      validationError,
      context: call?.context ?? {},
    });
  }

  /**
   * The frame ocpp-rpc announced just before sending `raw`, if `raw` is that frame: ocpp-rpc sends some frames
   * without announcing them (the CALLERROR for a refused frame), and a send that failed leaves an announcement behind.
   */
  private announced(raw: string): Parsed | undefined {
    const parsed = this.nextOutbound;
    this.nextOutbound = undefined;
    if (parsed === undefined || !raw.startsWith(`[${parsed.type},${JSON.stringify(parsed.messageId)},`)) return undefined;
    return parsed;
  }

  private logInbound(frame: InboundFrame): void {
    this.write(this.inboundFrame(frame));
  }

  private inboundFrame(frame: InboundFrame): FrameRecord {
    return this.frame(FrameDirection.FROM_CHARGER, frame.parsed, frame.raw, frame.at, {
      action: frame.parsed?.action ?? '',
      validationError: frame.parsed === undefined && frame.error === '' ? 'not an OCPP-J frame' : frame.error,
      context: frame.context,
    });
  }

  private emit(direction: FrameDirection, parsed: Parsed, raw: string, at: number, extra: Extra): void {
    this.write(this.frame(direction, parsed, raw, at, extra));
  }

  /** Frames nobody waits for. */
  private write(frame: FrameRecord): void {
    this.sink(frame).catch(this.onLost);
  }

  private frame(direction: FrameDirection, parsed: Parsed | undefined, raw: string, at: number, extra: Extra): FrameRecord {
    return {
      chargerId: this.identity.chargerId,
      occurredAt: timestampFromMs(at),
      protocol: this.identity.protocol,
      direction,
      frameType: parsed?.type ?? FrameType.UNSPECIFIED,
      messageId: parsed?.messageId ?? '',
      action: extra.action ?? '',
      frame: raw,
      latencyMs: Math.max(0, Math.min(extra.latencyMs ?? 0, 2 ** 31 - 1)),
      validationError: extra.validationError ?? '',
      connectionId: this.identity.connectionId,
      sessionId: extra.context.sessionId ?? '',
      commandId: extra.context.commandId ?? '',
    };
  }
}

interface Extra {
  readonly action?: string;
  readonly latencyMs?: number;
  readonly validationError?: string;
  readonly context: FrameContext;
}
