import { wholeWh } from '../energy';
import type { BootReason, Connector, ConnectorStatus, MeterSample, Session } from '../model';
import type { BootResult, CallHandler, ChargerContext, ProtocolAdapter } from './adapter';
import { acceptedIf, present } from './payload';

interface IdTagInfo {
  readonly status: string;
}

export class Ocpp16Adapter implements ProtocolAdapter {
  readonly protocol = 'ocpp1.6';
  readonly handlers: Readonly<Record<string, CallHandler>>;

  constructor(private readonly charger: ChargerContext) {
    this.handlers = {
      RemoteStartTransaction: (params: { connectorId?: number; idTag: string }) => ({
        status: acceptedIf(
          charger.remoteStart({ ...present('connectorId', params.connectorId), idTag: params.idTag, idTokenType: 'Central' }),
        ),
      }),
      RemoteStopTransaction: (params: { transactionId: number }) => ({ status: acceptedIf(charger.remoteStop(params.transactionId)) }),
      UnlockConnector: (params: { connectorId: number }) => this.unlock(params.connectorId),
      ReserveNow: (params: { connectorId: number; expiryDate: string; idTag: string; reservationId: number }) => ({
        status: charger.reserve(params.connectorId === 0 ? undefined : params.connectorId, {
          id: params.reservationId,
          idTag: params.idTag,
          expiresAt: new Date(params.expiryDate),
        }),
      }),
      CancelReservation: (params: { reservationId: number }) => ({
        status: acceptedIf(charger.cancelReservation(params.reservationId)),
      }),
      Reset: (params: { type: 'Hard' | 'Soft' }) => ({
        status: charger.reset(params.type === 'Hard' ? 'HardReset' : 'SoftReset', false),
      }),
      ChangeAvailability: (params: { connectorId: number; type: 'Operative' | 'Inoperative' }) => {
        if (params.connectorId !== 0 && !charger.connector(params.connectorId)) return { status: 'Rejected' };
        const target = params.connectorId === 0 ? undefined : params.connectorId;
        return { status: charger.changeAvailability(target, params.type === 'Operative') };
      },
      TriggerMessage: (params: { requestedMessage: string; connectorId?: number }) => this.trigger(params),
      GetConfiguration: (params: { key?: string[] }) => this.getConfiguration(params.key),
      ChangeConfiguration: (params: { key: string; value: string }) => ({
        status: charger.configuration.set(params.key, params.value),
      }),
      DataTransfer: () => ({ status: 'UnknownVendorId' }),
    };
  }

  async boot(_reason: BootReason): Promise<BootResult> {
    const { profile } = this.charger;
    const response = (await this.charger.send(
      'BootNotification',
      { chargePointVendor: profile.vendor, chargePointModel: profile.model, firmwareVersion: profile.firmwareVersion },
      { aheadOfQueue: true },
    )) as { status: BootResult['status']; interval: number };
    return { status: response.status, intervalS: response.interval };
  }

  heartbeat(): Promise<unknown> {
    return this.charger.send('Heartbeat', {});
  }

  statusNotification(connector: Connector, status: ConnectorStatus): Promise<unknown> {
    return this.charger.send('StatusNotification', {
      connectorId: connector.id,
      errorCode: 'NoError',
      status,
      timestamp: this.charger.timestamp(),
    });
  }

  reportedStatus(status: ConnectorStatus): string {
    return status;
  }

  async authorize(idTag: string): Promise<boolean> {
    const response = (await this.charger.send('Authorize', { idTag })) as { idTagInfo: IdTagInfo };
    return response.idTagInfo.status === 'Accepted';
  }

  async transactionStarted(session: Session): Promise<boolean> {
    const response = (await this.charger.send(
      'StartTransaction',
      {
        connectorId: session.connectorId,
        idTag: session.idTag,
        meterStart: wholeWh(session.begin.energyWh),
        timestamp: session.begin.timestamp,
        ...present('reservationId', session.reservationId),
      },
      { durable: true },
    )) as { transactionId: number; idTagInfo: IdTagInfo };
    session.transactionId = response.transactionId;
    return response.idTagInfo.status === 'Accepted';
  }

