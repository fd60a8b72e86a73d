import {
  CommandKind,
  CommandOrigin,
  CommandResult,
  domainEvent,
  OcppVersion,
  type CommandRequested,
  type DomainEvent,
  type EventInit,
} from '@roamgate/contracts';
import type { Decider } from '../shared/decider.js';
import { ChargingDomainError } from '../shared/errors.js';
import { requireDate, timestamp } from '../shared/time.js';
import { classifyAnswer, classifyCallError } from './answers.js';

export const commandStreamName = (commandId: string): string => `command-${commandId}`;

/** The command payload, as the oneof of CommandRequested; its case determines the kind. */
export type CommandPayload = Exclude<CommandRequested['payload'], { case: undefined }>;
export type CommandPayloadInit = Exclude<NonNullable<EventInit<'CommandRequested'>['payload']>, { case: undefined }>;

const KIND_OF_CASE: Readonly<Record<CommandPayload['case'], CommandKind>> = {
  startSession: CommandKind.START_SESSION,
  stopSession: CommandKind.STOP_SESSION,
  unlockConnector: CommandKind.UNLOCK_CONNECTOR,
  reserveNow: CommandKind.RESERVE_NOW,
  cancelReservation: CommandKind.CANCEL_RESERVATION,
  reset: CommandKind.RESET,
  changeAvailability: CommandKind.CHANGE_AVAILABILITY,
  triggerMessage: CommandKind.TRIGGER_MESSAGE,
  getConfiguration: CommandKind.GET_CONFIGURATION,
  changeConfiguration: CommandKind.CHANGE_CONFIGURATION,
};

export function kindOfPayload(payload: { readonly case: CommandPayload['case'] }): CommandKind {
  return KIND_OF_CASE[payload.case];
}

export type RequestCommand = Readonly<{
  type: 'RequestCommand';
  commandId: string;
  chargerId: string;
  payload: CommandPayloadInit;
  origin: CommandOrigin;
  partnerId?: string;
  responseUrl?: string;
  requestedBy?: string;
  timeoutMs: number;
  now: Date;
}>;

export type MarkSent = Readonly<{
  type: 'MarkSent';
  commandId: string;
  protocol: OcppVersion;
  action: string;
  messageId: string;
  remoteStartId?: number;
  now: Date;
}>;

/** A CALLRESULT (status and payload) or a CALLERROR (error) answering the command's CALL. */
export type RecordAnswer = Readonly<{
  type: 'RecordAnswer';
  commandId: string;
  messageId?: string;
  /** The charger's status as sent, e.g. "Accepted", "Unlocked"; see ocpp16.answerStatus / ocpp201.answerStatus. */
  status?: string;
  payloadJson?: string;
  error?: Readonly<{ code: string; description?: string }>;
  /** The action answered; defaults to the one recorded when the CALL was sent. */
  action?: string;
  now: Date;
}>;

export type TimeOut = Readonly<{ type: 'TimeOut'; commandId: string; now: Date }>;

/** The CALL could not be made: charger offline, unknown session, not supported by the charger's protocol. */
export type Fail = Readonly<{ type: 'Fail'; commandId: string; reason: string; result?: CommandResult; now: Date }>;

export type CommandCommand = RequestCommand | MarkSent | RecordAnswer | TimeOut | Fail;

export type CommandStreamEvent = DomainEvent<'CommandRequested' | 'CommandSentToCharger' | 'CommandAnswered' | 'CommandTimedOut' | 'CommandFailed'>;

export type CommandStatus = 'none' | 'requested' | 'sent' | 'answered' | 'timed_out' | 'failed';

export interface CommandState {
  readonly status: CommandStatus;
  readonly commandId: string;
  readonly chargerId: string;
  readonly kind: CommandKind;
  readonly origin: CommandOrigin;
  readonly requestedAt: Date | undefined;
  readonly timeoutMs: number;
  readonly deadline: Date | undefined;
  readonly protocol: OcppVersion;
  readonly action: string;
  readonly messageId: string;
  readonly sentAt: Date | undefined;
  readonly answerStatus: string;
  /** The outcome; UNSPECIFIED while pending. It never changes once set. */
  readonly result: CommandResult;
  readonly lateAnswers: number;
}

export function initialCommandState(): CommandState {
  return {
    status: 'none',
    commandId: '',
    chargerId: '',
    kind: CommandKind.UNSPECIFIED,
    origin: CommandOrigin.UNSPECIFIED,
    requestedAt: undefined,
    timeoutMs: 0,
    deadline: undefined,
    protocol: OcppVersion.OCPP_VERSION_UNSPECIFIED,
    action: '',
    messageId: '',
    sentAt: undefined,
    answerStatus: '',
    result: CommandResult.UNSPECIFIED,
    lateAnswers: 0,
  };
}

export function isPending(state: CommandState): boolean {
  return state.status === 'requested' || state.status === 'sent';
}

export function isTerminal(state: CommandState): boolean {
  return state.status === 'answered' || state.status === 'timed_out' || state.status === 'failed';
}

