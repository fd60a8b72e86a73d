import { setImmediate } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { findAll, type ReadModelStore } from '@roamgate/read-models';
import { READ_MODELS } from '@roamgate/runtime';
import { CHARGERS, type ChargerDocument } from '../projections/documents';
import { ChargerStreams } from './charger-streams';
import { GatewayInstance } from './gateway-instance';

const PAGE = 500;
export const SWEEP_CLOSE_CODE = 1006;
export const SWEEP_REASON = 'gateway restarted';

/**
 * Closes, on the charger streams, the connections an earlier instance of this gateway (same GATEWAY_NAME) left open
 * when it died without its shutdown (SIGKILL, OOM, power loss): nothing else would ever append their
 * ChargerDisconnected, and the charger would read as connected until it reconnected.
 *
 * The chargers read model only nominates candidates (connected through an earlier start of this name); the charger
 * stream decides. The Disconnected is chosen on the stream's current state and appended at the revision it was read
 * at, so a charger that already reconnected (here or to another replica) keeps its newer connection.
 */
@Injectable()
export class ConnectionSweep {
  private readonly logger = new Logger('OCPP');

  constructor(
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    private readonly chargers: ChargerStreams,
    private readonly instance: GatewayInstance,
  ) {}

  /** Returns the chargers it recorded as disconnected. */
  async sweep(now = new Date()): Promise<string[]> {
    const swept: string[] = [];
    const connected: string[] = [];
    // The gateway instances chargers are connected through, then the chargers of the earlier starts of this name only:
    // the 30 s sweep runs while thousands of chargers talk through this start, and reading all of them stalled it.
    // Connected through this start, a replica of another name or an unknown gateway: nothing to close. A connection
    // of an earlier start the read model does not show yet is what the second sweep, 30 s after start-up, is for.
    const instances = await this.readModels.distinct(CHARGERS, 'gatewayInstance', { connected: true });
    for (const gatewayInstance of instances) {
      if (typeof gatewayInstance !== 'string' || !this.instance.isPredecessor(gatewayInstance)) continue;
      let read = 0;
      for await (const doc of findAll<ChargerDocument>(this.readModels, CHARGERS, { where: { connected: true, gatewayInstance } }, PAGE)) {
        connected.push(doc.id);
        // A page at a time, with the chargers' frames in between.
        if (++read % PAGE === 0) await setImmediate();
      }
    }
    for (const chargerId of connected) {
      const events = await this.chargers.decideWith(chargerId, (state, connectedVia) =>
        state.connectivity === 'online' && this.instance.isPredecessor(connectedVia)
          ? [{ type: 'RecordDisconnected', chargerId, connectionId: state.connectionId, closeCode: SWEEP_CLOSE_CODE, reason: SWEEP_REASON, now }]
          : [],
      );
      if (events.length > 0) swept.push(chargerId);
    }
    if (swept.length > 0) this.logger.warn(`gateway ${this.instance.name} restarted: ${swept.length} connection(s) of its earlier instance recorded as closed`);
    return swept;
  }
}
