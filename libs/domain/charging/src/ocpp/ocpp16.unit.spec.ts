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
import { chargerDecider, connectorKey } from '../charger/charger.js';
import type { CommandPayload, CommandPayloadInit } from '../command/command.js';
import { decideAll, foldEvents } from '../shared/decider.js';
import { isChargingDomainError } from '../shared/errors.js';
import { energyRegisterWh } from '../session/meter.js';
import { SessionAnomaly, sessionDecider, type SessionState } from '../session/session.js';
import { ocpp16Examples as examples } from '../testing/ocpp-examples.js';
import { assertValidOcpp, isValidOcpp } from './official-schemas.spec.js';
import * as ocpp16 from './ocpp16.js';

const t = (hhmmss: string) => new Date(`2025-03-01T${hhmmss}Z`);
const chargerId = 'CP-16';
const payloadOf = (payload: CommandPayloadInit): CommandPayload => create(CommandRequestedSchema, { payload }).payload as CommandPayload;
const refusedWith = (code: Parameters<typeof isChargingDomainError>[1]) => (error: unknown) => isChargingDomainError(error, code);

describe('OCPP 1.6J mapping', () => {
  it('uses examples that are valid OCPP 1.6', () => {
    assertValidOcpp('1.6', 'BootNotification', 'req', examples.bootNotification());
    assertValidOcpp('1.6', 'StatusNotification', 'req', examples.statusNotification());
    assertValidOcpp('1.6', 'Authorize', 'req', examples.authorize());
    assertValidOcpp('1.6', 'StartTransaction', 'req', examples.startTransaction());
    assertValidOcpp('1.6', 'MeterValues', 'req', examples.meterValues());
    assertValidOcpp('1.6', 'StopTransaction', 'req', examples.stopTransaction());
    assert.equal(isValidOcpp('1.6', 'StartTransaction', 'req', { ...examples.startTransaction(), meterStart: '1000' }), false, 'the validator can fail');
  });

  describe('BootNotification', () => {
    const context = { now: t('10:00:00'), unknownChargerPolicy: 'pending' as const, heartbeatIntervalSeconds: 300 };

    it('maps the charger mix into RecordBoot', () => {
      assert.deepEqual(ocpp16.bootNotification(chargerId, examples.bootNotification(), context), {
        type: 'RecordBoot',
        chargerId,
        protocol: OcppVersion.OCPP_VERSION_1_6,
        vendor: 'VendorX',
        model: 'SingleSocketCharger',
        firmwareVersion: '1.4.2',
        serialNumber: 'SSC-0001',
        reason: '',
        unknownChargerPolicy: 'pending',
        heartbeatIntervalSeconds: 300,
        now: t('10:00:00'),
      });
    });

    it('falls back to the charge box serial number', () => {
      const request = examples.bootNotification({ chargePointSerialNumber: undefined, chargeBoxSerialNumber: 'BOX-9' });
      assert.equal(ocpp16.bootNotification(chargerId, request, context).serialNumber, 'BOX-9');
    });

    it('answers Accepted, Pending or Rejected with the interval and the current time', () => {
      for (const [status, expected] of [
        [BootStatus.ACCEPTED, 'Accepted'],
        [BootStatus.PENDING, 'Pending'],
        [BootStatus.REJECTED, 'Rejected'],
      ] as const) {
        const response = ocpp16.bootNotificationResponse({ status, heartbeatIntervalSeconds: 300, now: t('10:00:00') });
        assert.deepEqual(response, { status: expected, currentTime: '2025-03-01T10:00:00.000Z', interval: 300 });
        assertValidOcpp('1.6', 'BootNotification', 'conf', response);
      }
    });

    it('takes the answer from the charger decider: an unknown charger waits in Pending', () => {
      const { events } = decideAll(chargerDecider, [ocpp16.bootNotification(chargerId, examples.bootNotification(), context)], chargerDecider.initialState());
      assert.ok(events[0]?.type === 'ChargerBooted');
      assert.equal(ocpp16.bootNotificationResponse({ status: events[0].data.bootStatus, heartbeatIntervalSeconds: 60, now: t('10:00:00') }).status, 'Pending');
    });
  });

  it('answers Heartbeat with the current time', () => {
    const response = ocpp16.heartbeatResponse(t('10:05:00'));
    assert.deepEqual(response, { currentTime: '2025-03-01T10:05:00.000Z' });
    assertValidOcpp('1.6', 'Heartbeat', 'conf', response);
  });

  describe('StatusNotification', () => {
    it('maps a connector status with the charger timestamp', () => {
      const request = examples.statusNotification({ status: 'SuspendedEV', errorCode: 'NoError', info: 'car full' });
      assert.deepEqual(ocpp16.statusNotification(chargerId, request, t('10:00:01')), {
        type: 'RecordConnectorStatus',
        chargerId,
        evseId: 0,
        connectorId: 1,
        status: ConnectorStatus.SUSPENDED_EV,
        errorCode: 'NoError',
        info: 'car full',
        vendorErrorCode: '',
        timestamp: t('10:00:00'),
        now: t('10:00:01'),
      });
    });

    it('maps connector 0 to the whole charger', () => {
      const command = ocpp16.statusNotification(chargerId, examples.statusNotification({ connectorId: 0, status: 'Unavailable' }), t('10:00:01'));
      const state = decideAll(chargerDecider, [command], chargerDecider.initialState()).state;
      assert.equal(state.connectors[connectorKey(0, 0)]?.status, ConnectorStatus.UNAVAILABLE);
    });

    it('leaves the timestamp out when the charger sent none', () => {
      const { timestamp: _omitted, ...request } = examples.statusNotification();
      assert.equal('timestamp' in ocpp16.statusNotification(chargerId, request, t('10:00:01')), false);
    });

    it('refuses a timestamp that is not RFC 3339', () => {
      assert.throws(
        () => ocpp16.statusNotification(chargerId, examples.statusNotification({ timestamp: '01/03/2025 10:00' }), t('10:00:01')),
        refusedWith('INVALID_PAYLOAD'),
      );
    });

    it('derives the charging state from the status', () => {
      assert.equal(ocpp16.chargingStateOfStatus('Charging'), ChargingState.CHARGING);
      assert.equal(ocpp16.chargingStateOfStatus('SuspendedEV'), ChargingState.SUSPENDED_EV);
      assert.equal(ocpp16.chargingStateOfStatus('SuspendedEVSE'), ChargingState.SUSPENDED_EVSE);
      assert.equal(ocpp16.chargingStateOfStatus('Finishing'), ChargingState.EV_CONNECTED);
      assert.equal(ocpp16.chargingStateOfStatus('Faulted'), undefined);
    });
  });

  describe('Authorize', () => {
    it('answers the injected decision as idTagInfo', () => {
      const response = ocpp16.authorizeResponse({ status: AuthorizationStatus.ACCEPTED, expiresAt: t('23:59:59'), groupId: 'FLEET-1' });
      assert.deepEqual(response, { idTagInfo: { status: 'Accepted', expiryDate: '2025-03-01T23:59:59.000Z', parentIdTag: 'FLEET-1' } });
      assertValidOcpp('1.6', 'Authorize', 'conf', response);
    });

    it('maps refusals 1.6 has no word for to Invalid', () => {
      const cases: [AuthorizationStatus, string][] = [
        [AuthorizationStatus.BLOCKED, 'Blocked'],
        [AuthorizationStatus.EXPIRED, 'Expired'],
        [AuthorizationStatus.CONCURRENT_TX, 'ConcurrentTx'],
        [AuthorizationStatus.INVALID, 'Invalid'],
        [AuthorizationStatus.NO_CREDIT, 'Invalid'],
        [AuthorizationStatus.NOT_AT_THIS_LOCATION, 'Invalid'],
        [AuthorizationStatus.UNKNOWN, 'Invalid'],
        [AuthorizationStatus.UNSPECIFIED, 'Invalid'],
      ];
      for (const [status, expected] of cases) {
        const response = ocpp16.authorizeResponse({ status });
        assert.equal(response.idTagInfo.status, expected, AuthorizationStatus[status]);
        assertValidOcpp('1.6', 'Authorize', 'conf', response);
      }
      assert.equal(ocpp16.authorizationStatus('ConcurrentTx'), AuthorizationStatus.CONCURRENT_TX);
    });
  });

  describe('transactions', () => {
    const startContext = { sessionId: 's-16', transactionId: 17, now: t('10:01:01') };

    it('maps StartTransaction to StartSession with the allocated integer transactionId', () => {
      assert.deepEqual(ocpp16.startTransaction(chargerId, examples.startTransaction({ reservationId: 5 }), { ...startContext, commandId: 'cmd-1' }), {
        type: 'StartSession',
        sessionId: 's-16',
        chargerId,
        protocol: OcppVersion.OCPP_VERSION_1_6,
        evseId: 0,
        connectorId: 1,
        transactionId: '17',
        idToken: { id: 'B4A63CDF', type: '' },
        meterStartWh: '1000',
        timestamp: t('10:01:00'),
        reservationId: '5',
        commandId: 'cmd-1',
        now: t('10:01:01'),
      });
    });

    it('answers StartTransaction with the transactionId and idTagInfo', () => {
      const response = ocpp16.startTransactionResponse(17, { status: AuthorizationStatus.ACCEPTED });
      assert.deepEqual(response, { transactionId: 17, idTagInfo: { status: 'Accepted' } });
      assertValidOcpp('1.6', 'StartTransaction', 'conf', response);
    });

    it('recognises a StartTransaction repeated after a reconnect and answers it with the same transaction', () => {
      const index = new Map<string, string>();
      const streams = new Map<string, SessionState>();
      let nextTransactionId = 17;
      const handle = (request: ReturnType<typeof examples.startTransaction>, now: Date) => {
        const key = ocpp16.startTransactionKey(chargerId, request);
        const sessionId = index.get(key) ?? `s-${index.size + 1}`;
        const state = streams.get(sessionId) ?? sessionDecider.initialState();
        const transactionId = state.status === 'none' ? nextTransactionId++ : Number(state.transactionId);
        const outcome = decideAll(sessionDecider, [ocpp16.startTransaction(chargerId, request, { sessionId, transactionId, now })], state);
        index.set(key, sessionId);
        streams.set(sessionId, outcome.state);
        return { sessionId, events: outcome.events, response: ocpp16.startTransactionResponse(transactionId, { status: AuthorizationStatus.ACCEPTED }) };
      };

      const first = handle(examples.startTransaction(), t('10:01:01'));
      const repeated = handle(examples.startTransaction(), t('10:09:00'));
      const another = handle(examples.startTransaction({ timestamp: '2025-03-01T12:00:00.000Z', meterStart: 12000 }), t('12:00:01'));

      assert.equal(first.events.length, 1);
      assert.equal(repeated.sessionId, first.sessionId);
      assert.deepEqual(repeated.events, []);
      assert.equal(repeated.response.transactionId, first.response.transactionId);
      assert.notEqual(another.sessionId, first.sessionId);
      assert.equal(another.response.transactionId, 18);
    });

    it('maps StopTransaction with its transaction data', () => {
      const command = ocpp16.stopTransaction(examples.stopTransaction(), { sessionId: 's-16', now: t('11:01:01') });
      assert.equal(command.meterStopWh, '12000');
      assert.equal(command.reason, 'EVDisconnected');
      assert.deepEqual(command.idToken, { id: 'B4A63CDF', type: '' });
      assert.deepEqual(
        command.transactionData?.map((r) => [r.timestamp.toISOString(), r.values[0]?.context]),
        [
          ['2025-03-01T10:01:00.000Z', 'Transaction.Begin'],
          ['2025-03-01T11:01:00.000Z', 'Transaction.End'],
        ],
      );
    });

    it('takes a stop without reason as Local, as OCPP 1.6 defines', () => {
      const { reason: _omitted, ...request } = examples.stopTransaction();
      assert.equal(ocpp16.stopTransaction(request, { sessionId: 's-16', now: t('11:01:01') }).reason, 'Local');
    });

    it('answers StopTransaction with or without idTagInfo', () => {
      assertValidOcpp('1.6', 'StopTransaction', 'conf', ocpp16.stopTransactionResponse());
      const response = ocpp16.stopTransactionResponse({ status: AuthorizationStatus.ACCEPTED });
      assert.deepEqual(response, { idTagInfo: { status: 'Accepted' } });
      assertValidOcpp('1.6', 'StopTransaction', 'conf', response);
    });

    it('maps MeterValues, keeping values and units as sent', () => {
      const command = ocpp16.meterValues(examples.meterValues(), { sessionId: 's-16', now: t('10:16:02') });
      assert.equal(command.type, 'RecordMeterValues');
      assert.deepEqual(command.samples[0]?.values[0], {
        value: '4.25',
        measurand: 'Energy.Active.Import.Register',
        unit: 'kWh',
        phase: '',
        context: 'Sample.Periodic',
        location: 'Outlet',
      });
      assert.equal(energyRegisterWh(command.samples[0]!), '4250');
    });

    it('runs a session end to end: start, status-derived charging state, meter values, a late stop below the start', () => {
      const sessionId = 's-16';
      const commands = [
        ocpp16.startTransaction(chargerId, examples.startTransaction({ meterStart: 5000 }), { ...startContext, sessionId }),
        {
          type: 'RecordChargingState' as const,
          sessionId,
          chargingState: ocpp16.chargingStateOfStatus('Charging')!,
          timestamp: t('10:01:30'),
          now: t('10:01:31'),
        },
        ocpp16.meterValues(examples.meterValues(), { sessionId, now: t('10:16:01') }),
        ocpp16.stopTransaction(examples.stopTransaction({ meterStop: 4000, transactionData: undefined }), { sessionId, now: t('12:30:00'), offline: true }),
        ocpp16.stopTransaction(examples.stopTransaction({ meterStop: 4000, transactionData: undefined }), { sessionId, now: t('12:30:05'), offline: true }),
      ];
      const { events, state } = decideAll(sessionDecider, commands, sessionDecider.initialState());
      assert.deepEqual(
        events.map((e) => e.type),
        ['SessionStarted', 'SessionChargingStateChanged', 'SessionMeterValuesRecorded', 'SessionStopped'],
      );
      assert.equal(state.status, 'stopped');
      assert.deepEqual(state.anomalies, [SessionAnomaly.MeterStopBelowMeterStart]);
      assert.deepEqual(foldEvents(sessionDecider, events), state);
    });
  });

  describe('commands to the charger', () => {
    const calls: [string, CommandPayloadInit, ocpp16.Ocpp16Call][] = [
      [
        'START_SESSION',
        { case: 'startSession', value: { idToken: { id: 'B4A63CDF', type: 'RFID' }, connectorId: 1 } },
        { action: 'RemoteStartTransaction', payload: { connectorId: 1, idTag: 'B4A63CDF' } },
      ],
      [
        'START_SESSION on any connector',
        { case: 'startSession', value: { idToken: { id: 'B4A63CDF' } } },
        { action: 'RemoteStartTransaction', payload: { idTag: 'B4A63CDF' } },
      ],
      ['STOP_SESSION', { case: 'stopSession', value: { sessionId: 's-16', transactionId: '17' } }, { action: 'RemoteStopTransaction', payload: { transactionId: 17 } }],
      ['UNLOCK_CONNECTOR', { case: 'unlockConnector', value: { connectorId: 2 } }, { action: 'UnlockConnector', payload: { connectorId: 2 } }],
      [
        'RESERVE_NOW',
        {
          case: 'reserveNow',
          value: { reservationId: '7', idToken: { id: 'B4A63CDF' }, expiresAt: timestampFromDate(t('12:00:00')), connectorId: 1 },
        },
        { action: 'ReserveNow', payload: { connectorId: 1, expiryDate: '2025-03-01T12:00:00.000Z', idTag: 'B4A63CDF', reservationId: 7 } },
      ],
      ['CANCEL_RESERVATION', { case: 'cancelReservation', value: { reservationId: '7' } }, { action: 'CancelReservation', payload: { reservationId: 7 } }],
      ['RESET', { case: 'reset', value: { resetType: 'Hard' } }, { action: 'Reset', payload: { type: 'Hard' } }],
      ['RESET in 2.0.1 words', { case: 'reset', value: { resetType: 'OnIdle' } }, { action: 'Reset', payload: { type: 'Soft' } }],
      [
        'CHANGE_AVAILABILITY',
        { case: 'changeAvailability', value: { availability: 'Inoperative', connectorId: 0 } },
        { action: 'ChangeAvailability', payload: { connectorId: 0, type: 'Inoperative' } },
      ],
      [
        'TRIGGER_MESSAGE',
        { case: 'triggerMessage', value: { requestedMessage: 'StatusNotification', connectorId: 1 } },
        { action: 'TriggerMessage', payload: { requestedMessage: 'StatusNotification', connectorId: 1 } },
      ],
      ['GET_CONFIGURATION, every key', { case: 'getConfiguration', value: { keys: [] } }, { action: 'GetConfiguration', payload: {} }],
      [
        'GET_CONFIGURATION',
        { case: 'getConfiguration', value: { keys: ['HeartbeatInterval', 'MeterValueSampleInterval'] } },
        { action: 'GetConfiguration', payload: { key: ['HeartbeatInterval', 'MeterValueSampleInterval'] } },
      ],
      [
        'CHANGE_CONFIGURATION',
        { case: 'changeConfiguration', value: { key: 'HeartbeatInterval', value: '300' } },
        { action: 'ChangeConfiguration', payload: { key: 'HeartbeatInterval', value: '300' } },
      ],
    ];
    for (const [name, payload, expected] of calls) {
      it(`maps ${name} to a valid ${expected.action}`, () => {
        const call = ocpp16.call(payloadOf(payload));
        assert.deepEqual(call, expected);
        assertValidOcpp('1.6', call.action, 'req', call.payload);
      });
    }

    it('names the action of every command kind', () => {
      assert.equal(ocpp16.actionOf(CommandKind.START_SESSION), 'RemoteStartTransaction');
      assert.equal(ocpp16.actionOf(CommandKind.GET_CONFIGURATION), 'GetConfiguration');
      assert.throws(() => ocpp16.actionOf(CommandKind.UNSPECIFIED), refusedWith('UNSUPPORTED_COMMAND'));
    });

    it('takes an integer reservation id from the caller when the requested one is not', () => {
      const payload = payloadOf({ case: 'cancelReservation', value: { reservationId: 'a3f1-ocpi' } });
      assert.throws(() => ocpp16.call(payload), refusedWith('INVALID_COMMAND'));
      assert.deepEqual(ocpp16.call(payload, { reservationId: 99 }).payload, { reservationId: 99 });
    });

    it('refuses what 1.6 cannot carry', () => {
      assert.throws(() => ocpp16.call(payloadOf({ case: 'stopSession', value: { transactionId: 'tx-abc' } })), refusedWith('INVALID_COMMAND'));
      assert.throws(() => ocpp16.call(payloadOf({ case: 'startSession', value: {} })), refusedWith('INVALID_COMMAND'));
      assert.throws(() => ocpp16.call(payloadOf({ case: 'triggerMessage', value: { requestedMessage: 'TransactionEvent' } })), refusedWith('UNSUPPORTED_COMMAND'));
      assert.throws(() => ocpp16.call(payloadOf({ case: 'reset', value: { resetType: 'Warm' } })), refusedWith('INVALID_COMMAND'));
      assert.throws(() => ocpp16.call(payloadOf({ case: 'changeAvailability', value: { availability: 'Off' } })), refusedWith('INVALID_COMMAND'));
    });

    it('reads the status of each answer', () => {
      assert.equal(ocpp16.answerStatus('RemoteStartTransaction', { status: 'Rejected' }), 'Rejected');
      assert.equal(ocpp16.answerStatus('UnlockConnector', { status: 'Unlocked' }), 'Unlocked');
      assert.equal(ocpp16.answerStatus('GetConfiguration', { configurationKey: [{ key: 'HeartbeatInterval', readonly: false, value: '300' }] }), 'Accepted');
      assert.equal(ocpp16.answerStatus('GetConfiguration', { unknownKey: ['Nope'] }), 'Rejected');
      assert.equal(ocpp16.answerStatus('Reset', {}), '');
    });
  });
});
