import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommandKind, CommandOrigin, CommandResult, domainEvent, OcppVersion } from '@roamgate/contracts';
import { timestamp } from '../shared/time.js';
import { deciderSpec } from '../testing/decider-spec.js';
import { classifyAnswer, classifyCallError } from './answers.js';
import { commandDecider, commandStreamName, kindOfPayload, type RecordAnswer, type RequestCommand } from './command.js';

const spec = deciderSpec(commandDecider);
const t = (hhmmss: string) => new Date(`2025-03-01T${hhmmss}Z`);
const commandId = 'cmd-1';
const chargerId = 'CP-1';

const request = (override: Partial<RequestCommand> = {}): RequestCommand => ({
  type: 'RequestCommand',
  commandId,
  chargerId,
  payload: { case: 'startSession', value: { idToken: { id: 'B4A63CDF' }, connectorId: 1 } },
  origin: CommandOrigin.API,
  requestedBy: 'operator',
  timeoutMs: 30_000,
  now: t('10:00:00'),
  ...override,
});

const requested = domainEvent('CommandRequested', {
  commandId,
  occurredAt: timestamp(t('10:00:00')),
  kind: CommandKind.START_SESSION,
  chargerId,
  origin: CommandOrigin.API,
  timeoutSeconds: 30,
  timeoutMs: 30_000,
  requestedBy: 'operator',
  payload: { case: 'startSession', value: { idToken: { id: 'B4A63CDF' }, connectorId: 1 } },
});

const sent = domainEvent('CommandSentToCharger', {
  commandId,
  occurredAt: timestamp(t('10:00:01')),
  chargerId,
  protocol: OcppVersion.OCPP_VERSION_1_6,
  action: 'RemoteStartTransaction',
  messageId: 'm-1',
});

const answer = (override: Partial<RecordAnswer> = {}): RecordAnswer => ({
  type: 'RecordAnswer',
  commandId,
  messageId: 'm-1',
  status: 'Accepted',
  payloadJson: '{"status":"Accepted"}',
  now: t('10:00:02'),
  ...override,
});

const answered = (status: string, result: CommandResult, override: { late?: boolean; at?: string; latencyMs?: number } = {}) =>
  domainEvent('CommandAnswered', {
    commandId,
    occurredAt: timestamp(t(override.at ?? '10:00:02')),
    chargerId,
    messageId: 'm-1',
    status,
    result,
    payloadJson: `{"status":"${status}"}`,
    latencyMs: override.latencyMs ?? 1000,
    late: override.late ?? false,
  });

const timedOut = domainEvent('CommandTimedOut', { commandId, occurredAt: timestamp(t('10:00:30')), chargerId, timeoutSeconds: 30 });

