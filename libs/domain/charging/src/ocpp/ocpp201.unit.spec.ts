import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthorizationStatus,
  BootStatus,
  ChargingState,
  CommandKind,
  CommandRequestedSchema,
  ConnectorStatus,
  OcppVersion,
  create,
  timestampFromDate,
} from '@roamgate/contracts';
import type { CommandPayload, CommandPayloadInit } from '../command/command.js';
import { decideAll } from '../shared/decider.js';
import { isChargingDomainError } from '../shared/errors.js';
import { energyRegisterWh } from '../session/meter.js';
import { sessionDecider, type SessionCommand, type SessionState, type StartSession } from '../session/session.js';
import { ocpp201Examples as examples } from '../testing/ocpp-examples.js';
import { assertValidOcpp, isValidOcpp } from './official-schemas.spec.js';
import * as ocpp201 from './ocpp201.js';

const t = (hhmmss: string) => new Date(`2025-03-01T${hhmmss}Z`);
const chargerId = 'CS-201';
const sessionId = 's-201';
const payloadOf = (payload: CommandPayloadInit): CommandPayload => create(CommandRequestedSchema, { payload }).payload as CommandPayload;
const refusedWith = (code: Parameters<typeof isChargingDomainError>[1]) => (error: unknown) => isChargingDomainError(error, code);
const types = (commands: readonly SessionCommand[]) => commands.map((c) => c.type);

function run(requests: ReturnType<typeof examples.transactionStarted>[], state: SessionState = sessionDecider.initialState(), now = t('12:00:00')) {
  const commands = requests.flatMap((request) => ocpp201.transactionEvent(chargerId, request, { sessionId, now }));
  return decideAll(sessionDecider, commands, state);
}

