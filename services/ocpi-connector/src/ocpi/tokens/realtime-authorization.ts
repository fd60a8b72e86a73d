import { Inject, Injectable, Logger } from '@nestjs/common';
import type { DeliveredMessage } from '@roamgate/bus';
import { decodeEventBinary, timestampFromMs, timestampMs, type EventMessage } from '@roamgate/contracts';
import { domainEvent, toStoredEvent } from '@roamgate/domain-ocpi';
import { WrongExpectedRevisionError, type EventStore } from '@roamgate/event-store';
import { EVENT_STORE } from '@roamgate/runtime';
import { chargerFacts, evseUidOf, locationIdOf } from '../commands/evse-mapping';
import { derivedEventId } from '../push/derived-id';
import { EVENT_HEADER } from '../sessions/sessions.sender';
import { TOKEN_TYPES, type TokenType } from './tokens.dto';
import { TokensService, type LocationReferences } from './tokens.service';

export const TOKENAUTH_GROUP = 'ocpi-connector-tokenauth';
export const TOKENAUTH_TOPIC = 'roamgate.tokenauth';
/** Time kept back from the gateway's deadline for appending the answer and the gateway reading it. */
const ANSWER_MARGIN_MS = 250;

/**
 * The connector's half of real-time authorization: a charger's TokenAuthorizationRequested (from the gateway, on
 * roamgate.tokenauth) is put to the eMSP with TokensService.authorize, the LocationReferences of the charger's place
 * given, within what is left of the gateway's deadline; the answer is TokenAuthorizationDecided on the request's
 * stream at expected revision 0, so it is recorded only if the gateway has not given up (and then it answered from
 * its cache, TokenAuthorizationTimedOut). A request whose deadline passed before it arrived is not put to the eMSP.
 * Fed by OcpiBusConsumers (group TOKENAUTH_GROUP).
 */
@Injectable()
export class RealtimeAuthorizationResponder {
  private readonly logger = new Logger('OcpiRealtimeAuthorization');

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly tokens: TokensService,
  ) {}

  async handle(message: DeliveredMessage): Promise<void> {
    if (message.headers[EVENT_HEADER.type] !== 'TokenAuthorizationRequested') return;
    const request = decodeEventBinary('TokenAuthorizationRequested', message.value);
    const streamId = message.headers[EVENT_HEADER.stream] ?? message.key;
    await this.answer(streamId, request);
  }

  async answer(streamId: string, request: EventMessage<'TokenAuthorizationRequested'>): Promise<void> {
    const remaining = (request.deadline ? timestampMs(request.deadline) : 0) - Date.now() - ANSWER_MARGIN_MS;
    if (remaining <= 0) {
      this.logger.warn(`real-time authorization ${request.requestId} of ${request.uid} arrived after its deadline; the gateway answered from its cache`);
      return;
    }
    if ((await this.store.readStream(streamId, { fromRevision: 1, maxCount: 1 })).length > 0) return;
    const type: TokenType = (TOKEN_TYPES as readonly string[]).includes(request.tokenType) ? (request.tokenType as TokenType) : 'RFID';
    const location = await this.locationOf(request);
    const startedAt = Date.now();
    const decision = await this.tokens.authorize(request.uid, type, location, { ...(request.partnerId ? { partnerId: request.partnerId } : {}), timeoutMs: remaining });
    const decided = domainEvent('TokenAuthorizationDecided', {
      requestId: request.requestId,
      occurredAt: timestampFromMs(Date.now()),
      partnerId: decision.partnerId ?? request.partnerId,
      allowed: decision.allowed,
      emspReached: decision.emspReached,
      authorizationReference: decision.authorizationReference ?? '',
      locationId: location?.location_id ?? '',
      evseUids: [...(location?.evse_uids ?? [])],
      reason: decision.reason ?? '',
      latencyMs: Date.now() - startedAt,
    });
    try {
      await this.store.append(streamId, [{ id: derivedEventId(`tokenauth|${request.requestId}`), ...toStoredEvent(decided) } as never], { expectedRevision: 0 });
    } catch (error) {
      if (!(error instanceof WrongExpectedRevisionError)) throw error;
      this.logger.warn(`real-time authorization ${request.requestId} of ${request.uid}: the eMSP answered ${decision.allowed} after the gateway's deadline`);
    }
  }

  /** LocationReferences of the charger's place, as the sessions and commands name it (evse-mapping). */
  private async locationOf(request: EventMessage<'TokenAuthorizationRequested'>): Promise<LocationReferences | undefined> {
    const charger = await chargerFacts(this.store, request.chargerId);
    if (!charger) return undefined;
    const evse = request.evseId > 0 ? request.evseId : request.connectorId;
    return { location_id: locationIdOf(charger), ...(evse > 0 ? { evse_uids: [evseUidOf(request.chargerId, evse)] } : {}) };
  }
}
