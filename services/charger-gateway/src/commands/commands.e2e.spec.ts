import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CommandOrigin, CommandResult, FrameDirection, FrameType, OcppVersion } from '@roamgate/contracts';
import {
  commandDecider,
  commandStreamName,
  fromStoredEvent,
  isChargingDomainError,
  type CommandStreamEvent,
  type DomainEvent,
} from '@roamgate/domain-charging';
import { newEventId } from '@roamgate/event-store';
import { AggregateRepository } from '@roamgate/runtime';
import { waitFor } from '@roamgate/runtime/testing';
import { createRPCError, type RPCClient } from 'ocpp-rpc';
import { domainCodec } from '../ocpp/domain-codec';
import { startTestGateway, type TestGateway } from '../ocpp/testing/harness';
import { CommandExecutor, ORPHANED_COMMAND_GRACE_MS } from './command-executor';
import { commandPayload } from './command.service';

const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();

interface Received {
  readonly action: string;
  readonly params: Record<string, unknown>;
}

/** Lets a test charger answer each command action as told, recording what it received. */
function answerCommands(client: RPCClient, answers: Record<string, (params: Record<string, unknown>) => unknown>): Received[] {
  const received: Received[] = [];
  for (const [action, answer] of Object.entries(answers)) {
    client.handle(action, async ({ params }) => {
      received.push({ action, params: params as Record<string, unknown> });
      return answer(params as Record<string, unknown>) as Record<string, unknown>;
    });
  }
  return received;
}

