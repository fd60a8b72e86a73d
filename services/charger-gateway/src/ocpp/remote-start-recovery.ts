import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandResult, timestampDate } from '@roamgate/contracts';
import { commandStreamName, fromStoredEvent, type CommandStreamEvent, type DomainEvent } from '@roamgate/domain-charging';
import type { EventStore } from '@roamgate/event-store';
import { findAll, type ReadModelStore } from '@roamgate/read-models';
import { EVENT_STORE, READ_MODELS } from '@roamgate/runtime';
import { COMMANDS, SESSIONS, type CommandDocument, type SessionDocument } from '../projections/documents';
import { REMOTE_START_WINDOW_MS, RemoteStarts } from './remote-starts';

const PAGE = 200;
/** Commands still open: the CALL went out and no answer refused it (a crash can leave a command SENT for good). */
const OPEN_STATUSES = ['SENT', 'ACCEPTED'] as const;

/** What the command stream says about a remote start or stop. */
interface SentCommand {
  readonly commandId: string;
  readonly chargerId: string;
  readonly action: string;
  readonly at: number;
  readonly requested: DomainEvent<'CommandRequested'>;
  readonly remoteStartId: number | undefined;
}

/**
 * Rebuilds RemoteStarts at start-up: the remote starts and stops sent within REMOTE_START_WINDOW_MS that no session
 * took yet, so the StartTransaction / TransactionEvent / StopTransaction a charger sends after a gateway restart
 * still names its command. The commands read model nominates them; their streams give the CALL as it was sent.
 */
@Injectable()
export class RemoteStartRecovery {
  private readonly logger = new Logger('Commands');

  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly remote: RemoteStarts,
  ) {}

  /** Returns how many expectations it restored. */
  async recover(now = Date.now()): Promise<number> {
    let restored = 0;
    for (const doc of await this.candidates('START_SESSION', now)) {
      if (doc.sessionId !== null) continue;
      const sent = await this.sent(doc.id, now);
      if (sent === undefined || sent.requested.data.payload.case !== 'startSession') continue;
      if (sent.action === 'RemoteStartTransaction') {
        const { idToken, connectorId } = sent.requested.data.payload.value;
        if (idToken === undefined || idToken.id === '') continue;
        // As CommandExecutor announced it: the CALL names the connector only when one was asked for.
        this.remote.expect16(sent.chargerId, idToken.id, connectorId > 0 ? connectorId : undefined, sent.commandId, sent.at);
      } else if (sent.action === 'RequestStartTransaction' && sent.remoteStartId !== undefined) {
        this.remote.expect201(sent.chargerId, sent.remoteStartId, sent.commandId, sent.at);
      } else {
        continue;
      }
      restored++;
    }
    for (const doc of await this.candidates('STOP_SESSION', now)) {
      if (doc.sessionId === null) continue;
      const session = await this.readModels.get<SessionDocument>(SESSIONS, doc.sessionId);
      if (session !== undefined && (session.data.status !== 'ACTIVE' || session.data.stopCommandId !== null)) continue;
      const sent = await this.sent(doc.id, now);
      if (sent === undefined) continue;
      this.remote.expectStop(doc.sessionId, sent.commandId, sent.at);
      restored++;
    }
    if (restored > 0) this.logger.log(`restored ${restored} pending remote start/stop link(s) from the command streams`);
    return restored;
  }

  /** Open commands of the kind, newest first, down to the oldest that could still have been sent within the window. */
  private async candidates(kind: string, now: number): Promise<CommandDocument[]> {
    const found: CommandDocument[] = [];
    for (const status of OPEN_STATUSES) {
      for await (const doc of findAll<CommandDocument>(this.readModels, COMMANDS, { where: { kind, status }, sort: { field: 'requestedAt', direction: 'desc' } }, PAGE)) {
        if (this.tooOld(doc, now)) break;
        found.push(doc.data);
      }
    }
    return found;
  }

  /** A command is sent after it is requested and before its timeout; requested earlier than window + timeout, it was sent too long ago. */
  private tooOld(doc: { data: CommandDocument }, now: number): boolean {
    const requestedAt = doc.data.requestedAt === null ? Number.NaN : Date.parse(doc.data.requestedAt);
    return !(requestedAt >= now - REMOTE_START_WINDOW_MS - (doc.data.timeoutMs ?? 0));
  }

  /** The command as its stream has it, when it was sent within the window and not refused. */
  private async sent(commandId: string, now: number): Promise<SentCommand | undefined> {
    let requested: SentCommand['requested'] | undefined;
    let sentTo: DomainEvent<'CommandSentToCharger'> | undefined;
    for (const recorded of await this.store.readStream(commandStreamName(commandId))) {
      const event = fromStoredEvent(recorded as never) as CommandStreamEvent;
      if (event.type === 'CommandRequested') requested = event;
      else if (event.type === 'CommandSentToCharger') sentTo = event;
      else if (event.type === 'CommandAnswered' && !event.data.late && event.data.result !== CommandResult.ACCEPTED) return undefined;
    }
    if (requested === undefined || sentTo?.data.occurredAt === undefined) return undefined;
    const at = timestampDate(sentTo.data.occurredAt).getTime();
    if (now - at > REMOTE_START_WINDOW_MS) return undefined;
    return {
      commandId,
      chargerId: requested.data.chargerId,
      action: sentTo.data.action,
      at,
      requested,
      remoteStartId: sentTo.data.remoteStartId,
    };
  }
}
