import { AuthorizationStatus, ChargingState, type MeterSample } from '@roamgate/contracts';
import { energyRegisterWh, isDecimal, readingOf, subtractDecimals } from '@roamgate/domain-charging';
import type { ChargerMix, SessionDocument } from './documents';
import { iso, label, orNull, protocolLabel } from './labels';
import type { ProjectedEvent } from './projected-event';

/**
 * The session document after the event, or undefined when there is nothing to write: every event
 * of a session stream follows its SessionStarted, so without a document there is no session yet.
 * `mix` is the charger's vendor, model and firmware when the session started.
 */
export function projectSession(current: SessionDocument | undefined, event: ProjectedEvent, mix: ChargerMix): SessionDocument | undefined {
  if (event.type === 'SessionStarted') {
    const { data } = event;
    const meterStartWh = orNull(data.meterStartWh);
    const doc: SessionDocument = {
      id: data.sessionId,
      chargerId: data.chargerId,
      protocol: protocolLabel(data.protocol),
      evseId: data.evseId,
      connectorId: data.connectorId,
      transactionId: data.transactionId,
      idToken: data.idToken && data.idToken.id !== '' ? { id: data.idToken.id, type: data.idToken.type } : null,
      status: 'ACTIVE',
      startedAt: iso(data.occurredAt),
      stoppedAt: null,
      meterStartWh,
      meterStopWh: null,
      lastMeterWh: meterStartWh,
      lastMeterAt: meterStartWh === null ? null : iso(data.occurredAt),
      energyWh: null,
      meterValuesCount: 0,
      chargingState: null,
      chargingStateSince: null,
      authorization: null,
      stopReason: null,
      anomalies: [...data.anomalies],
      offline: data.offline,
      commandId: orNull(data.commandId),
      stopCommandId: null,
      partnerId: orNull(data.partnerId),
      authorizationReference: orNull(data.authorizationReference),
      reservationId: orNull(data.reservationId),
      ...mix,
    };
    return withEnergy(doc);
  }
  if (current === undefined) return undefined;
  switch (event.type) {
    case 'SessionAuthorized':
      return { ...current, authorization: label(AuthorizationStatus, event.data.status) };
    case 'SessionMeterValuesRecorded': {
      const { data } = event;
      return withEnergy({
        ...withSamples(current, data.samples),
        meterValuesCount: current.meterValuesCount + data.samples.length,
        anomalies: union(current.anomalies, data.anomalies),
        offline: current.offline || data.offline,
      });
    }
    case 'SessionChargingStateChanged': {
      const { data } = event;
      const since = iso(data.occurredAt);
      // Delivered late from the charger's offline queue: the charger's clock says it is not the current state.
      if (current.chargingStateSince !== null && since !== null && since < current.chargingStateSince) {
        return { ...current, anomalies: union(current.anomalies, data.anomalies) };
      }
      return {
        ...current,
        chargingState: label(ChargingState, data.chargingState),
        chargingStateSince: since,
        anomalies: union(current.anomalies, data.anomalies),
      };
    }
    case 'SessionStopped': {
      const { data } = event;
      const sampled = withSamples(current, data.transactionData);
      const stoppedAt = iso(data.occurredAt);
      // A state from after the stop: the gateway closed a session the charger lost, whose connector then reported
      // its new states. What the state was at the stop is not kept.
      const stateAfterStop = stoppedAt !== null && current.chargingStateSince !== null && current.chargingStateSince > stoppedAt;
      return withEnergy({
        ...sampled,
        ...(stateAfterStop ? { chargingState: null, chargingStateSince: null } : {}),
        status: 'COMPLETED',
        stoppedAt,
        meterStopWh: orNull(data.meterStopWh),
        stopReason: data.reason === '' ? 'Local' : data.reason,
        stopCommandId: orNull(data.commandId),
        anomalies: union(current.anomalies, data.anomalies),
        offline: current.offline || data.offline,
      });
    }
    default:
      return current;
  }
}

/** Keeps the energy register of the latest sample by the charger's clock, whatever order samples arrived in. */
function withSamples(doc: SessionDocument, samples: readonly MeterSample[]): SessionDocument {
  let { lastMeterWh, lastMeterAt, meterStartWh } = doc;
  let earliest: { readonly at: string; readonly wh: string } | undefined;
  for (const sample of samples) {
    const reading = readingOf(sample);
    const wh = energyRegisterWh(reading);
    if (wh === undefined) continue;
    const at = reading.timestamp.toISOString();
    if (lastMeterAt === null || at >= lastMeterAt) {
      lastMeterAt = at;
      lastMeterWh = wh;
    }
    if (earliest === undefined || at < earliest.at) earliest = { at, wh };
  }
  // OCPP 2.0.1 may start a transaction without a Transaction.Begin reading: the first register stands in.
  if (meterStartWh === null && earliest !== undefined) meterStartWh = earliest.wh;
  return { ...doc, lastMeterWh, lastMeterAt, meterStartWh };
}

/** Energy delivered so far (active) or in total (completed), as an exact decimal; null while unknown. */
function withEnergy(doc: SessionDocument): SessionDocument {
  const end = doc.meterStopWh ?? doc.lastMeterWh;
  const energyWh = doc.meterStartWh !== null && end !== null && isDecimal(doc.meterStartWh) && isDecimal(end) ? subtractDecimals(end, doc.meterStartWh) : null;
  return { ...doc, energyWh };
}

function union(known: readonly string[], added: readonly string[]): readonly string[] {
  const fresh = added.filter((a, i) => !known.includes(a) && added.indexOf(a) === i);
  return fresh.length === 0 ? known : [...known, ...fresh];
}
