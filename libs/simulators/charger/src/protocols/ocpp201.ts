import { randomUUID } from 'node:crypto';
import { wholeWh } from '../energy';
import type { BootReason, Connector, ConnectorStatus, IdTokenType, MeterSample, Session, StopReason } from '../model';
import type { BootResult, CallHandler, ChargerContext, ProtocolAdapter } from './adapter';
import { acceptedIf, present } from './payload';

interface IdToken {
  readonly idToken: string;
  readonly type: IdTokenType;
}

interface ComponentVariable {
  readonly component: { readonly name: string; readonly evse?: { id: number } };
  readonly variable: { readonly name: string };
  readonly attributeType?: string;
}

/** OCPP 2.0.1 variables (component/variable) kept in the charger's configuration under their OCPP 1.6 key. */
const VARIABLES: Readonly<Record<string, string>> = {
  'OCPPCommCtrlr/HeartbeatInterval': 'HeartbeatInterval',
  'SampledDataCtrlr/TxUpdatedInterval': 'MeterValueSampleInterval',
  'SampledDataCtrlr/TxUpdatedMeasurands': 'MeterValuesSampledData',
  'AuthCtrlr/AuthorizeRemoteStart': 'AuthorizeRemoteTxRequests',
  'TxCtrlr/EVConnectionTimeOut': 'ConnectionTimeOut',
};
const COMPONENTS = new Set(Object.keys(VARIABLES).map((key) => key.split('/')[0]));

const STOPS: Readonly<Record<StopReason, { triggerReason: string; stoppedReason: string }>> = {
  Remote: { triggerReason: 'RemoteStop', stoppedReason: 'Remote' },
  Local: { triggerReason: 'StopAuthorized', stoppedReason: 'Local' },
  EVDisconnected: { triggerReason: 'EVDeparted', stoppedReason: 'EVDisconnected' },
  HardReset: { triggerReason: 'ResetCommand', stoppedReason: 'ImmediateReset' },
  SoftReset: { triggerReason: 'ResetCommand', stoppedReason: 'ImmediateReset' },
  UnlockCommand: { triggerReason: 'UnlockCommand', stoppedReason: 'Other' },
  DeAuthorized: { triggerReason: 'Deauthorized', stoppedReason: 'DeAuthorized' },
};

/** Every EVSE of the simulated station has one connector, so EVSE n is the 1.6 connector n. */
const CONNECTOR_OF_EVSE = 1;

export class Ocpp201Adapter implements ProtocolAdapter {
  readonly protocol = 'ocpp2.0.1';
  readonly handlers: Readonly<Record<string, CallHandler>>;

  constructor(private readonly charger: ChargerContext) {
    this.handlers = {
      RequestStartTransaction: (params: { evseId?: number; idToken: IdToken; remoteStartId: number }) => ({
        status: acceptedIf(
          charger.remoteStart({
            ...present('connectorId', params.evseId),
            idTag: params.idToken.idToken,
            idTokenType: params.idToken.type,
            remoteStartId: params.remoteStartId,
          }),
        ),
      }),
      RequestStopTransaction: (params: { transactionId: string }) => ({
        status: acceptedIf(charger.remoteStop(params.transactionId)),
      }),
      UnlockConnector: (params: { evseId: number; connectorId: number }) => {
        const connector = charger.connector(params.evseId);
        if (!connector || params.connectorId !== CONNECTOR_OF_EVSE) return { status: 'UnknownConnector' };
        return { status: connector.session ? 'OngoingAuthorizedTransaction' : 'Unlocked' };
      },
      ReserveNow: (params: { id: number; expiryDateTime: string; idToken: IdToken; evseId?: number }) => ({
        status: charger.reserve(params.evseId, {
          id: params.id,
          idTag: params.idToken.idToken,
          expiresAt: new Date(params.expiryDateTime),
        }),
      }),
      CancelReservation: (params: { reservationId: number }) => ({
        status: acceptedIf(charger.cancelReservation(params.reservationId)),
      }),
      Reset: (params: { type: 'Immediate' | 'OnIdle'; evseId?: number }) => {
        if (params.evseId !== undefined) return { status: 'Rejected' };
        return { status: charger.reset('HardReset', params.type === 'OnIdle') };
      },
      ChangeAvailability: (params: { operationalStatus: 'Operative' | 'Inoperative'; evse?: { id: number } }) => {
        const evseId = params.evse?.id;
        if (evseId !== undefined && evseId !== 0 && !charger.connector(evseId)) return { status: 'Rejected' };
        const target = evseId === 0 ? undefined : evseId;
        return { status: charger.changeAvailability(target, params.operationalStatus === 'Operative') };
      },
      TriggerMessage: (params: { requestedMessage: string; evse?: { id: number } }) => this.trigger(params),
      GetVariables: (params: { getVariableData: ComponentVariable[] }) => ({
        getVariableResult: params.getVariableData.map((request) => this.getVariable(request)),
      }),
      SetVariables: (params: { setVariableData: (ComponentVariable & { attributeValue: string })[] }) => ({
        setVariableResult: params.setVariableData.map((request) => this.setVariable(request)),
      }),
      DataTransfer: () => ({ status: 'UnknownVendorId' }),
    };
  }