describe('command aggregate', () => {
  it('lives in stream command-<id>', () => {
    assert.equal(commandStreamName('cmd-1'), 'command-cmd-1');
  });

  describe('request', () => {
    it('records the requested command, its kind taken from the payload', () => {
      const outcome = spec.given([]).when(request());
      outcome.then([requested]);
      assert.equal(outcome.state.status, 'requested');
      assert.deepEqual(outcome.state.deadline, t('10:00:30'));
    });

    it('ignores the same request delivered twice', () => {
      spec.given([requested]).when(request({ now: t('10:00:05') })).thenNothing();
    });

    it('accepts requests from the bus', () => {
      const { events } = spec.given([]).when(request({ origin: CommandOrigin.BUS }));
      assert.ok(events[0]?.type === 'CommandRequested');
      assert.equal(events[0].data.origin, CommandOrigin.BUS);
    });

    it('rounds a sub-second timeout up to whole seconds for OCPI, keeping the milliseconds', () => {
      const { events } = spec.given([]).when(request({ timeoutMs: 1500 }));
      assert.ok(events[0]?.type === 'CommandRequested');
      assert.equal(events[0].data.timeoutSeconds, 2);
      assert.equal(events[0].data.timeoutMs, 1500);
    });

    it('refuses a request without a positive timeout', () => {
      spec.given([]).whenRefused(request({ timeoutMs: 0 }), 'INVALID_COMMAND');
    });

    it('refuses anything on a command never requested', () => {
      spec.given([]).whenRefused(answer(), 'COMMAND_NOT_REQUESTED');
      spec.given([]).whenRefused({ type: 'TimeOut', commandId, now: t('11:00:00') }, 'COMMAND_NOT_REQUESTED');
    });

    it('names the kind of every payload', () => {
      assert.equal(kindOfPayload({ case: 'stopSession' }), CommandKind.STOP_SESSION);
      assert.equal(kindOfPayload({ case: 'getConfiguration' }), CommandKind.GET_CONFIGURATION);
      assert.equal(kindOfPayload({ case: 'changeConfiguration' }), CommandKind.CHANGE_CONFIGURATION);
    });
  });

  describe('send', () => {
    it('records the CALL sent to the charger', () => {
      spec
        .given([requested])
        .when({ type: 'MarkSent', commandId, protocol: OcppVersion.OCPP_VERSION_1_6, action: 'RemoteStartTransaction', messageId: 'm-1', now: t('10:00:01') })
        .then([sent]);
    });

    it('ignores the same send recorded twice, records a resend with a new message id', () => {
      const mark = { type: 'MarkSent' as const, commandId, protocol: OcppVersion.OCPP_VERSION_1_6, action: 'RemoteStartTransaction', now: t('10:00:10') };
      spec.given([requested, sent]).when({ ...mark, messageId: 'm-1' }).thenNothing();
      const outcome = spec.given([requested, sent]).when({ ...mark, messageId: 'm-2' });
      assert.equal(outcome.events.length, 1);
      assert.equal(outcome.state.messageId, 'm-2');
    });

    it('keeps the 2.0.1 remoteStartId for correlating the TransactionEvent', () => {
      const { events } = spec.given([requested]).when({
        type: 'MarkSent',
        commandId,
        protocol: OcppVersion.OCPP_VERSION_2_0_1,
        action: 'RequestStartTransaction',
        messageId: 'm-1',
        remoteStartId: 42,
        now: t('10:00:01'),
      });
      assert.ok(events[0]?.type === 'CommandSentToCharger');
      assert.equal(events[0].data.remoteStartId, 42);
    });

    it('refuses to send a command that already timed out', () => {
      spec
        .given([requested, timedOut])
        .whenRefused(
          { type: 'MarkSent', commandId, protocol: OcppVersion.OCPP_VERSION_1_6, action: 'RemoteStartTransaction', messageId: 'm-1', now: t('10:00:31') },
          'COMMAND_NOT_PENDING',
        );
    });
  });

  describe('answer', () => {
    it('records an accepted answer with its latency', () => {
      const outcome = spec.given([requested, sent]).when(answer());
      outcome.then([answered('Accepted', CommandResult.ACCEPTED)]);
      assert.equal(outcome.state.status, 'answered');
      assert.equal(outcome.state.result, CommandResult.ACCEPTED);
    });

    it('records a rejection', () => {
      spec
        .given([requested, sent])
        .when(answer({ status: 'Rejected', payloadJson: '{"status":"Rejected"}' }))
        .then([answered('Rejected', CommandResult.REJECTED)]);
    });

    it('records a CALLERROR as an answer that failed', () => {
      const { events } = spec.given([requested, sent]).when(answer({ status: undefined, payloadJson: undefined, error: { code: 'NotImplemented', description: 'no' } }));
      assert.ok(events[0]?.type === 'CommandAnswered');
      assert.equal(events[0].data.result, CommandResult.NOT_SUPPORTED);
      assert.equal(events[0].data.errorCode, 'NotImplemented');
      assert.equal(events[0].data.status, '');
    });

    it('ignores a repeated answer', () => {
      spec
        .given([requested, sent, answered('Accepted', CommandResult.ACCEPTED)])
        .when(answer({ status: 'Rejected' }))
        .thenNothing();
    });

    it('accepts an answer recorded before the send was, measuring from the request', () => {
      const { events } = spec.given([requested]).when(answer({ action: 'RemoteStartTransaction', now: t('10:00:03') }));
      assert.ok(events[0]?.type === 'CommandAnswered');
      assert.equal(events[0].data.latencyMs, 3000);
    });
  });

  describe('timeout', () => {
    it('times out a pending command at its deadline', () => {
      const outcome = spec.given([requested, sent]).when({ type: 'TimeOut', commandId, now: t('10:00:30') });
      outcome.then([timedOut]);
      assert.equal(outcome.state.result, CommandResult.TIMEOUT);
    });

    it('does not time out before the deadline', () => {
      spec.given([requested, sent]).when({ type: 'TimeOut', commandId, now: t('10:00:29') }).thenNothing();
    });

    it('does not time out an answered command', () => {
      spec
        .given([requested, sent, answered('Accepted', CommandResult.ACCEPTED)])
        .when({ type: 'TimeOut', commandId, now: t('10:01:00') })
        .thenNothing();
    });

    it('records an answer after the timeout as late, keeping the timeout as the outcome', () => {
      const outcome = spec.given([requested, sent, timedOut]).when(answer({ now: t('10:00:45') }));
      outcome.then([answered('Accepted', CommandResult.ACCEPTED, { late: true, at: '10:00:45', latencyMs: 44_000 })]);
      assert.equal(outcome.state.status, 'timed_out');
      assert.equal(outcome.state.result, CommandResult.TIMEOUT);
      assert.equal(outcome.state.lateAnswers, 1);
    });

    it('keeps only the first late answer', () => {
      spec
        .given([requested, sent, timedOut, answered('Accepted', CommandResult.ACCEPTED, { late: true, at: '10:00:45' })])
        .when(answer({ now: t('10:00:50') }))
        .thenNothing();
    });
  });

  describe('failure', () => {
    const fail = { type: 'Fail' as const, commandId, reason: 'charger CP-1 is offline', now: t('10:00:01') };

    it('fails a pending command that could not be sent', () => {
      const outcome = spec.given([requested]).when(fail);
      outcome.then([domainEvent('CommandFailed', { commandId, occurredAt: timestamp(t('10:00:01')), chargerId, result: CommandResult.FAILED, reason: fail.reason })]);
      assert.equal(outcome.state.status, 'failed');
    });

    it('keeps the result the caller classified', () => {
      const { events } = spec.given([requested]).when({ ...fail, result: CommandResult.NOT_SUPPORTED });
      assert.ok(events[0]?.type === 'CommandFailed');
      assert.equal(events[0].data.result, CommandResult.NOT_SUPPORTED);
    });

    it('does not fail a command that already has an outcome', () => {
      spec.given([requested, sent, answered('Accepted', CommandResult.ACCEPTED)]).when(fail).thenNothing();
      spec.given([requested, sent, timedOut]).when(fail).thenNothing();
    });

    it('records an answer after a failure as late', () => {
      const failed = domainEvent('CommandFailed', { commandId, occurredAt: timestamp(t('10:00:01')), chargerId, result: CommandResult.FAILED });
      const outcome = spec.given([requested, sent, failed]).when(answer());
      assert.ok(outcome.events[0]?.type === 'CommandAnswered');
      assert.equal(outcome.events[0].data.late, true);
      assert.equal(outcome.state.result, CommandResult.FAILED);
    });
  });

  describe('answer classification', () => {
    const cases: [action: string, status: string, result: CommandResult][] = [
      ['RemoteStartTransaction', 'Accepted', CommandResult.ACCEPTED],
      ['RemoteStartTransaction', 'Rejected', CommandResult.REJECTED],
      ['RequestStopTransaction', 'Rejected', CommandResult.REJECTED],
      ['UnlockConnector', 'Unlocked', CommandResult.ACCEPTED],
      ['UnlockConnector', 'UnlockFailed', CommandResult.FAILED],
      ['UnlockConnector', 'NotSupported', CommandResult.NOT_SUPPORTED],
      ['UnlockConnector', 'OngoingAuthorizedTransaction', CommandResult.REJECTED],
      ['UnlockConnector', 'UnknownConnector', CommandResult.REJECTED],
      ['ReserveNow', 'Occupied', CommandResult.EVSE_OCCUPIED],
      ['ReserveNow', 'Faulted', CommandResult.EVSE_INOPERATIVE],
      ['ReserveNow', 'Unavailable', CommandResult.EVSE_INOPERATIVE],
      ['ReserveNow', 'Rejected', CommandResult.REJECTED],
      ['CancelReservation', 'Accepted', CommandResult.ACCEPTED],
      ['CancelReservation', 'Rejected', CommandResult.UNKNOWN_RESERVATION],
      ['Reset', 'Scheduled', CommandResult.ACCEPTED],
      ['ChangeAvailability', 'Scheduled', CommandResult.ACCEPTED],
      ['TriggerMessage', 'NotImplemented', CommandResult.NOT_SUPPORTED],
      ['ChangeConfiguration', 'RebootRequired', CommandResult.ACCEPTED],
      ['ChangeConfiguration', 'NotSupported', CommandResult.NOT_SUPPORTED],
      ['SetVariables', 'UnknownVariable', CommandResult.REJECTED],
      ['GetVariables', 'NotSupportedAttributeType', CommandResult.NOT_SUPPORTED],
      ['RemoteStartTransaction', 'Unknown', CommandResult.FAILED],
      ['RemoteStartTransaction', '', CommandResult.FAILED],
    ];
    for (const [action, status, result] of cases) {
      it(`${action} ${status || '(no status)'} is ${CommandResult[result]}`, () => {
        assert.equal(classifyAnswer(action, status), result);
      });
    }

    it('classifies CALLERRORs', () => {
      assert.equal(classifyCallError('NotSupported'), CommandResult.NOT_SUPPORTED);
      assert.equal(classifyCallError('NotImplemented'), CommandResult.NOT_SUPPORTED);
      assert.equal(classifyCallError('InternalError'), CommandResult.FAILED);
      assert.equal(classifyCallError('FormationViolation'), CommandResult.FAILED);
    });
  });
});