describe('commands to chargers', () => {
  let gateway: TestGateway;

  before(async () => {
    gateway = await startTestGateway({ OCPP_COMMAND_TIMEOUT_S: '10' });
    await gateway.register('CP16');
    await gateway.register('CS201');
    await gateway.register('SILENT');
  });

  after(async () => {
    await gateway?.close();
  });

  const outcome = async (commandId: string, timeoutMs = 10_000) => {
    const events = await waitFor(async () => {
      const found = await gateway.events(`command-${commandId}`);
      return found.some((e) => ['CommandAnswered', 'CommandTimedOut', 'CommandFailed'].includes(e.type)) ? found : undefined;
    }, `the outcome of command ${commandId}`, timeoutMs, 20);
    return { types: events.map((e) => e.type), events };
  };

  /** The logged CALL frame of the charger's first message of that action (frames are logged off the answer path). */
  const callFrame = (chargerId: string, action: string) =>
    waitFor(async () => {
      const frames = await gateway.frames(chargerId);
      return frames.find((f) => f.action === action && f.frameType === FrameType.CALL);
    }, `the ${action} frame of ${chargerId}`, 5_000, 20);

  const answered = async (commandId: string) => {
    const { types, events } = await outcome(commandId);
    assert.deepEqual(types, ['CommandRequested', 'CommandSentToCharger', 'CommandAnswered'], commandId);
    return { sent: events[1] as DomainEvent<'CommandSentToCharger'>, answer: events[2] as DomainEvent<'CommandAnswered'> };
  };

  describe('OCPP 1.6', () => {
    let charger: RPCClient;
    let received: Received[];
    let resets = 0;

    before(async () => {
      charger = await gateway.connect('CP16', 'ocpp1.6');
      received = answerCommands(charger, {
        RemoteStartTransaction: () => ({ status: 'Accepted' }),
        RemoteStopTransaction: () => ({ status: 'Accepted' }),
        UnlockConnector: () => ({ status: 'Unlocked' }),
        ReserveNow: () => ({ status: 'Occupied' }),
        CancelReservation: () => ({ status: 'Rejected' }),
        Reset: () => {
          if (resets++ > 0) throw createRPCError('NotSupported', 'no second reset');
          return { status: 'Accepted' };
        },
        ChangeAvailability: () => ({ status: 'Scheduled' }),
        TriggerMessage: () => ({ status: 'Accepted' }),
        GetConfiguration: () => ({ configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] }),
        ChangeConfiguration: () => ({ status: 'RebootRequired' }),
      });
      await charger.call('BootNotification', { chargePointVendor: 'VendorX', chargePointModel: 'M1' });
    });

    it('remote start: RemoteStartTransaction reaches the charger, the answer is recorded and the session points at the command', async () => {
      const { commandId } = await gateway.commands.request({ chargerId: 'CP16', kind: 'START_SESSION', payload: { idToken: { id: 'REMOTE1' }, connectorId: 1 } });
      const { sent, answer } = await answered(commandId);
      assert.equal(sent.data.action, 'RemoteStartTransaction');
      assert.equal(sent.data.protocol, OcppVersion.OCPP_VERSION_1_6);
      assert.equal(answer.data.status, 'Accepted');
      assert.equal(answer.data.result, CommandResult.ACCEPTED);
      assert.equal(answer.data.messageId, sent.data.messageId);
      assert.deepEqual(received.at(-1), { action: 'RemoteStartTransaction', params: { connectorId: 1, idTag: 'REMOTE1' } });

      const frames = await waitFor(async () => {
        const logged = (await gateway.frames('CP16')).filter((f) => f.messageId === sent.data.messageId);
        return logged.length === 2 ? logged : undefined;
      }, 'the command frames', 5_000, 20);
      assert.deepEqual(frames.map((f) => [f.direction, f.frameType, f.commandId]), [
        [FrameDirection.TO_CHARGER, FrameType.CALL, commandId],
        [FrameDirection.FROM_CHARGER, FrameType.CALL_RESULT, commandId],
      ]);
      assert.equal(frames[1]!.action, 'RemoteStartTransaction');

      const started = (await charger.call('StartTransaction', { connectorId: 1, idTag: 'REMOTE1', meterStart: 0, timestamp: iso() })) as { transactionId: number };
      const startFrame = await callFrame('CP16', 'StartTransaction');
      assert.equal(startFrame?.commandId, commandId);
      const [session] = await gateway.events(`session-${startFrame!.sessionId}`, 'SessionStarted');
      assert.equal(session!.data.commandId, commandId);

      // STOP_SESSION names the session; the gateway resolves its OCPP transaction id.
      const stop = await gateway.commands.request({ chargerId: 'CP16', kind: 'STOP_SESSION', payload: { sessionId: startFrame!.sessionId } });
      await answered(stop.commandId);
      assert.deepEqual(received.at(-1), { action: 'RemoteStopTransaction', params: { transactionId: started.transactionId } });
      await charger.call('StopTransaction', { transactionId: started.transactionId, meterStop: 100, timestamp: iso() });
      const [stopped] = await gateway.events(`session-${startFrame!.sessionId}`, 'SessionStopped');
      assert.equal(stopped!.data.commandId, stop.commandId);
    });

    it('sends every other 1.6 command and classifies the answers', async () => {
      const cases: [string, Record<string, unknown>, string, CommandResult][] = [
        ['UNLOCK_CONNECTOR', { connectorId: 1 }, 'UnlockConnector', CommandResult.ACCEPTED],
        ['RESERVE_NOW', { reservationId: '7', idToken: { id: 'TAG' }, expiresAt: new Date(Date.now() + 600_000).toISOString(), connectorId: 1 }, 'ReserveNow', CommandResult.EVSE_OCCUPIED],
        ['CANCEL_RESERVATION', { reservationId: '7' }, 'CancelReservation', CommandResult.UNKNOWN_RESERVATION],
        ['RESET', { resetType: 'Hard' }, 'Reset', CommandResult.ACCEPTED],
        ['CHANGE_AVAILABILITY', { availability: 'Inoperative', connectorId: 1 }, 'ChangeAvailability', CommandResult.ACCEPTED],
        ['TRIGGER_MESSAGE', { requestedMessage: 'StatusNotification', connectorId: 1 }, 'TriggerMessage', CommandResult.ACCEPTED],
        ['GET_CONFIGURATION', { keys: ['HeartbeatInterval'] }, 'GetConfiguration', CommandResult.ACCEPTED],
        ['CHANGE_CONFIGURATION', { key: 'HeartbeatInterval', value: '60' }, 'ChangeConfiguration', CommandResult.ACCEPTED],
        ['RESET', { resetType: 'Soft' }, 'Reset', CommandResult.NOT_SUPPORTED],
      ];
      for (const [kind, payload, action, result] of cases) {
        const { commandId } = await gateway.commands.request({ chargerId: 'CP16', kind, payload });
        const { sent, answer } = await answered(commandId);
        assert.equal(sent.data.action, action, kind);
        assert.equal(received.at(-1)?.action, action);
        assert.equal(answer.data.result, result, `${kind}: ${answer.data.status}${answer.data.errorCode}`);
      }
      const getConfiguration = received.find((r) => r.action === 'GetConfiguration');
      assert.deepEqual(getConfiguration?.params, { key: ['HeartbeatInterval'] });
    });

    it('does not send a command twice when the bus delivers it again', async () => {
      const { commandId } = await gateway.commands.request({ chargerId: 'CP16', kind: 'TRIGGER_MESSAGE', payload: { requestedMessage: 'Heartbeat' } });
      await answered(commandId);
      const count = received.length;
      const [requested] = await gateway.store.readStream(`command-${commandId}`, { maxCount: 1 });
      await gateway.app.get(CommandExecutor).execute((fromStoredEvent(requested!) as DomainEvent<'CommandRequested'>).data);
      assert.equal(received.length, count);
      assert.deepEqual((await outcome(commandId)).types, ['CommandRequested', 'CommandSentToCharger', 'CommandAnswered']);
    });

    it('fails a command the protocol cannot express, without sending it', async () => {
      const { commandId } = await gateway.commands.request({ chargerId: 'CP16', kind: 'TRIGGER_MESSAGE', payload: { requestedMessage: 'TransactionEvent' } });
      const { types, events } = await outcome(commandId);
      assert.deepEqual(types, ['CommandRequested', 'CommandFailed']);
      assert.equal((events[1] as DomainEvent<'CommandFailed'>).data.result, CommandResult.NOT_SUPPORTED);
    });
  });

  describe('OCPP 2.0.1', () => {
    let station: RPCClient;
    let received: Received[];

    before(async () => {
      station = await gateway.connect('CS201', 'ocpp2.0.1');
      received = answerCommands(station, {
        RequestStartTransaction: () => ({ status: 'Accepted' }),
        RequestStopTransaction: () => ({ status: 'Accepted' }),
        UnlockConnector: () => ({ status: 'Unlocked' }),
        ReserveNow: () => ({ status: 'Accepted' }),
        CancelReservation: () => ({ status: 'Accepted' }),
        Reset: () => ({ status: 'Scheduled' }),
        ChangeAvailability: () => ({ status: 'Accepted' }),
        TriggerMessage: () => ({ status: 'Rejected' }),
        GetVariables: (params) => ({
          getVariableResult: (params['getVariableData'] as { component: object; variable: object }[]).map((d) => ({ ...d, attributeStatus: 'Accepted', attributeValue: '300' })),
        }),
        SetVariables: (params) => ({
          setVariableResult: (params['setVariableData'] as { component: object; variable: object }[]).map((d) => ({ component: d.component, variable: d.variable, attributeStatus: 'UnknownVariable' })),
        }),
      });
    });

    it('remote start: RequestStartTransaction carries a remoteStartId that links the TransactionEvent to the command', async () => {
      const { commandId } = await gateway.commands.request({ chargerId: 'CS201', kind: 'START_SESSION', payload: { idToken: { id: 'EMSP-TOKEN', type: 'RFID' }, evseId: 1 } });
      const { sent, answer } = await answered(commandId);
      assert.equal(sent.data.action, 'RequestStartTransaction');
      assert.equal(answer.data.result, CommandResult.ACCEPTED);
      const request = received.at(-1)!;
      assert.deepEqual(request.params, { remoteStartId: sent.data.remoteStartId, idToken: { idToken: 'EMSP-TOKEN', type: 'ISO14443' }, evseId: 1 });

      await station.call('TransactionEvent', {
        eventType: 'Started',
        timestamp: iso(),
        triggerReason: 'RemoteStart',
        seqNo: 0,
        transactionInfo: { transactionId: 'remote-tx-1', remoteStartId: sent.data.remoteStartId },
        idToken: { idToken: 'EMSP-TOKEN', type: 'ISO14443' },
        evse: { id: 1, connectorId: 1 },
      });
      const startFrame = await callFrame('CS201', 'TransactionEvent');
      const [session] = await gateway.events(`session-${startFrame!.sessionId}`, 'SessionStarted');
      assert.equal(session!.data.commandId, commandId);

      const stop = await gateway.commands.request({ chargerId: 'CS201', kind: 'STOP_SESSION', payload: { sessionId: startFrame!.sessionId } });
      await answered(stop.commandId);
      assert.deepEqual(received.at(-1), { action: 'RequestStopTransaction', params: { transactionId: 'remote-tx-1' } });
    });

    it('sends every other 2.0.1 command and classifies the answers', async () => {
      const cases: [string, Record<string, unknown>, string, CommandResult][] = [
        ['UNLOCK_CONNECTOR', { evseId: 1, connectorId: 1 }, 'UnlockConnector', CommandResult.ACCEPTED],
        ['RESERVE_NOW', { reservationId: '8', idToken: { id: 'TAG', type: 'RFID' }, expiresAt: new Date(Date.now() + 600_000).toISOString(), evseId: 1 }, 'ReserveNow', CommandResult.ACCEPTED],
        ['CANCEL_RESERVATION', { reservationId: '8' }, 'CancelReservation', CommandResult.ACCEPTED],
        ['RESET', { resetType: 'OnIdle' }, 'Reset', CommandResult.ACCEPTED],
        ['CHANGE_AVAILABILITY', { availability: 'Operative', evseId: 1 }, 'ChangeAvailability', CommandResult.ACCEPTED],
        ['TRIGGER_MESSAGE', { requestedMessage: 'TransactionEvent', evseId: 1 }, 'TriggerMessage', CommandResult.REJECTED],
        ['GET_CONFIGURATION', { keys: ['OCPPCommCtrlr.HeartbeatInterval'] }, 'GetVariables', CommandResult.ACCEPTED],
        ['CHANGE_CONFIGURATION', { key: 'OCPPCommCtrlr.Nope', value: '1' }, 'SetVariables', CommandResult.REJECTED],
      ];
      for (const [kind, payload, action, result] of cases) {
        const { commandId } = await gateway.commands.request({ chargerId: 'CS201', kind, payload });
        const { sent, answer } = await answered(commandId);
        assert.equal(sent.data.action, action, kind);
        assert.equal(received.at(-1)?.action, action);
        assert.equal(answer.data.result, result, `${kind}: ${answer.data.status}`);
      }
      const getVariables = received.find((r) => r.action === 'GetVariables');
      assert.deepEqual(getVariables?.params, { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] });
    });

    it('fails GET_CONFIGURATION without keys as not supported by 2.0.1', async () => {
      const { commandId } = await gateway.commands.request({ chargerId: 'CS201', kind: 'GET_CONFIGURATION', payload: {} });
      const { types, events } = await outcome(commandId);
      assert.deepEqual(types, ['CommandRequested', 'CommandFailed']);
      assert.equal((events[1] as DomainEvent<'CommandFailed'>).data.result, CommandResult.NOT_SUPPORTED);
    });
  });

  it('records a timeout when the charger never answers, and frees the connection for the next command', async () => {
    const silent = await gateway.connect('SILENT', 'ocpp1.6');
    let resets = 0;
    silent.handle('Reset', () => {
      resets++;
      return new Promise(() => undefined);
    });
    silent.handle('TriggerMessage', async () => ({ status: 'Accepted' }));
    const { commandId } = await gateway.commands.request({ chargerId: 'SILENT', kind: 'RESET', payload: { resetType: 'Soft' }, timeoutSeconds: 0.5 });
    const { types, events } = await outcome(commandId);
    assert.deepEqual(types, ['CommandRequested', 'CommandSentToCharger', 'CommandTimedOut']);
    assert.equal(resets, 1);
    const requestedAt = Date.parse((await gateway.store.readStream(`command-${commandId}`))[0]!.recordedAt);
    assert.ok(Date.parse((await gateway.store.readStream(`command-${commandId}`))[2]!.recordedAt) - requestedAt >= 450, 'not before the timeout');
    assert.equal((events[2] as DomainEvent<'CommandTimedOut'>).data.timeoutSeconds, 1);

    const next = await gateway.commands.request({ chargerId: 'SILENT', kind: 'TRIGGER_MESSAGE', payload: { requestedMessage: 'Heartbeat' } });
    await answered(next.commandId);
  });

  it('times out a command recorded as sent that no CALL of this process waits for, when the bus delivers it again', async () => {
    // What a gateway killed after sending the CALL leaves: the command sent, its timer gone with the process.
    const commandId = newEventId();
    const now = new Date();
    await new AggregateRepository(gateway.store).handle(commandStreamName(commandId), commandDecider, domainCodec<CommandStreamEvent>(), () => [
      { type: 'RequestCommand' as const, commandId, chargerId: 'KILLED-WHILE-WAITING', origin: CommandOrigin.API, payload: commandPayload('RESET', { resetType: 'Soft' }), timeoutMs: 300, now },
      { type: 'MarkSent' as const, commandId, protocol: OcppVersion.OCPP_VERSION_1_6, action: 'Reset', messageId: 'lost-with-its-connection', now },
    ]);
    const { types, events } = await outcome(commandId, ORPHANED_COMMAND_GRACE_MS + 10_000);
    assert.deepEqual(types, ['CommandRequested', 'CommandSentToCharger', 'CommandTimedOut']);
    const timedOutAt = Date.parse((await gateway.store.readStream(`command-${commandId}`))[2]!.recordedAt);
    assert.ok(timedOutAt - now.getTime() >= 300 + ORPHANED_COMMAND_GRACE_MS - 50, 'not before the deadline and the margin left to a live sender');
    assert.equal((events[2] as DomainEvent<'CommandTimedOut'>).data.chargerId, 'KILLED-WHILE-WAITING');
  });

  it('fails a command for a charger that is not connected', async () => {
    const { commandId } = await gateway.commands.request({ chargerId: 'GHOST', kind: 'RESET', payload: { resetType: 'Hard' } });
    const { types, events } = await outcome(commandId);
    assert.deepEqual(types, ['CommandRequested', 'CommandFailed']);
    assert.match((events[1] as DomainEvent<'CommandFailed'>).data.reason, /not connected/);
  });

  it('refuses a request whose kind or payload is invalid, before recording anything', async () => {
    await assert.rejects(gateway.commands.request({ chargerId: 'CP16', kind: 'FLY', payload: {} }), (error) => isChargingDomainError(error, 'INVALID_COMMAND'));
    await assert.rejects(gateway.commands.request({ chargerId: 'CP16', kind: 'RESET', payload: { resetTyp: 'Hard' } }), (error) => isChargingDomainError(error, 'INVALID_COMMAND'));
    await assert.rejects(gateway.commands.request({ chargerId: 'CP16', kind: 'RESERVE_NOW', payload: { expiresAt: 'tomorrow' } }), (error) => isChargingDomainError(error, 'INVALID_COMMAND'));
  });
});
