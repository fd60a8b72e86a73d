import { BootStatus, ConnectorStatus, FrameDirection, type EventMessage } from '@roamgate/contracts';
import type { ChargerDocument, ChargerMix, ConnectorView, MixChange } from './documents';
import { iso, label, laterIso, orNull, protocolLabel } from './labels';
import type { ProjectedEvent } from './projected-event';

/**
 * Frames prove the charger is alive, but rewriting the charger document for every MeterValues or
 * Heartbeat would double the read-model writes of a busy gateway for a timestamp nobody needs to the millisecond.
 */
export const LAST_SEEN_RESOLUTION_MS = 10_000;

const MAX_MIX_HISTORY = 50;

export function newCharger(id: string): ChargerDocument {
  return {
    id,
    registered: false,
    registeredAt: null,
    locationId: null,
    tags: [],
    securityProfile: 0,
    protocol: null,
    vendor: null,
    model: null,
    firmwareVersion: null,
    serialNumber: null,
    bootStatus: null,
    bootReason: null,
    bootedAt: null,
    heartbeatIntervalSeconds: null,
    connected: false,
    connectionId: null,
    remoteAddress: null,
    gatewayInstance: null,
    connectedAt: null,
    disconnectedAt: null,
    disconnectReason: null,
    lastSeenAt: null,
    connectors: [],
    mixHistory: [],
  };
}

/** The charger document after the event; the same object when the event changes nothing worth writing. */
export function projectCharger(current: ChargerDocument | undefined, event: ProjectedEvent): ChargerDocument {
  const doc = current ?? newCharger(chargerIdOf(event));
  switch (event.type) {
    case 'ChargerRegistered': {
      const { data } = event;
      return {
        ...doc,
        registered: true,
        registeredAt: iso(data.occurredAt),
        locationId: orNull(data.locationId),
        tags: [...data.tags],
        securityProfile: data.securityProfile,
      };
    }
    case 'ChargerBooted': {
      const { data } = event;
      const receivedAt = iso(data.receivedAt ?? data.occurredAt);
      const mix = mixOfBoot(data);
      return {
        ...doc,
        ...mix,
        protocol: protocolLabel(data.protocol) ?? doc.protocol,
        serialNumber: orNull(data.serialNumber),
        bootStatus: label(BootStatus, data.bootStatus),
        bootReason: orNull(data.reason),
        bootedAt: receivedAt,
        heartbeatIntervalSeconds: data.heartbeatIntervalSeconds,
        lastSeenAt: laterIso(doc.lastSeenAt, receivedAt),
        mixHistory: withMixChange(doc.mixHistory, { ...mix, position: event.position }),
      };
    }
    case 'ChargerConnected': {
      const { data } = event;
      const at = iso(data.occurredAt);
      return {
        ...doc,
        protocol: protocolLabel(data.protocol) ?? doc.protocol,
        connected: true,
        connectionId: data.connectionId,
        remoteAddress: orNull(data.remoteAddress),
        gatewayInstance: orNull(data.gatewayInstance),
        connectedAt: at,
        lastSeenAt: laterIso(doc.lastSeenAt, at),
      };
    }
    case 'ChargerDisconnected': {
      const { data } = event;
      // The close of a connection that a newer one already replaced says nothing about the charger now.
      if (data.connectionId !== doc.connectionId) return doc;
      const at = iso(data.occurredAt);
      return {
        ...doc,
        connected: false,
        disconnectedAt: at,
        disconnectReason: orNull(data.reason) ?? `close code ${data.closeCode}`,
        lastSeenAt: laterIso(doc.lastSeenAt, at),
      };
    }
    case 'ConnectorStatusChanged': {
      const { data } = event;
      const connector: ConnectorView = {
        evseId: data.evseId,
        connectorId: data.connectorId,
        status: label(ConnectorStatus, data.status),
        errorCode: data.errorCode,
        info: data.info,
        vendorErrorCode: data.vendorErrorCode,
        since: iso(data.occurredAt),
      };
      const others = doc.connectors.filter((c) => c.evseId !== connector.evseId || c.connectorId !== connector.connectorId);
      return {
        ...doc,
        connectors: [...others, connector].sort((a, b) => a.evseId - b.evseId || a.connectorId - b.connectorId),
        lastSeenAt: laterIso(doc.lastSeenAt, iso(data.receivedAt ?? data.occurredAt)),
      };
    }
    case 'OcppFrameLogged': {
      const { data } = event;
      if (data.direction !== FrameDirection.FROM_CHARGER) return doc;
      const at = iso(data.occurredAt);
      if (at === null || (doc.lastSeenAt !== null && Date.parse(at) - Date.parse(doc.lastSeenAt) < LAST_SEEN_RESOLUTION_MS)) return doc;
      return { ...doc, lastSeenAt: at };
    }
    default:
      return doc;
  }
}

function chargerIdOf(event: ProjectedEvent): string {
  const data = event.data as { chargerId?: unknown };
  return typeof data.chargerId === 'string' && data.chargerId !== '' ? data.chargerId : event.streamId.replace(/^charger-/, '');
}

export function withMixChange(history: readonly MixChange[], change: MixChange): readonly MixChange[] {
  const last = history[history.length - 1];
  if (last && sameMix(last, change)) return history;
  if (last && last.position >= change.position) return history;
  return [...history, change].slice(-MAX_MIX_HISTORY);
}

export function mixOfBoot(data: EventMessage<'ChargerBooted'>): ChargerMix {
  return { vendor: orNull(data.vendor), model: orNull(data.model), firmwareVersion: orNull(data.firmwareVersion) };
}

const sameMix = (a: ChargerMix, b: ChargerMix): boolean =>
  a.vendor === b.vendor && a.model === b.model && a.firmwareVersion === b.firmwareVersion;

/** The mix in force just before `position`: what the charger last booted with before the event there. */
export function mixBefore(history: readonly MixChange[], position: number): ChargerMix {
  let mix: ChargerMix = { vendor: null, model: null, firmwareVersion: null };
  for (const change of history) {
    if (change.position >= position) break;
    mix = { vendor: change.vendor, model: change.model, firmwareVersion: change.firmwareVersion };
  }
  return mix;
}