  transactionUpdated(session: Session, sample: MeterSample): Promise<unknown> {
    return this.charger.send(
      'MeterValues',
      () => ({
        connectorId: session.connectorId,
        ...present('transactionId', session.transactionId),
        meterValue: [meterValue(sample)],
      }),
      { durable: true },
    );
  }

  transactionEnded(session: Session): Promise<unknown> {
    const end = session.end!;
    const reported = { ...end.sample, energyWh: end.meterStopWh };
    return this.charger.send(
      'StopTransaction',
      () => ({
        ...present('transactionId', session.transactionId),
        idTag: session.idTag,
        meterStop: end.meterStopWh,
        timestamp: end.sample.timestamp,
        reason: end.reason,
        transactionData: [meterValue(session.begin), meterValue(reported)],
      }),
      { durable: true },
    );
  }

  private unlock(connectorId: number): object {
    const connector = this.charger.connector(connectorId);
    if (!connector) return { status: 'NotSupported' };
    if (connector.session) this.charger.afterReply(() => this.charger.stopSession(connector, 'UnlockCommand'));
    return { status: 'Unlocked' };
  }

  private trigger({ requestedMessage, connectorId }: { requestedMessage: string; connectorId?: number }): object {
    const { charger } = this;
    const selected = connectorId === undefined || connectorId === 0 ? charger.connectors : [charger.connector(connectorId)];
    if (selected.some((connector) => connector === undefined)) return { status: 'Rejected' };
    const connectors = selected as Connector[];
    const send: Record<string, () => Promise<unknown>> = {
      BootNotification: () => this.boot('Triggered'),
      Heartbeat: () => this.heartbeat(),
      StatusNotification: () => Promise.all(connectors.map((c) => this.statusNotification(c, c.status))),
      MeterValues: () => Promise.all(connectors.map((c) => this.triggeredMeterValues(c))),
      DiagnosticsStatusNotification: () => charger.send('DiagnosticsStatusNotification', { status: 'Idle' }),
      FirmwareStatusNotification: () => charger.send('FirmwareStatusNotification', { status: 'Idle' }),
    };
    const task = send[requestedMessage];
    if (!task) return { status: 'NotImplemented' };
    charger.afterReply(task);
    return { status: 'Accepted' };
  }

  private triggeredMeterValues(connector: Connector): Promise<unknown> {
    return this.charger.send('MeterValues', {
      connectorId: connector.id,
      ...present('transactionId', connector.session?.transactionId),
      meterValue: [meterValue(this.charger.reading(connector, 'Trigger'))],
    });
  }

  private getConfiguration(keys: string[] | undefined): object {
    const { configuration } = this.charger;
    const requested = keys && keys.length > 0 ? keys : configuration.keys();
    const known = requested.filter((key) => configuration.has(key));
    const unknown = requested.filter((key) => !configuration.has(key));
    return {
      configurationKey: known.map((key) => ({ key, readonly: configuration.isReadonly(key), value: configuration.get(key) })),
      ...(unknown.length > 0 ? { unknownKey: unknown } : {}),
    };
  }
}

function meterValue(sample: MeterSample): object {
  const energy = {
    value: String(wholeWh(sample.energyWh)),
    context: sample.context,
    measurand: 'Energy.Active.Import.Register',
    location: 'Outlet',
    unit: 'Wh',
  };
  const withPower = sample.context === 'Sample.Periodic' || sample.context === 'Trigger';
  const power = { value: String(sample.powerW), context: sample.context, measurand: 'Power.Active.Import', location: 'Outlet', unit: 'W' };
  return { timestamp: sample.timestamp, sampledValue: withPower ? [energy, power] : [energy] };
}
