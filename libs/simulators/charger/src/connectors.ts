import type { Connector, ConnectorStatus, Reservation } from './model';
import type { ReserveResult } from './protocols/adapter';
import type { Scheduler } from './scheduler';

const LONGEST_TIMER_MS = 2_147_483_647;

/**
 * The connectors (2.0.1: EVSEs) of a charger and the rules a CSMS request meets: who may start where, reservations,
 * availability. A status change caused here is handed to `statusChanged`, which reports it once the answer is out.
 */
export class Connectors {
  readonly list: Connector[];
  private readonly expiryTimers = new Map<number, NodeJS.Timeout>();

  constructor(
    count: number,
    meterStartWh: number,
    private readonly scheduler: Scheduler,
    private readonly now: () => Date,
    private readonly statusChanged: (connector: Connector) => void,
  ) {
    this.list = Array.from({ length: count }, (_, index) => ({
      id: index + 1,
      status: 'Available' as ConnectorStatus,
      operative: true,
      registerWh: meterStartWh,
    }));
  }

  get(id: number): Connector | undefined {
    return this.list.find((connector) => connector.id === id);
  }

  withSessions(): Connector[] {
    return this.list.filter((connector) => connector.session);
  }

  idleStatus(connector: Connector): ConnectorStatus {
    if (!connector.operative) return 'Unavailable';
    return connector.reservation ? 'Reserved' : 'Available';
  }

  canStartOn(connector: Connector, idTag: string): boolean {
    if (!connector.operative || connector.session) return false;
    return connector.status === 'Available' || (connector.status === 'Reserved' && connector.reservation?.idTag === idTag);
  }

  /** The connector a start for `idTag` may use (any suitable one when none is named), marked Preparing. */
  claim(connectorId: number | undefined, idTag: string): Connector | undefined {
    const connector =
      connectorId === undefined ? this.list.find((candidate) => this.canStartOn(candidate, idTag)) : this.get(connectorId);
    if (!connector || !this.canStartOn(connector, idTag)) return undefined;
    connector.status = 'Preparing';
    return connector;
  }

  /** A session starts here: the reservation of its id tag is used up. */
  consumeReservation(connector: Connector, idTag: string): number | undefined {
    const reservation = connector.reservation;
    if (reservation?.idTag !== idTag) return undefined;
    this.drop(reservation.id);
    return reservation.id;
  }

  reserve(connectorId: number | undefined, reservation: Reservation): ReserveResult {
    this.drop(reservation.id);
    const connector =
      connectorId === undefined
        ? this.list.find((candidate) => candidate.operative && candidate.status === 'Available')
        : this.get(connectorId);
    if (!connector) return connectorId === undefined ? 'Occupied' : 'Rejected';
    if (!connector.operative) return 'Unavailable';
    if (connector.session || connector.status !== 'Available') return 'Occupied';
    const validForMs = reservation.expiresAt.getTime() - this.now().getTime();
    if (!(validForMs > 0)) return 'Rejected';
    connector.reservation = reservation;
    connector.status = 'Reserved';
    if (validForMs <= LONGEST_TIMER_MS) {
      const expiry = this.scheduler.after(validForMs, () => {
        if (connector.reservation?.id !== reservation.id) return;
        this.cancel(reservation.id);
      });
      this.expiryTimers.set(reservation.id, expiry);
    }
    this.statusChanged(connector);
    return 'Accepted';
  }

  cancel(reservationId: number): boolean {
    const connector = this.drop(reservationId);
    if (!connector) return false;
    if (connector.status === 'Reserved') {
      connector.status = this.idleStatus(connector);
      this.statusChanged(connector);
    }
    return true;
  }

  /** Connectors in a session change when it ends (Scheduled); the others at once. */
  changeAvailability(connectorId: number | undefined, operative: boolean): 'Accepted' | 'Scheduled' {
    const targets = connectorId === undefined ? this.list : this.list.filter((connector) => connector.id === connectorId);
    let scheduled = false;
    for (const connector of targets) {
      if (connector.session || connector.status === 'Preparing') {
        connector.scheduledOperative = operative;
        scheduled = true;
        continue;
      }
      connector.operative = operative;
      connector.status = this.idleStatus(connector);
      this.statusChanged(connector);
    }
    return scheduled ? 'Scheduled' : 'Accepted';
  }

  /** After a session: what ChangeAvailability scheduled applies now. Returns the status the connector is left in. */
  sessionEnded(connector: Connector): ConnectorStatus {
    if (connector.scheduledOperative !== undefined) {
      connector.operative = connector.scheduledOperative;
      delete connector.scheduledOperative;
    }
    return this.idleStatus(connector);
  }

  /** Reservations do not survive a reboot; availability does. */
  rebooted(): void {
    for (const connector of this.list) {
      if (connector.reservation) this.drop(connector.reservation.id);
      connector.status = this.idleStatus(connector);
    }
  }

  private drop(reservationId: number): Connector | undefined {
    this.scheduler.cancel(this.expiryTimers.get(reservationId));
    this.expiryTimers.delete(reservationId);
    const connector = this.list.find((candidate) => candidate.reservation?.id === reservationId);
    if (connector) delete connector.reservation;
    return connector;
  }
}
