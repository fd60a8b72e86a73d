import { Injectable } from '@nestjs/common';

/** How long a 1.6 RemoteStartTransaction waits for the StartTransaction it causes. */
export const REMOTE_START_WINDOW_MS = 10 * 60_000;

interface Pending {
  readonly commandId: string;
  readonly at: number;
}

/**
 * Links the sessions the charger reports to the remote start or stop that caused them, so SessionStarted and
 * SessionStopped carry the command id. 2.0.1 echoes the remoteStartId; 1.6 is matched by idTag (and connector).
 * Kept in memory and rebuilt at start-up from the command streams (RemoteStartRecovery), so a session started across
 * a gateway restart still carries its command id. `at` is when the CALL was sent; the window runs from there.
 */
@Injectable()
export class RemoteStarts {
  private readonly starts16 = new Map<string, Pending>();
  private readonly starts201 = new Map<string, Pending>();
  private readonly stops = new Map<string, Pending>();

  expect16(chargerId: string, idTag: string, connectorId: number | undefined, commandId: string, at = Date.now()): void {
    this.starts16.set(`${chargerId}|${idTag}|${connectorId ?? 0}`, { commandId, at });
    this.prune();
  }

  take16(chargerId: string, idTag: string, connectorId: number): string | undefined {
    return this.take(this.starts16, `${chargerId}|${idTag}|${connectorId}`) ?? this.take(this.starts16, `${chargerId}|${idTag}|0`);
  }

  /** Whether a StartTransaction with this idTag would be the answer to a remote start (nothing is taken). */
  expects16(chargerId: string, idTag: string, connectorId: number | undefined): boolean {
    const fresh = (key: string) => {
      const pending = this.starts16.get(key);
      return pending !== undefined && Date.now() - pending.at <= REMOTE_START_WINDOW_MS;
    };
    return fresh(`${chargerId}|${idTag}|${connectorId ?? 0}`) || fresh(`${chargerId}|${idTag}|0`);
  }

  expect201(chargerId: string, remoteStartId: number, commandId: string, at = Date.now()): void {
    this.starts201.set(`${chargerId}|${remoteStartId}`, { commandId, at });
    this.prune();
  }

  take201(chargerId: string, remoteStartId: number): string | undefined {
    return this.take(this.starts201, `${chargerId}|${remoteStartId}`);
  }

  expectStop(sessionId: string, commandId: string, at = Date.now()): void {
    this.stops.set(sessionId, { commandId, at });
    this.prune();
  }

  takeStop(sessionId: string): string | undefined {
    return this.take(this.stops, sessionId);
  }

  private take(map: Map<string, Pending>, key: string): string | undefined {
    const pending = map.get(key);
    if (pending === undefined) return undefined;
    map.delete(key);
    return Date.now() - pending.at <= REMOTE_START_WINDOW_MS ? pending.commandId : undefined;
  }

  private prune(): void {
    const oldest = Date.now() - REMOTE_START_WINDOW_MS;
    for (const map of [this.starts16, this.starts201, this.stops]) {
      for (const [key, pending] of map) if (pending.at < oldest) map.delete(key);
    }
  }
}