export function decideCommand(command: CommandCommand, state: CommandState): readonly CommandStreamEvent[] {
  if (command.type === 'RequestCommand') return requestCommand(command, state);
  if (state.status === 'none') {
    throw new ChargingDomainError('COMMAND_NOT_REQUESTED', `command ${command.commandId} was never requested`);
  }
  switch (command.type) {
    case 'MarkSent':
      return markSent(command, state);
    case 'RecordAnswer':
      return recordAnswer(command, state);
    case 'TimeOut':
      if (!isPending(state) || command.now.getTime() < (state.deadline?.getTime() ?? 0)) return [];
      return [
        domainEvent('CommandTimedOut', {
          commandId: state.commandId,
          occurredAt: timestamp(command.now),
          chargerId: state.chargerId,
          timeoutSeconds: Math.ceil(state.timeoutMs / 1000),
        }),
      ];
    case 'Fail':
      if (!isPending(state)) return [];
      return [
        domainEvent('CommandFailed', {
          commandId: state.commandId,
          occurredAt: timestamp(command.now),
          chargerId: state.chargerId,
          result: command.result ?? CommandResult.FAILED,
          reason: command.reason,
        }),
      ];
  }
}

function requestCommand(command: RequestCommand, state: CommandState): readonly CommandStreamEvent[] {
  if (state.status !== 'none') return [];
  if (!(command.timeoutMs > 0)) throw new ChargingDomainError('INVALID_COMMAND', `timeoutMs must be positive, got ${command.timeoutMs}`);
  return [
    domainEvent('CommandRequested', {
      commandId: command.commandId,
      occurredAt: timestamp(command.now),
      kind: kindOfPayload(command.payload),
      chargerId: command.chargerId,
      origin: command.origin,
      partnerId: command.partnerId ?? '',
      responseUrl: command.responseUrl ?? '',
      timeoutSeconds: Math.ceil(command.timeoutMs / 1000),
      timeoutMs: command.timeoutMs,
      requestedBy: command.requestedBy ?? '',
      payload: command.payload,
    }),
  ];
}

/** Sending again with a new message id (the connection dropped before an answer) is a resend, not a duplicate. */
function markSent(command: MarkSent, state: CommandState): readonly CommandStreamEvent[] {
  if (state.status === 'sent' && state.messageId === command.messageId) return [];
  if (!isPending(state)) {
    throw new ChargingDomainError('COMMAND_NOT_PENDING', `command ${command.commandId} is already ${state.status}`);
  }
  return [
    domainEvent('CommandSentToCharger', {
      commandId: state.commandId,
      occurredAt: timestamp(command.now),
      chargerId: state.chargerId,
      protocol: command.protocol,
      action: command.action,
      messageId: command.messageId,
      ...(command.remoteStartId === undefined ? {} : { remoteStartId: command.remoteStartId }),
    }),
  ];
}

/**
 * An answer after a timeout or failure is recorded as late (the frame is evidence about the charger) but the
 * outcome stays what the requester was told; only the first late answer is kept. A repeated answer is ignored.
 */
function recordAnswer(command: RecordAnswer, state: CommandState): readonly CommandStreamEvent[] {
  if (state.status === 'answered') return [];
  const late = isTerminal(state);
  if (late && state.lateAnswers > 0) return [];
  const action = command.action ?? state.action;
  const status = command.error === undefined ? (command.status ?? '') : '';
  const result = command.error === undefined ? classifyAnswer(action, status) : classifyCallError(command.error.code);
  const since = state.sentAt ?? state.requestedAt;
  return [
    domainEvent('CommandAnswered', {
      commandId: state.commandId,
      occurredAt: timestamp(command.now),
      chargerId: state.chargerId,
      messageId: command.messageId ?? state.messageId,
      status,
      result,
      payloadJson: command.payloadJson ?? '',
      errorCode: command.error?.code ?? '',
      errorDescription: command.error?.description ?? '',
      latencyMs: since === undefined ? 0 : Math.max(0, command.now.getTime() - since.getTime()),
      late,
    }),
  ];
}

export function evolveCommand(state: CommandState, event: CommandStreamEvent): CommandState {
  switch (event.type) {
    case 'CommandRequested': {
      const { data } = event;
      const requestedAt = requireDate(data.occurredAt);
      const timeoutMs = data.timeoutMs > 0 ? data.timeoutMs : data.timeoutSeconds * 1000;
      return {
        ...state,
        status: 'requested',
        commandId: data.commandId,
        chargerId: data.chargerId,
        kind: data.kind,
        origin: data.origin,
        requestedAt,
        timeoutMs,
        deadline: new Date(requestedAt.getTime() + timeoutMs),
      };
    }
    case 'CommandSentToCharger': {
      const { data } = event;
      return { ...state, status: 'sent', protocol: data.protocol, action: data.action, messageId: data.messageId, sentAt: requireDate(data.occurredAt) };
    }
    case 'CommandAnswered': {
      const { data } = event;
      if (data.late) return { ...state, lateAnswers: state.lateAnswers + 1 };
      return { ...state, status: 'answered', answerStatus: data.status, result: data.result };
    }
    case 'CommandTimedOut':
      return { ...state, status: 'timed_out', result: CommandResult.TIMEOUT };
    case 'CommandFailed':
      return { ...state, status: 'failed', result: event.data.result };
  }
}

export const commandDecider: Decider<CommandState, CommandCommand, CommandStreamEvent> = {
  decide: decideCommand,
  evolve: evolveCommand,
  initialState: initialCommandState,
};
