import { ocpp16 } from '@roamgate/domain-charging';
import { newEventId } from '@roamgate/event-store';
import type { CallHandler, CentralSystem, IncomingCall } from './central-system';
import { connectorPlace } from './places';
import { transactionKeys } from './transaction-index';

type Handler<P> = (call: IncomingCall<P>) => Promise<object>;

/** OCPP 1.6J messages a charge point sends, answered through the charging domain. */
export function ocpp16Handlers(cs: CentralSystem): Record<string, CallHandler> {
  const BootNotification: Handler<ocpp16.BootNotificationRequest> = async ({ connection, params, now }) => {
    const status = await cs.boot((context) => ocpp16.bootNotification(connection.chargerId, params, context), now);
    return ocpp16.bootNotificationResponse({ status, heartbeatIntervalSeconds: cs.config.ocpp.heartbeatIntervalS, now });
  };

  const Heartbeat: Handler<ocpp16.HeartbeatRequest> = async ({ now }) => ocpp16.heartbeatResponse(now);

  const StatusNotification: Handler<ocpp16.StatusNotificationRequest> = async ({ connection, params, messageId, now }) => {
    await cs.recordCharger(connection.chargerId, [ocpp16.statusNotification(connection.chargerId, params, now)]);
    const sessionId = cs.active.get(connection.chargerId, connectorPlace(params.connectorId));
    const chargingState = ocpp16.chargingStateOfStatus(params.status);
    if (sessionId !== undefined && chargingState !== undefined) {
      connection.frames.annotate(messageId, { sessionId });
      const timestamp = params.timestamp === undefined ? now : new Date(params.timestamp);
      await cs.recordSession(sessionId, () => [{ type: 'RecordChargingState', sessionId, chargingState, timestamp, now }]);
    }
    return {};
  };

  const Authorize: Handler<ocpp16.AuthorizeRequest> = async ({ connection, params }) =>
    ocpp16.authorizeResponse(await cs.authorize(connection, 'Authorize', { id: params.idTag }));

  /**
   * The integer transactionId is claimed in the index under the start's identity before the session is written, so a
   * StartTransaction repeated after a reconnect gets the same transactionId and session, whatever happened in between.
   */
  const StartTransaction: Handler<ocpp16.StartTransactionRequest> = async ({ connection, params, messageId, now }) => {
    const { chargerId } = connection;
    const startKey = transactionKeys.start16(ocpp16.startTransactionKey(chargerId, params));
    let entry = await cs.transaction(startKey);
    entry ??= await cs.claimTransaction(startKey, { sessionId: newEventId(), transactionId: String(await cs.index.nextInteger()) });
    await cs.claimTransaction(transactionKeys.byId16(chargerId, entry.transactionId), entry);
    const { sessionId } = entry;
    const transactionId = Number(entry.transactionId);
    const idToken = { id: params.idTag, type: '' };
    const decision = await cs.authorize(connection, 'StartTransaction', idToken, { connectorId: params.connectorId });
    const commandId = cs.remote.take16(chargerId, params.idTag, params.connectorId);
    connection.frames.annotate(messageId, { sessionId, ...(commandId === undefined ? {} : { commandId }) });
    const state = await cs.recordSession(sessionId, () => [
      ocpp16.startTransaction(chargerId, params, {
        sessionId,
        transactionId,
        now,
        offline: cs.isOffline(connection, params.timestamp),
        ...(commandId === undefined ? {} : { commandId }),
        ...(decision.partnerId === undefined ? {} : { partnerId: decision.partnerId }),
        ...(decision.authorizationReference === undefined ? {} : { authorizationReference: decision.authorizationReference }),
      }),
      cs.authorizationCommand(sessionId, idToken, decision, now),
    ]);
    if (state !== undefined) await cs.superseding(state);
    if (state?.status === 'active') cs.active.set(chargerId, connectorPlace(params.connectorId), sessionId);
    return ocpp16.startTransactionResponse(transactionId, decision);
  };

  const StopTransaction: Handler<ocpp16.StopTransactionRequest> = async ({ connection, params, messageId, now }) => {
    const { chargerId } = connection;
    const decision = params.idTag === undefined ? undefined : await cs.authorize(connection, 'StopTransaction', { id: params.idTag });
    const entry = await cs.transaction(transactionKeys.byId16(chargerId, params.transactionId));
    if (entry === undefined) {
      cs.logger.warn(`charger ${chargerId}: StopTransaction for unknown transaction ${params.transactionId}`);
      return ocpp16.stopTransactionResponse(decision);
    }
    const { sessionId } = entry;
    const commandId = cs.remote.takeStop(sessionId);
    connection.frames.annotate(messageId, { sessionId, ...(commandId === undefined ? {} : { commandId }) });
    const state = await cs.recordSession(sessionId, () => [
      ocpp16.stopTransaction(params, { sessionId, now, offline: cs.isOffline(connection, params.timestamp), ...(commandId === undefined ? {} : { commandId }) }),
    ]);
    if (state !== undefined) cs.active.clear(chargerId, connectorPlace(state.connectorId), sessionId);
    return ocpp16.stopTransactionResponse(decision);
  };

  const MeterValues: Handler<ocpp16.MeterValuesRequest> = async ({ connection, params, messageId, now }) => {
    const { chargerId } = connection;
    const sessionId =
      params.transactionId === undefined
        ? cs.active.get(chargerId, connectorPlace(params.connectorId))
        : (await cs.transaction(transactionKeys.byId16(chargerId, params.transactionId)))?.sessionId;
    if (sessionId === undefined) return {};
    connection.frames.annotate(messageId, { sessionId });
    await cs.recordSession(sessionId, () => [
      ocpp16.meterValues(params, { sessionId, now, offline: cs.isOffline(connection, params.meterValue[0]?.timestamp) }),
    ]);
    return {};
  };

  // No vendor extension is understood yet (OCPP 1.6 §4.3: UnknownVendorId when the vendorId is not known).
  const DataTransfer: Handler<unknown> = async () => ({ status: 'UnknownVendorId' });
  const noticed: Handler<unknown> = async () => ({});

  return {
    BootNotification,
    Heartbeat,
    StatusNotification,
    Authorize,
    StartTransaction,
    StopTransaction,
    MeterValues,
    DataTransfer,
    DiagnosticsStatusNotification: noticed,
    FirmwareStatusNotification: noticed,
    SecurityEventNotification: noticed,
  } as Record<string, CallHandler>;
}