  async boot(reason: BootReason): Promise<BootResult> {
    const { profile } = this.charger;
    const response = (await this.charger.send(
      'BootNotification',
      { reason, chargingStation: { vendorName: profile.vendor, model: profile.model, firmwareVersion: profile.firmwareVersion } },
      { aheadOfQueue: true },
    )) as { status: BootResult['status']; interval: number };
    return { status: response.status, intervalS: response.interval };
  }

  heartbeat(): Promise<unknown> {
    return this.charger.send('Heartbeat', {});
  }

  statusNotification(connector: Connector, status: ConnectorStatus): Promise<unknown> {
    return this.charger.send('StatusNotification', {
      timestamp: this.charger.timestamp(),
      connectorStatus: this.reportedStatus(status),
      evseId: connector.id,
      connectorId: CONNECTOR_OF_EVSE,
    });
  }

  reportedStatus(status: ConnectorStatus): string {
    return status === 'Preparing' || status === 'Charging' || status === 'Finishing' ? 'Occupied' : status;
  }

  async authorize(idTag: string, type: IdTokenType): Promise<boolean> {
    const response = (await this.charger.send('Authorize', { idToken: { idToken: idTag, type } })) as {
      idTokenInfo: { status: string };
    };
    return response.idTokenInfo.status === 'Accepted';
  }

  async transactionStarted(session: Session): Promise<boolean> {
    session.transactionId = randomUUID();
    const response = (await this.charger.send(
      'TransactionEvent',
      {
        eventType: 'Started',
        timestamp: session.begin.timestamp,
        triggerReason: session.trigger === 'Remote' ? 'RemoteStart' : 'Authorized',
        seqNo: session.seqNo++,
        ...offline(session.begin),
        ...present('reservationId', session.reservationId),
        transactionInfo: {
          transactionId: session.transactionId,
          chargingState: 'Charging',
          ...present('remoteStartId', session.remoteStartId),
        },
        evse: { id: session.connectorId, connectorId: CONNECTOR_OF_EVSE },
        idToken: idToken(session),
        meterValue: [meterValue(session.begin)],
      },
      { durable: true },
    )) as { idTokenInfo?: { status: string } };
    return (response.idTokenInfo?.status ?? 'Accepted') === 'Accepted';
  }

  transactionUpdated(session: Session, sample: MeterSample): Promise<unknown> {
    return this.charger.send(
      'TransactionEvent',
      {
        eventType: 'Updated',
        timestamp: sample.timestamp,
        triggerReason: sample.context === 'Trigger' ? 'Trigger' : 'MeterValuePeriodic',
        seqNo: session.seqNo++,
        ...offline(sample),
        transactionInfo: { transactionId: session.transactionId, chargingState: 'Charging' },
        meterValue: [meterValue(sample)],
      },
      { durable: true },
    );
  }