describe('OCPP 2.0.1 mapping', () => {
  it('uses examples that are valid OCPP 2.0.1', () => {
    assertValidOcpp('2.0.1', 'BootNotification', 'req', examples.bootNotification());
    assertValidOcpp('2.0.1', 'StatusNotification', 'req', examples.statusNotification());
    assertValidOcpp('2.0.1', 'Authorize', 'req', examples.authorize());
    assertValidOcpp('2.0.1', 'TransactionEvent', 'req', examples.transactionStarted());
    assertValidOcpp('2.0.1', 'TransactionEvent', 'req', examples.transactionUpdated());
    assertValidOcpp('2.0.1', 'TransactionEvent', 'req', examples.transactionEnded());
    assertValidOcpp('2.0.1', 'MeterValues', 'req', examples.meterValues());
    assert.equal(isValidOcpp('2.0.1', 'TransactionEvent', 'req', { ...examples.transactionStarted(), seqNo: undefined }), false, 'the validator can fail');
  });

  describe('BootNotification', () => {
    it('maps the charging station and the boot reason into RecordBoot', () => {
      const command = ocpp201.bootNotification(chargerId, examples.bootNotification(), {
        now: t('10:00:00'),
        unknownChargerPolicy: 'reject',
        heartbeatIntervalSeconds: 300,
      });
      assert.deepEqual(command, {
        type: 'RecordBoot',
        chargerId,
        protocol: OcppVersion.OCPP_VERSION_2_0_1,
        vendor: 'VendorX',
        model: 'SingleSocketCharger',
        firmwareVersion: '2.1.0',
        serialNumber: 'SSC-0002',
        reason: 'PowerUp',
        unknownChargerPolicy: 'reject',
        heartbeatIntervalSeconds: 300,
        now: t('10:00:00'),
      });
    });

    it('answers with status, interval and current time', () => {
      const response = ocpp201.bootNotificationResponse({ status: BootStatus.PENDING, heartbeatIntervalSeconds: 60, now: t('10:00:00') });
      assert.deepEqual(response, { currentTime: '2025-03-01T10:00:00.000Z', interval: 60, status: 'Pending' });
      assertValidOcpp('2.0.1', 'BootNotification', 'conf', response);
    });
  });

  it('answers Heartbeat with the current time', () => {
    assertValidOcpp('2.0.1', 'Heartbeat', 'conf', ocpp201.heartbeatResponse(t('10:05:00')));
  });

  it('maps StatusNotification to the EVSE and connector', () => {
    assert.deepEqual(ocpp201.statusNotification(chargerId, examples.statusNotification({ connectorStatus: 'Occupied', evseId: 2 }), t('10:00:02')), {
      type: 'RecordConnectorStatus',
      chargerId,
      evseId: 2,
      connectorId: 1,
      status: ConnectorStatus.OCCUPIED,
      timestamp: t('10:00:00'),
      now: t('10:00:02'),
    });
  });

  describe('Authorize', () => {
    it('answers the injected decision as idTokenInfo', () => {
      const response = ocpp201.authorizeResponse({ status: AuthorizationStatus.ACCEPTED, expiresAt: t('23:00:00'), groupId: 'FLEET-1' });
      assert.deepEqual(response, {
        idTokenInfo: { status: 'Accepted', cacheExpiryDateTime: '2025-03-01T23:00:00.000Z', groupIdToken: { idToken: 'FLEET-1', type: 'Central' } },
      });
      assertValidOcpp('2.0.1', 'Authorize', 'conf', response);
    });

    it('keeps the refusals 2.0.1 can name', () => {
      for (const [status, expected] of [
        [AuthorizationStatus.NO_CREDIT, 'NoCredit'],
        [AuthorizationStatus.NOT_AT_THIS_LOCATION, 'NotAtThisLocation'],
        [AuthorizationStatus.NOT_ALLOWED_TYPE_EVSE, 'NotAllowedTypeEVSE'],
        [AuthorizationStatus.UNSPECIFIED, 'Unknown'],
      ] as const) {
        const response = ocpp201.authorizeResponse({ status });
        assert.equal(response.idTokenInfo.status, expected);
        assertValidOcpp('2.0.1', 'Authorize', 'conf', response);
      }
      assert.equal(ocpp201.authorizationStatus('NoCredit'), AuthorizationStatus.NO_CREDIT);
      assert.equal(ocpp201.authorizationStatus('Unknown'), AuthorizationStatus.UNKNOWN);
    });
  });

  describe('TransactionEvent', () => {
    it('maps Started to the session start, its charging state and its meter values', () => {
      const commands = ocpp201.transactionEvent(chargerId, examples.transactionStarted(), { sessionId, now: t('10:01:01'), commandId: 'cmd-9' });
      assert.deepEqual(types(commands), ['StartSession', 'RecordChargingState', 'RecordMeterValues']);
      const start = commands[0] as StartSession;
      assert.deepEqual(
        { ...start },
        {
          type: 'StartSession',
          sessionId,
          timestamp: t('10:01:00'),
          now: t('10:01:01'),
          offline: false,
          seqNo: 0,
          chargerId,
          protocol: OcppVersion.OCPP_VERSION_2_0_1,
          evseId: 1,
          connectorId: 1,
          transactionId: 'f2c8a31e-7c2b-4c52-b1a9-6f4c8d2e9a10',
          idToken: { id: '0102030405060708', type: 'ISO14443' },
          meterStartWh: '1000',
          commandId: 'cmd-9',
        },
      );
      const { events, state } = decideAll(sessionDecider, commands, sessionDecider.initialState());
      assert.deepEqual(
        events.map((e) => e.type),
        ['SessionStarted', 'SessionChargingStateChanged', 'SessionMeterValuesRecorded'],
      );
      assert.equal(state.chargingStates[0]?.state, ChargingState.EV_CONNECTED);
    });

    it('recognises a repeated Started by the charger transactionId', () => {
      const first = run([examples.transactionStarted()]);
      const again = run([examples.transactionStarted({ offline: true })], first.state);
      assert.deepEqual(again.events, []);
      assert.equal(ocpp201.transactionKey(chargerId, 'f2c8a31e-7c2b-4c52-b1a9-6f4c8d2e9a10'), first.state.dedupKey);
    });

    it('maps Updated meter values, applying units and multipliers exactly', () => {
      const commands = ocpp201.transactionEvent(chargerId, examples.transactionUpdated(), { sessionId, now: t('10:16:01') });
      assert.deepEqual(types(commands), ['RecordMeterValues']);
      const [meter] = commands;
      assert.ok(meter?.type === 'RecordMeterValues');
      assert.equal(meter.seqNo, 1);
      assert.deepEqual(
        meter.samples[0]?.values.map((v) => [v.measurand, v.value, v.unit]),
        [
          ['Energy.Active.Import.Register', '4.25', 'kWh'],
          ['Power.Active.Import', '11000', 'W'],
        ],
      );
      assert.equal(energyRegisterWh(meter.samples[0]!), '4250');
    });

    it('ignores a redelivered Updated (same seqNo)', () => {
      const { state } = run([examples.transactionStarted(), examples.transactionUpdated()]);
      assert.deepEqual(run([examples.transactionUpdated()], state).events, []);
    });

    it('records a charging state change from Updated', () => {
      const request = examples.transactionUpdated({
        triggerReason: 'ChargingStateChanged',
        seqNo: 2,
        transactionInfo: { transactionId: 'f2c8a31e-7c2b-4c52-b1a9-6f4c8d2e9a10', chargingState: 'SuspendedEV' },
        meterValue: undefined,
      });
      assertValidOcpp('2.0.1', 'TransactionEvent', 'req', request);
      const { state } = run([examples.transactionStarted()]);
      const { events } = run([request], state);
      assert.deepEqual(
        events.map((e) => e.type === 'SessionChargingStateChanged' && ChargingState[e.data.chargingState]),
        ['SUSPENDED_EV'],
      );
    });

    it('maps Ended to the final charging state and the stop with the meter stop', () => {
      const commands = ocpp201.transactionEvent(chargerId, examples.transactionEnded(), { sessionId, now: t('11:01:01') });
      assert.deepEqual(types(commands), ['RecordChargingState', 'StopSession']);
      const stop = commands[1];
      assert.ok(stop?.type === 'StopSession');
      assert.equal(stop.meterStopWh, '12000');
      assert.equal(stop.reason, 'EVDisconnected');
      assert.equal(stop.seqNo, 2);
      assert.equal(stop.transactionData?.length, 1);
    });

    it('accepts an offline-queued Ended and takes the meter stop from recorded values when it carries none', () => {
      const { state } = run([examples.transactionStarted(), examples.transactionUpdated()]);
      const ended = examples.transactionEnded({ offline: true, meterValue: undefined, seqNo: 5 });
      const { events } = run([ended], state, t('14:00:00'));
      const stopped = events.find((e) => e.type === 'SessionStopped');
      assert.ok(stopped?.type === 'SessionStopped');
      assert.equal(stopped.data.offline, true);
      assert.equal(stopped.data.meterStopWh, '4250');
    });

    it('ties a RemoteStop end to the stop command', () => {
      const commands = ocpp201.transactionEvent(chargerId, examples.transactionEnded({ triggerReason: 'RemoteStop' }), {
        sessionId,
        now: t('11:01:01'),
        commandId: 'cmd-stop',
      });
      const stop = commands.find((c) => c.type === 'StopSession');
      assert.ok(stop?.type === 'StopSession');
      assert.equal(stop.commandId, 'cmd-stop');
      const byCharger = ocpp201.transactionEvent(chargerId, examples.transactionEnded(), { sessionId, now: t('11:01:01'), commandId: 'cmd-stop' });
      assert.equal(byCharger.find((c) => c.type === 'StopSession')?.type === 'StopSession' && 'commandId' in byCharger[1]!, false, 'an EV departing is not the remote stop');
    });

    it('answers with idTokenInfo when a token was presented, else empty', () => {
      assertValidOcpp('2.0.1', 'TransactionEvent', 'conf', ocpp201.transactionEventResponse());
      const response = ocpp201.transactionEventResponse({ status: AuthorizationStatus.BLOCKED });
      assert.deepEqual(response, { idTokenInfo: { status: 'Blocked' } });
      assertValidOcpp('2.0.1', 'TransactionEvent', 'conf', response);
    });
  });

  it('maps MeterValues of an EVSE to the session the caller attributes them to', () => {
    const command = ocpp201.meterValues(examples.meterValues(), { sessionId, now: t('10:31:01') });
    assert.equal(command.sessionId, sessionId);
    assert.equal(energyRegisterWh(command.samples[0]!), '6500');
  });

  describe('commands to the charger', () => {
    const calls: [string, CommandPayloadInit, ocpp201.Ocpp201Call][] = [
      [
        'START_SESSION',
        { case: 'startSession', value: { idToken: { id: 'DE8ACC12E46L89', type: 'RFID' }, evseId: 1 } },
        { action: 'RequestStartTransaction', payload: { remoteStartId: 42, idToken: { idToken: 'DE8ACC12E46L89', type: 'ISO14443' }, evseId: 1 } },
      ],
      [
        'START_SESSION without EVSE or token type',
        { case: 'startSession', value: { idToken: { id: 'APP-USER-1' } } },
        { action: 'RequestStartTransaction', payload: { remoteStartId: 42, idToken: { idToken: 'APP-USER-1', type: 'Central' } } },
      ],
      [
        'STOP_SESSION',
        { case: 'stopSession', value: { transactionId: 'f2c8a31e-7c2b-4c52-b1a9-6f4c8d2e9a10' } },
        { action: 'RequestStopTransaction', payload: { transactionId: 'f2c8a31e-7c2b-4c52-b1a9-6f4c8d2e9a10' } },
      ],
      ['UNLOCK_CONNECTOR', { case: 'unlockConnector', value: { evseId: 1, connectorId: 1 } }, { action: 'UnlockConnector', payload: { evseId: 1, connectorId: 1 } }],
      [
        'RESERVE_NOW',
        { case: 'reserveNow', value: { reservationId: '7', idToken: { id: 'DE8ACC12E46L89', type: 'eMAID' }, expiresAt: timestampFromDate(t('12:00:00')), evseId: 2 } },
        {
          action: 'ReserveNow',
          payload: { id: 7, expiryDateTime: '2025-03-01T12:00:00.000Z', idToken: { idToken: 'DE8ACC12E46L89', type: 'eMAID' }, evseId: 2 },
        },
      ],
      ['CANCEL_RESERVATION', { case: 'cancelReservation', value: { reservationId: '7' } }, { action: 'CancelReservation', payload: { reservationId: 7 } }],
      ['RESET', { case: 'reset', value: { resetType: 'Immediate' } }, { action: 'Reset', payload: { type: 'Immediate' } }],
      ['RESET of an EVSE in 1.6 words', { case: 'reset', value: { resetType: 'Soft', evseId: 1 } }, { action: 'Reset', payload: { type: 'OnIdle', evseId: 1 } }],
      ['CHANGE_AVAILABILITY of the station', { case: 'changeAvailability', value: { availability: 'Inoperative' } }, { action: 'ChangeAvailability', payload: { operationalStatus: 'Inoperative' } }],
      [
        'CHANGE_AVAILABILITY of a connector',
        { case: 'changeAvailability', value: { availability: 'Operative', evseId: 1, connectorId: 2 } },
        { action: 'ChangeAvailability', payload: { operationalStatus: 'Operative', evse: { id: 1, connectorId: 2 } } },
      ],
      [
        'TRIGGER_MESSAGE',
        { case: 'triggerMessage', value: { requestedMessage: 'TransactionEvent', evseId: 1 } },
        { action: 'TriggerMessage', payload: { requestedMessage: 'TransactionEvent', evse: { id: 1 } } },
      ],
      [
        'GET_CONFIGURATION',
        { case: 'getConfiguration', value: { keys: ['OCPPCommCtrlr.HeartbeatInterval', 'EVSE[1].AvailabilityState'] } },
        {
          action: 'GetVariables',
          payload: {
            getVariableData: [
              { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
              { component: { name: 'EVSE', instance: '1' }, variable: { name: 'AvailabilityState' } },
            ],
          },
        },
      ],
      [
        'CHANGE_CONFIGURATION',
        { case: 'changeConfiguration', value: { key: 'OCPPCommCtrlr.HeartbeatInterval', value: '300' } },
        {
          action: 'SetVariables',
          payload: { setVariableData: [{ attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
        },
      ],
    ];
    for (const [name, payload, expected] of calls) {
      it(`maps ${name} to a valid ${expected.action}`, () => {
        const call = ocpp201.call(payloadOf(payload), { remoteStartId: 42 });
        assert.deepEqual(call, expected);
        assertValidOcpp('2.0.1', call.action, 'req', call.payload);
      });
    }

    it('names the action of every command kind', () => {
      assert.equal(ocpp201.actionOf(CommandKind.START_SESSION), 'RequestStartTransaction');
      assert.equal(ocpp201.actionOf(CommandKind.STOP_SESSION), 'RequestStopTransaction');
      assert.equal(ocpp201.actionOf(CommandKind.GET_CONFIGURATION), 'GetVariables');
      assert.equal(ocpp201.actionOf(CommandKind.CHANGE_CONFIGURATION), 'SetVariables');
    });

    it('refuses what 2.0.1 cannot carry', () => {
      const startSession = payloadOf({ case: 'startSession', value: { idToken: { id: 'X' } } });
      assert.throws(() => ocpp201.call(startSession), refusedWith('INVALID_COMMAND'), 'a remote start needs its remoteStartId');
      assert.throws(() => ocpp201.call(payloadOf({ case: 'getConfiguration', value: { keys: [] } })), refusedWith('UNSUPPORTED_COMMAND'));
      assert.throws(() => ocpp201.call(payloadOf({ case: 'getConfiguration', value: { keys: ['HeartbeatInterval'] } })), refusedWith('INVALID_COMMAND'));
      assert.throws(() => ocpp201.call(payloadOf({ case: 'triggerMessage', value: { requestedMessage: 'DiagnosticsStatusNotification' } })), refusedWith('UNSUPPORTED_COMMAND'));
      assert.throws(() => ocpp201.call(payloadOf({ case: 'unlockConnector', value: { connectorId: 1 } })), refusedWith('INVALID_COMMAND'));
      assert.throws(() => ocpp201.call(payloadOf({ case: 'stopSession', value: {} })), refusedWith('INVALID_COMMAND'));
    });

    it('maps OCPI token types to 2.0.1 id token types', () => {
      assert.equal(ocpp201.idTokenType('RFID'), 'ISO14443');
      assert.equal(ocpp201.idTokenType('APP_USER'), 'Central');
      assert.equal(ocpp201.idTokenType('AD_HOC_USER'), 'Central');
      assert.equal(ocpp201.idTokenType('OTHER'), 'Local');
      assert.equal(ocpp201.idTokenType('eMAID'), 'eMAID');
      assert.equal(ocpp201.idTokenType(''), 'Central');
    });

    it('reads the status of each answer, variables included', () => {
      assert.equal(ocpp201.answerStatus('RequestStartTransaction', { status: 'Accepted' }), 'Accepted');
      const variable = { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } };
      assert.equal(ocpp201.answerStatus('GetVariables', { getVariableResult: [{ ...variable, attributeStatus: 'Accepted', attributeValue: '300' }] }), 'Accepted');
      assert.equal(
        ocpp201.answerStatus('GetVariables', {
          getVariableResult: [
            { ...variable, attributeStatus: 'Accepted' },
            { ...variable, attributeStatus: 'UnknownVariable' },
          ],
        }),
        'UnknownVariable',
      );
      assert.equal(ocpp201.answerStatus('SetVariables', { setVariableResult: [{ ...variable, attributeStatus: 'RebootRequired' }] }), 'RebootRequired');
      assert.equal(ocpp201.answerStatus('SetVariables', { setVariableResult: [] }), '');
    });
  });
});
