import { Injectable, Logger } from '@nestjs/common';
import type { OcppVersion } from '@roamgate/contracts';
import type { RPCClient } from 'ocpp-rpc';
import type { FrameRecorder } from './frame-recorder';

export type Subprotocol = 'ocpp1.6' | 'ocpp2.0.1';

export interface ChargerConnection {
  readonly chargerId: string;
  readonly connectionId: string;
  readonly subprotocol: Subprotocol;
  readonly protocol: OcppVersion;
  readonly connectedAt: Date;
  readonly securityProfile: number;
  readonly client: RPCClient;
  readonly frames: FrameRecorder;
  /** Known registered; an unknown charger held in Pending becomes registered when an operator adds it. */
  registered: boolean;
}

/** The chargers connected to this process, newest connection per charger. */
@Injectable()
export class ChargerConnections {
  private readonly logger = new Logger('OCPP');
  private readonly byCharger = new Map<string, ChargerConnection>();
  private readonly pending = new Set<Promise<unknown>>();

  /** Work started by a connection event that shutdown must wait for; a failure is logged. */
  track(work: Promise<unknown>, what: string): void {
    const tracked = work.catch((error: unknown) => this.logger.error(`${what}: ${error instanceof Error ? error.message : String(error)}`));
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
  }

  /** Resolves when everything tracked so far (and tracked meanwhile) has finished. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  get(chargerId: string): ChargerConnection | undefined {
    return this.byCharger.get(chargerId);
  }

  /** Returns the connection it replaces, if any. */
  add(connection: ChargerConnection): ChargerConnection | undefined {
    const previous = this.byCharger.get(connection.chargerId);
    this.byCharger.set(connection.chargerId, connection);
    return previous;
  }

  remove(connection: ChargerConnection): void {
    if (this.byCharger.get(connection.chargerId) === connection) this.byCharger.delete(connection.chargerId);
  }

  all(): ChargerConnection[] {
    return [...this.byCharger.values()];
  }

  get size(): number {
    return this.byCharger.size;
  }
}