  transactionEnded(session: Session): Promise<unknown> {
    const end = session.end!;
    const stop = STOPS[end.reason];
    return this.charger.send(
      'TransactionEvent',
      {
        eventType: 'Ended',
        timestamp: end.sample.timestamp,
        triggerReason: stop.triggerReason,
        seqNo: session.seqNo++,
        ...offline(end.sample),
        transactionInfo: { transactionId: session.transactionId, stoppedReason: stop.stoppedReason },
        ...(end.reason === 'Local' ? { idToken: idToken(session) } : {}),
        meterValue: [meterValue({ ...end.sample, energyWh: end.meterStopWh })],
      },
      { durable: true },
    );
  }

  private trigger({ requestedMessage, evse }: { requestedMessage: string; evse?: { id: number } }): object {
    const { charger } = this;
    const selected = evse === undefined ? charger.connectors : [charger.connector(evse.id)];
    if (selected.some((connector) => connector === undefined)) return { status: 'Rejected' };
    const connectors = selected as Connector[];
    const charging = connectors.filter((connector) => connector.session);
    const send: Record<string, () => Promise<unknown>> = {
      BootNotification: () => this.boot('Triggered'),
      Heartbeat: () => this.heartbeat(),
      StatusNotification: () => Promise.all(connectors.map((c) => this.statusNotification(c, c.status))),
      MeterValues: () =>
        Promise.all(
          connectors.map((c) =>
            charger.send('MeterValues', { evseId: c.id, meterValue: [meterValue(charger.reading(c, 'Trigger'))] }),
          ),
        ),
      TransactionEvent: () => Promise.all(charging.map((c) => this.transactionUpdated(c.session!, charger.reading(c, 'Trigger')))),
      FirmwareStatusNotification: () => charger.send('FirmwareStatusNotification', { status: 'Idle' }),
      LogStatusNotification: () => charger.send('LogStatusNotification', { status: 'Idle' }),
    };
    const task = send[requestedMessage];
    if (!task) return { status: 'NotImplemented' };
    if (requestedMessage === 'TransactionEvent' && charging.length === 0) return { status: 'Rejected' };
    charger.afterReply(task);
    return { status: 'Accepted' };
  }

  private getVariable(request: ComponentVariable): object {
    const key = this.keyOf(request);
    const result = { component: request.component, variable: request.variable };
    if (typeof key !== 'string') return { ...result, attributeStatus: key.status };
    return { ...result, attributeStatus: 'Accepted', attributeValue: this.charger.configuration.get(key) };
  }

  private setVariable(request: ComponentVariable & { attributeValue: string }): object {
    const key = this.keyOf(request);
    const result = { component: request.component, variable: request.variable };
    if (typeof key !== 'string') return { ...result, attributeStatus: key.status };
    const changed = this.charger.configuration.set(key, request.attributeValue);
    return { ...result, attributeStatus: changed === 'Accepted' ? 'Accepted' : 'Rejected' };
  }

  private keyOf(request: ComponentVariable): string | { status: string } {
    if (request.attributeType !== undefined && request.attributeType !== 'Actual') return { status: 'NotSupportedAttributeType' };
    if (!COMPONENTS.has(request.component.name)) return { status: 'UnknownComponent' };
    return VARIABLES[`${request.component.name}/${request.variable.name}`] ?? { status: 'UnknownVariable' };
  }
}

function idToken(session: Session): IdToken {
  return { idToken: session.idTag, type: session.idTokenType };
}

function offline(sample: MeterSample): { offline?: true } {
  return sample.offline ? { offline: true } : {};
}

function meterValue(sample: MeterSample): object {
  const energy = {
    value: wholeWh(sample.energyWh),
    context: sample.context,
    measurand: 'Energy.Active.Import.Register',
    location: 'Outlet',
    unitOfMeasure: { unit: 'Wh' },
  };
  const withPower = sample.context === 'Sample.Periodic' || sample.context === 'Trigger';
  const power = {
    value: sample.powerW,
    context: sample.context,
    measurand: 'Power.Active.Import',
    location: 'Outlet',
    unitOfMeasure: { unit: 'W' },
  };
  return { timestamp: sample.timestamp, sampledValue: withPower ? [energy, power] : [energy] };
}
