import type * as v16 from '../ocpp/ocpp16.types.js';
import type * as v201 from '../ocpp/ocpp201.types.js';

// Request payloads shaped as the examples of the OCPP 1.6J and 2.0.1 specifications; override what a test varies.

export const ocpp16Examples = {
  bootNotification: (override: Partial<v16.BootNotificationRequest> = {}): v16.BootNotificationRequest => ({
    chargePointVendor: 'VendorX',
    chargePointModel: 'SingleSocketCharger',
    chargePointSerialNumber: 'SSC-0001',
    firmwareVersion: '1.4.2',
    ...override,
  }),
  statusNotification: (override: Partial<v16.StatusNotificationRequest> = {}): v16.StatusNotificationRequest => ({
    connectorId: 1,
    errorCode: 'NoError',
    status: 'Available',
    timestamp: '2025-03-01T10:00:00.000Z',
    ...override,
  }),
  authorize: (override: Partial<v16.AuthorizeRequest> = {}): v16.AuthorizeRequest => ({ idTag: 'B4A63CDF', ...override }),
  startTransaction: (override: Partial<v16.StartTransactionRequest> = {}): v16.StartTransactionRequest => ({
    connectorId: 1,
    idTag: 'B4A63CDF',
    meterStart: 1000,
    timestamp: '2025-03-01T10:01:00.000Z',
    ...override,
  }),
  meterValues: (override: Partial<v16.MeterValuesRequest> = {}): v16.MeterValuesRequest => ({
    connectorId: 1,
    transactionId: 1,
    meterValue: [
      {
        timestamp: '2025-03-01T10:16:00.000Z',
        sampledValue: [
          { value: '4.25', context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'kWh' },
          { value: '11000', context: 'Sample.Periodic', measurand: 'Power.Active.Import', location: 'Outlet', unit: 'W' },
        ],
      },
    ],
    ...override,
  }),
  stopTransaction: (override: Partial<v16.StopTransactionRequest> = {}): v16.StopTransactionRequest => ({
    transactionId: 1,
    idTag: 'B4A63CDF',
    meterStop: 12000,
    timestamp: '2025-03-01T11:01:00.000Z',
    reason: 'EVDisconnected',
    transactionData: [
      {
        timestamp: '2025-03-01T10:01:00.000Z',
        sampledValue: [{ value: '1000', context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
      },
      {
        timestamp: '2025-03-01T11:01:00.000Z',
        sampledValue: [{ value: '12000', context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unit: 'Wh' }],
      },
    ],
    ...override,
  }),
};

export const ocpp201Examples = {
  bootNotification: (override: Partial<v201.BootNotificationRequest> = {}): v201.BootNotificationRequest => ({
    reason: 'PowerUp',
    chargingStation: { model: 'SingleSocketCharger', vendorName: 'VendorX', serialNumber: 'SSC-0002', firmwareVersion: '2.1.0' },
    ...override,
  }),
  statusNotification: (override: Partial<v201.StatusNotificationRequest> = {}): v201.StatusNotificationRequest => ({
    timestamp: '2025-03-01T10:00:00.000Z',
    connectorStatus: 'Available',
    evseId: 1,
    connectorId: 1,
    ...override,
  }),
  authorize: (override: Partial<v201.AuthorizeRequest> = {}): v201.AuthorizeRequest => ({
    idToken: { idToken: '0102030405060708', type: 'ISO14443' },
    ...override,
  }),
  transactionStarted: (override: Partial<v201.TransactionEventRequest> = {}): v201.TransactionEventRequest => ({
    eventType: 'Started',
    timestamp: '2025-03-01T10:01:00.000Z',
    triggerReason: 'Authorized',
    seqNo: 0,
    transactionInfo: { transactionId: 'f2c8a31e-7c2b-4c52-b1a9-6f4c8d2e9a10', chargingState: 'EVConnected' },
    idToken: { idToken: '0102030405060708', type: 'ISO14443' },
    evse: { id: 1, connectorId: 1 },
    meterValue: [
      {
        timestamp: '2025-03-01T10:01:00.000Z',
        sampledValue: [{ value: 1000, context: 'Transaction.Begin', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }],
      },
    ],
    ...override,
  }),
  transactionUpdated: (override: Partial<v201.TransactionEventRequest> = {}): v201.TransactionEventRequest => ({
    eventType: 'Updated',
    timestamp: '2025-03-01T10:16:00.000Z',
    triggerReason: 'MeterValuePeriodic',
    seqNo: 1,
    transactionInfo: { transactionId: 'f2c8a31e-7c2b-4c52-b1a9-6f4c8d2e9a10' },
    meterValue: [
      {
        timestamp: '2025-03-01T10:16:00.000Z',
        sampledValue: [
          { value: 4.25, context: 'Sample.Periodic', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } },
          { value: 11, context: 'Sample.Periodic', measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W', multiplier: 3 } },
        ],
      },
    ],
    ...override,
  }),
  transactionEnded: (override: Partial<v201.TransactionEventRequest> = {}): v201.TransactionEventRequest => ({
    eventType: 'Ended',
    timestamp: '2025-03-01T11:01:00.000Z',
    triggerReason: 'EVDeparted',
    seqNo: 2,
    transactionInfo: { transactionId: 'f2c8a31e-7c2b-4c52-b1a9-6f4c8d2e9a10', chargingState: 'Idle', stoppedReason: 'EVDisconnected' },
    meterValue: [
      {
        timestamp: '2025-03-01T11:01:00.000Z',
        sampledValue: [{ value: 12000, context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }],
      },
    ],
    ...override,
  }),
  meterValues: (override: Partial<v201.MeterValuesRequest> = {}): v201.MeterValuesRequest => ({
    evseId: 1,
    meterValue: [
      {
        timestamp: '2025-03-01T10:31:00.000Z',
        sampledValue: [{ value: 6.5, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'kWh' } }],
      },
    ],
    ...override,
  }),
};
