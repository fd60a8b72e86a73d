import type { EventStore } from '@roamgate/event-store';

export interface SessionOwnership {
  readonly sessionId: string;
  readonly chargerId: string;
  readonly transactionId: string;
  /** The eMSP the session belongs to; empty for sessions started with local tokens. */
  readonly partnerId: string;
  readonly commandId: string;
  readonly stopped: boolean;
}

/**
 * Whose session is it, read from the session's stream in the shared store. The OCPI session id is the Roamgate
 * session id. A session belongs to the eMSP whose token authorized it or, for a remote start the charger reported
 * without a partner, to the eMSP that sent the START_SESSION.
 */
export async function sessionOwnership(store: EventStore, sessionId: string): Promise<SessionOwnership | undefined> {
  if (sessionId === '') return undefined;
  const events = await store.readStream(`session-${sessionId}`);
  let started: Record<string, unknown> | undefined;
  let partnerId = '';
  let stopped = false;
  for (const event of events) {
    const data = event.data as Record<string, unknown>;
    if (event.type === 'SessionStarted') {
      started ??= data;
      partnerId ||= String(data['partnerId'] ?? '');
    } else if (event.type === 'SessionAuthorized') {
      partnerId ||= String(data['partnerId'] ?? '');
    } else if (event.type === 'SessionStopped') {
      stopped = true;
    }
  }
  if (!started) return undefined;
  const commandId = String(started['commandId'] ?? '');
  if (!partnerId && commandId) partnerId = (await commandRequester(store, commandId))?.partnerId ?? '';
  return { sessionId, chargerId: String(started['chargerId'] ?? ''), transactionId: String(started['transactionId'] ?? ''), partnerId, commandId, stopped };
}

export interface CommandRequester {
  readonly commandId: string;
  readonly origin: string;
  readonly partnerId: string;
  readonly responseUrl: string;
  readonly kind: string;
  readonly chargerId: string;
  readonly outcome: 'pending' | 'answered' | 'timed_out' | 'failed';
}

/** Who asked for a command and where its result goes, from the command's stream. */
export async function commandRequester(store: EventStore, commandId: string): Promise<CommandRequester | undefined> {
  const events = await store.readStream(`command-${commandId}`);
  const requested = events.find((e) => e.type === 'CommandRequested')?.data as Record<string, unknown> | undefined;
  if (!requested) return undefined;
  let outcome: CommandRequester['outcome'] = 'pending';
  for (const event of events) {
    if (outcome !== 'pending') break;
    if (event.type === 'CommandAnswered' && !(event.data as Record<string, unknown>)['late']) outcome = 'answered';
    else if (event.type === 'CommandTimedOut') outcome = 'timed_out';
    else if (event.type === 'CommandFailed') outcome = 'failed';
  }
  return {
    commandId,
    origin: String(requested['origin'] ?? ''),
    partnerId: String(requested['partnerId'] ?? ''),
    responseUrl: String(requested['responseUrl'] ?? ''),
    kind: String(requested['kind'] ?? ''),
    chargerId: String(requested['chargerId'] ?? ''),
    outcome,
  };
}
