import { ocpp201, type SessionCommand } from '@roamgate/domain-charging';
import { newEventId } from '@roamgate/event-store';
import type { CallHandler, CentralSystem, IncomingCall } from './central-system';
import { evsePlace } from './places';
import type { TokenAuthorization } from './token-authorizer';
import { transactionKeys } from './transaction-index';

type Handler<P> = (call: IncomingCall<P>) => Promise<object>;

/** OCPP 2.0.1 messages a charging station sends, answered through the charging domain. */
export function ocpp201Handlers(cs: CentralSystem): Record<string, CallHandler> {
  const BootNotification: Handler<ocpp201.BootNotificationRequest> = async ({ connection, params, now }) => {
    const status = await cs.boot((context) => ocpp201.bootNotification(connection.chargerId, params, context), now);
    return ocpp201.bootNotificationResponse({ status, heartbeatIntervalSeconds: cs.config.ocpp.heartbeatIntervalS, now });
  };

  const Heartbeat: Handler<ocpp201.HeartbeatRequest> = async ({ now }) => ocpp201.heartbeatResponse(now);

  const StatusNotification: Handler<ocpp201.StatusNotificationRequest> = async ({ connection, params, now }) => {
    await cs.recordCharger(connection.chargerId, [ocpp201.statusNotification(connection.chargerId, params, now)]);
    return {};
  };

  const Authorize: Handler<ocpp201.AuthorizeRequest> = async ({ connection, params }) =>
    ocpp201.authorizeResponse(await cs.authorize(connection, 'Authorize', ocpp201.sessionIdToken(params.idToken)));

  /**
   * Started, Updated and Ended of one transaction land on one session, found by the charger's transactionId. An
   * Updated or Ended for a transaction whose Started never arrived opens the session from what it carries. Offline
   * events keep their flag and the session orders everything by the charger's timestamps and seqNo.
   */
  const TransactionEvent: Handler<ocpp201.TransactionEventRequest> = async ({ connection, params, messageId, now }) => {
    const { chargerId } = connection;
    const key = transactionKeys.byKey201(ocpp201.transactionKey(chargerId, params.transactionInfo.transactionId));
    const { sessionId } = (await cs.transaction(key)) ?? (await cs.claimTransaction(key, { sessionId: newEventId(), transactionId: params.transactionInfo.transactionId }));
    const remoteStartId = params.transactionInfo.remoteStartId;
    const startedBy = remoteStartId === undefined ? undefined : cs.remote.take201(chargerId, remoteStartId);
    const stoppedBy = params.eventType === 'Ended' && params.triggerReason === 'RemoteStop' ? cs.remote.takeStop(sessionId) : undefined;
    const commandId = startedBy ?? stoppedBy;
    const idToken = params.idToken === undefined ? undefined : ocpp201.sessionIdToken(params.idToken);
    const place = { ...(params.evse === undefined ? {} : { evseId: params.evse.id, ...(params.evse.connectorId === undefined ? {} : { connectorId: params.evse.connectorId }) }) };
    const decision: TokenAuthorization | undefined = idToken === undefined ? undefined : await cs.authorize(connection, 'TransactionEvent', idToken, place);
    connection.frames.annotate(messageId, { sessionId, ...(commandId === undefined ? {} : { commandId }) });

    const context = {
      sessionId,
      now,
      ...(commandId === undefined ? {} : { commandId }),
      ...(decision?.partnerId === undefined ? {} : { partnerId: decision.partnerId }),
      ...(decision?.authorizationReference === undefined ? {} : { authorizationReference: decision.authorizationReference }),
    };
    let opens = false;
    const state = await cs.recordSession(sessionId, (current) => {
      opens = current.status === 'none';
      const commands: SessionCommand[] = [];
      if (current.status === 'none' && params.eventType !== 'Started') {
        commands.push(...ocpp201.transactionEvent(chargerId, { ...params, eventType: 'Started' }, context).filter((c) => c.type === 'StartSession'));
      }
      commands.push(...ocpp201.transactionEvent(chargerId, params, context));
      if (idToken !== undefined && decision !== undefined) commands.push(cs.authorizationCommand(sessionId, idToken, decision, now));
      return commands;
    });
    if (state !== undefined) {
      if (opens && state.evseId > 0) await cs.superseding(state);
      if (state.status === 'active' && state.evseId > 0) cs.active.set(chargerId, evsePlace(state.evseId), sessionId);
      if (state.status === 'stopped') cs.active.clear(chargerId, evsePlace(state.evseId), sessionId);
    }
    return ocpp201.transactionEventResponse(decision);
  };

  /** Outside TransactionEvent, meter values belong to the session open on that EVSE, if any (evseId 0 is the main meter). */
  const MeterValues: Handler<ocpp201.MeterValuesRequest> = async ({ connection, params, messageId, now }) => {
    const sessionId = params.evseId > 0 ? cs.active.get(connection.chargerId, evsePlace(params.evseId)) : undefined;
    if (sessionId === undefined) return {};
    connection.frames.annotate(messageId, { sessionId });
    await cs.recordSession(sessionId, () => [ocpp201.meterValues(params, { sessionId, now })]);
    return {};
  };

  const noticed: Handler<unknown> = async () => ({});

  return {
    BootNotification,
    Heartbeat,
    StatusNotification,
    Authorize,
    TransactionEvent,
    MeterValues,
    NotifyEvent: noticed,
    SecurityEventNotification: noticed,
  } as Record<string, CallHandler>;
}
