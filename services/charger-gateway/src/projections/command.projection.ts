import { CommandKind, CommandOrigin, CommandResult, encodeEventJson, type EventMessage } from '@roamgate/contracts';
import type { ChargerMix, CommandDocument, CommandStatus } from './documents';
import { iso, label, orNull } from './labels';
import type { ProjectedEvent } from './projected-event';

export function newCommand(id: string): CommandDocument {
  return {
    id,
    kind: null,
    chargerId: null,
    origin: null,
    status: null,
    result: null,
    payload: null,
    partnerId: null,
    responseUrl: null,
    requestedBy: null,
    timeoutMs: null,
    requestedAt: null,
    sentAt: null,
    answeredAt: null,
    completedAt: null,
    latencyMs: null,
    action: null,
    messageId: null,
    answerStatus: null,
    answerPayload: null,
    errorCode: null,
    errorDescription: null,
    failureReason: null,
    lateAnswer: false,
    sessionId: null,
    delivery: null,
    vendor: null,
    model: null,
    firmwareVersion: null,
    sources: {},
  };
}

/** The command a command- or session-stream event is about, if any. */
export function commandIdOf(event: ProjectedEvent): string | undefined {
  switch (event.type) {
    case 'CommandRequested':
    case 'CommandSentToCharger':
    case 'CommandAnswered':
    case 'CommandTimedOut':
    case 'CommandFailed':
    case 'CommandResultDelivered':
    case 'CommandResultDeliveryFailed':
      return event.data.commandId;
    case 'SessionStarted':
    case 'SessionStopped':
      return orNull(event.data.commandId) ?? undefined;
    default:
      return undefined;
  }
}

/**
 * The command document after the event. Command and session streams both feed it and may arrive in
 * either order, so each event only sets what it knows. `mix` is the charger's mix when the command was requested.
 */
export function projectCommand(current: CommandDocument | undefined, event: ProjectedEvent, mix: ChargerMix): CommandDocument {
  const doc = current ?? newCommand(commandIdOf(event) ?? '');
  switch (event.type) {
    case 'CommandRequested': {
      const { data } = event;
      return {
        ...doc,
        kind: label(CommandKind, data.kind),
        chargerId: data.chargerId,
        origin: label(CommandOrigin, data.origin),
        // A status already moved on by an event of another stream is never taken back.
        status: doc.status ?? 'REQUESTED',
        payload: payloadOf(data),
        partnerId: orNull(data.partnerId),
        responseUrl: orNull(data.responseUrl),
        requestedBy: orNull(data.requestedBy),
        timeoutMs: data.timeoutMs > 0 ? data.timeoutMs : data.timeoutSeconds * 1000,
        requestedAt: iso(data.occurredAt),
        sessionId: doc.sessionId ?? stopSessionIdOf(data),
        ...mix,
      };
    }
    case 'CommandSentToCharger': {
      const { data } = event;
      return {
        ...doc,
        chargerId: doc.chargerId ?? data.chargerId,
        status: doc.status === null || doc.status === 'REQUESTED' ? 'SENT' : doc.status,
        sentAt: iso(data.occurredAt),
        action: data.action,
        messageId: data.messageId,
      };
    }
    case 'CommandAnswered': {
      const { data } = event;
      if (data.late) return { ...doc, lateAnswer: true };
      return {
        ...doc,
        status: statusOfResult(data.result),
        result: label(CommandResult, data.result),
        answeredAt: iso(data.occurredAt),
        completedAt: iso(data.occurredAt),
        latencyMs: data.latencyMs,
        messageId: doc.messageId ?? orNull(data.messageId),
        answerStatus: orNull(data.status),
        answerPayload: orNull(data.payloadJson),
        errorCode: orNull(data.errorCode),
        errorDescription: orNull(data.errorDescription),
      };
    }
    case 'CommandTimedOut':
      return { ...doc, status: 'TIMED_OUT', result: 'TIMEOUT', completedAt: iso(event.data.occurredAt) };
    case 'CommandFailed': {
      const { data } = event;
      return {
        ...doc,
        status: 'FAILED',
        result: label(CommandResult, data.result) ?? 'FAILED',
        completedAt: iso(data.occurredAt),
        failureReason: orNull(data.reason),
      };
    }
    case 'CommandResultDelivered': {
      const { data } = event;
      return { ...doc, delivery: { delivered: true, attempts: data.attempt, httpStatus: data.httpStatus, at: iso(data.occurredAt), error: null } };
    }
    case 'CommandResultDeliveryFailed': {
      const { data } = event;
      if (doc.delivery?.delivered) return doc;
      return { ...doc, delivery: { delivered: false, attempts: data.attempt, httpStatus: data.httpStatus, at: iso(data.occurredAt), error: orNull(data.error) } };
    }
    case 'SessionStarted':
    case 'SessionStopped':
      return doc.sessionId === null ? { ...doc, sessionId: event.data.sessionId } : doc;
    default:
      return doc;
  }
}

function statusOfResult(result: CommandResult): CommandStatus {
  if (result === CommandResult.ACCEPTED) return 'ACCEPTED';
  if (result === CommandResult.FAILED || result === CommandResult.UNSPECIFIED) return 'FAILED';
  return 'REJECTED';
}

function payloadOf(data: EventMessage<'CommandRequested'>): Readonly<Record<string, unknown>> | null {
  const { case: kase } = data.payload;
  if (kase === undefined) return null;
  const json = encodeEventJson('CommandRequested', data) as Record<string, unknown>;
  const payload = json[kase];
  return typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>) : {};
}

function stopSessionIdOf(data: EventMessage<'CommandRequested'>): string | null {
  return data.payload.case === 'stopSession' ? orNull(data.payload.value.sessionId) : null;
}
