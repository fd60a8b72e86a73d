import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { eventSchemas, type EventMessage, type EventSchema, type EventType } from '../codec.js';
import { OcppVersion } from '../gen/roamgate/v1/common_pb.js';
import { CdrIssuingFailure } from '../gen/roamgate/v1/cdr_pb.js';
import { BootStatus, ConnectorStatus, FrameDirection, FrameType } from '../gen/roamgate/v1/charger_pb.js';
import { AuthorizationSource, AuthorizationStatus, ChargingState } from '../gen/roamgate/v1/session_pb.js';
import { CommandKind, CommandOrigin, CommandResult } from '../gen/roamgate/v1/command_pb.js';
import { CredentialsInitiator, InterfaceRole, OcpiCallDirection, PartyRoleKind } from '../gen/roamgate/v1/partner_pb.js';
import { EvaluationTrigger, GateDecision, LaunchPhase, TariffOwner, WhitelistType } from '../gen/roamgate/v1/launch_pb.js';
import { ReconExceptionStatus, ReconExceptionType, ReconOwner } from '../gen/roamgate/v1/recon_pb.js';

const at = (iso: string) => timestampFromMs(Date.parse(iso));
const t0 = '2025-03-01T09:00:00Z';
const token = { id: '04A1B2C3D4', type: 'ISO14443' };
const eur = (excl: string, incl?: string) => (incl === undefined ? { exclVat: excl } : { exclVat: excl, inclVat: incl });

const locationDetails = {
  countryCode: 'NL', partyId: 'RGT', publish: true, name: 'Gent Zuid', address: 'F.Rooseveltlaan 3A', city: 'Gent', postalCode: '9000', country: 'BEL',
  coordinates: { latitude: '51.047599', longitude: '3.729944' }, parkingType: 'ON_STREET', operator: { name: 'Roamgate CPO' }, timeZone: 'Europe/Brussels',
  openingTimesJson: '{"twentyfourseven":true}',
};
const samples: { [T in EventType]: MessageInitShape<EventSchema<T>> } = {
  ChargerRegistered: { chargerId: 'CP-001', occurredAt: at(t0), passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA', securityProfile: 1, locationId: 'LOC1', tags: ['pilot'] },
  ChargerBooted: {
    chargerId: 'CP-001', occurredAt: at(t0), receivedAt: at(t0), protocol: OcppVersion.OCPP_VERSION_1_6, vendor: 'Acme', model: 'X1',
    firmwareVersion: '1.4.2', serialNumber: 'SN-1', bootStatus: BootStatus.ACCEPTED, heartbeatIntervalSeconds: 300,
  },
  ChargerConnected: { chargerId: 'CP-001', occurredAt: at(t0), protocol: OcppVersion.OCPP_VERSION_2_0_1, connectionId: 'conn-1', remoteAddress: '127.0.0.1', securityProfile: 1 },
  ChargerDisconnected: { chargerId: 'CP-001', occurredAt: at('2025-03-01T10:00:00Z'), connectionId: 'conn-1', closeCode: 1006, reason: 'socket dropped' },
  ConnectorStatusChanged: {
    chargerId: 'CP-001', occurredAt: at(t0), receivedAt: at('2025-03-01T09:00:01Z'), evseId: 1, connectorId: 1,
    status: ConnectorStatus.CHARGING, errorCode: 'NoError',
  },
  OcppFrameLogged: {
    chargerId: 'CP-001', occurredAt: at(t0), protocol: OcppVersion.OCPP_VERSION_1_6, direction: FrameDirection.FROM_CHARGER,
    frameType: FrameType.CALL, messageId: 'm-1', action: 'Heartbeat', frame: '[2,"m-1","Heartbeat",{}]', connectionId: 'conn-1',
  },
  OcppIdsReserved: { idSpace: 'int32', occurredAt: at(t0), first: 101, last: 200, reservedBy: 'gateway-1:4242' },
  SessionStarted: {
    sessionId: 'S-1', occurredAt: at(t0), receivedAt: at(t0), chargerId: 'CP-001', protocol: OcppVersion.OCPP_VERSION_1_6, evseId: 0,
    connectorId: 1, transactionId: '42', idToken: token, meterStartWh: '1000', commandId: 'C-1', partnerId: 'NL-EMS',
    authorizationReference: 'AUTH-1',
  },
  SessionAuthorized: {
    sessionId: 'S-1', occurredAt: at(t0), chargerId: 'CP-001', idToken: token, status: AuthorizationStatus.ACCEPTED,
    source: AuthorizationSource.REAL_TIME, partnerId: 'NL-EMS', authorizationReference: 'AUTH-1',
  },
  SessionMeterValuesRecorded: {
    sessionId: 'S-1', occurredAt: at('2025-03-01T09:15:00Z'), receivedAt: at('2025-03-01T09:15:01Z'), chargerId: 'CP-001', transactionId: '42',
    connectorId: 1,
    samples: [
      { timestamp: at('2025-03-01T09:15:00Z'), values: [{ value: '4250.5', measurand: 'Energy.Active.Import.Register', unit: 'Wh', context: 'Sample.Periodic' }] },
    ],
    seqNo: 0,
  },
  SessionChargingStateChanged: { sessionId: 'S-1', occurredAt: at('2025-03-01T10:00:00Z'), receivedAt: at('2025-03-01T10:00:00Z'), chargerId: 'CP-001', chargingState: ChargingState.SUSPENDED_EV },
  SessionStopped: {
    sessionId: 'S-1', occurredAt: at('2025-03-01T10:30:00Z'), receivedAt: at('2025-03-01T10:40:00Z'), chargerId: 'CP-001', transactionId: '42',
    meterStopWh: '13500', reason: 'Remote', commandId: 'C-2', offline: true,
  },
  CommandRequested: {
    commandId: 'C-1', occurredAt: at(t0), kind: CommandKind.START_SESSION, chargerId: 'CP-001', origin: CommandOrigin.OCPI,
    partnerId: 'NL-EMS', responseUrl: 'https://emsp.example/ocpi/commands/START_SESSION/1', timeoutSeconds: 30,
    payload: { case: 'startSession', value: { idToken: token, connectorId: 1, locationId: 'LOC1', evseUid: 'NL*ACM*E1', ocpiConnectorId: '1' } },
  },
  CommandSentToCharger: { commandId: 'C-1', occurredAt: at(t0), chargerId: 'CP-001', protocol: OcppVersion.OCPP_VERSION_1_6, action: 'RemoteStartTransaction', messageId: 'm-2' },
  CommandAnswered: { commandId: 'C-1', occurredAt: at(t0), chargerId: 'CP-001', messageId: 'm-2', status: 'Accepted', result: CommandResult.ACCEPTED, payloadJson: '{"status":"Accepted"}', latencyMs: 120 },
  CommandTimedOut: { commandId: 'C-3', occurredAt: at(t0), chargerId: 'CP-001', timeoutSeconds: 30 },
  CommandFailed: { commandId: 'C-4', occurredAt: at(t0), chargerId: 'CP-002', result: CommandResult.FAILED, reason: 'charger offline' },
  CommandResultDelivered: {
    commandId: 'C-1', occurredAt: at(t0), partnerId: 'NL-EMS', responseUrl: 'https://emsp.example/ocpi/commands/START_SESSION/1',
    result: CommandResult.ACCEPTED, httpStatus: 200, attempt: 3,
  },
  CommandResultDeliveryFailed: {
    commandId: 'C-1', occurredAt: at(t0), partnerId: 'NL-EMS', responseUrl: 'https://emsp.example/ocpi/commands/START_SESSION/1',
    attempt: 1, httpStatus: 503, error: 'Service Unavailable', nextAttemptAt: at('2025-03-01T09:00:02Z'),
  },
  CdrIssued: {
    cdrId: 'CDR-1', occurredAt: at('2025-03-01T10:31:00Z'), sessionId: 'S-1', chargerId: 'CP-001', partnerId: 'NL-EMS', currency: 'EUR',
    startDateTime: at(t0), endDateTime: at('2025-03-01T10:30:00Z'), totalCost: eur('4.1000', '4.9610'), totalFixedCost: eur('0.5000', '0.6050'),
    totalEnergyKwh: '12.500', totalEnergyCost: eur('3.1250', '3.7813'), totalTimeHours: '1.500', totalTimeCost: eur('0.4750'),
    totalParkingTimeHours: '0.250', totalParkingCost: eur('0.0000'), tariffs: [{ tariffId: 'T1', lastUpdated: at('2025-02-01T00:00:00Z') }],
    cdrJson: '{"id":"CDR-1","currency":"EUR"}', anomalies: ['CLOCK_SKEW'], timeZone: 'Europe/Amsterdam',
  },
  CdrDelivered: { cdrId: 'CDR-1', occurredAt: at(t0), partnerId: 'NL-EMS', locationUrl: 'https://emsp.example/ocpi/cdrs/CDR-1', httpStatus: 201, ocpiStatusCode: 1000, attempt: 1 },
  CdrDeliveryFailed: { cdrId: 'CDR-1', occurredAt: at(t0), partnerId: 'NL-EMS', attempt: 1, httpStatus: 0, error: 'ECONNREFUSED', nextAttemptAt: at('2025-03-01T09:00:05Z') },
  CdrReplayed: {
    cdrId: 'CDR-1', occurredAt: at(t0), sessionId: 'S-1', matches: false,
    diffs: [{ field: 'total_cost.excl_vat', issued: '4.1000', replayed: '4.0900' }], tariffs: [{ tariffId: 'T1' }], replayedTotalCost: eur('4.0900', '4.9489'),
  },
  CdrIssuingFailed: {
    cdrId: 'CDR-2', occurredAt: at(t0), sessionId: 'S-2', chargerId: 'CP-001', partnerId: 'NL-EMS', reason: CdrIssuingFailure.NO_TARIFF_IN_FORCE,
    detail: 'no tariff applies to CP-001 EVSE 0 connector 1 at 2025-03-01T09:00:00Z', anomalies: ['METER_STOP_BELOW_METER_START'],
  },
  PartnerInvited: { partnerId: 'NL-EMS', occurredAt: at(t0), party: { countryCode: 'NL', partyId: 'EMS', role: PartyRoleKind.EMSP, name: 'Example eMSP' }, tokenAHash: 'sha256:abc' },
  PartnerRegistered: {
    partnerId: 'NL-EMS', occurredAt: at(t0), initiatedBy: CredentialsInitiator.PARTNER, version: '2.2.1', versionsUrl: 'https://emsp.example/ocpi/versions',
    endpoints: [{ identifier: 'cdrs', role: InterfaceRole.RECEIVER, url: 'https://emsp.example/ocpi/2.2.1/cdrs' }],
    roles: [{ countryCode: 'NL', partyId: 'EMS', role: PartyRoleKind.EMSP }], outboundToken: 'token-b', inboundTokenHash: 'sha256:def',
  },
  PartnerCredentialsUpdated: { partnerId: 'NL-EMS', occurredAt: at(t0), initiatedBy: CredentialsInitiator.CPO, version: '2.2.1', outboundToken: 'token-b2', inboundTokenHash: 'sha256:ghi' },
  PartnerUnregistered: { partnerId: 'NL-EMS', occurredAt: at(t0), initiatedBy: CredentialsInitiator.PARTNER },
  PartnerRegistrationStarted: {
    partnerId: 'NL-EMS', occurredAt: at(t0), party: { countryCode: 'NL', partyId: 'EMS', role: PartyRoleKind.EMSP }, versionsUrl: 'https://emsp.example/ocpi/versions',
    pendingTokenHash: 'sha256:jkl', acceptsUnencodedTokens: true,
  },
  PartnerTokenRotationStarted: { partnerId: 'NL-EMS', occurredAt: at(t0), pendingTokenHash: 'sha256:mno' },
  OcpiCallRecorded: {
    partnerId: 'NL-EMS', occurredAt: at(t0), direction: OcpiCallDirection.INBOUND, method: 'POST', url: 'https://cpo.example/ocpi/2.2.1/credentials',
    module: 'credentials', requestHeaders: { 'x-request-id': 'r-1', authorization: '[redacted]' }, requestBody: '{"url":"https://emsp.example/versions"}',
    httpStatus: 200, ocpiStatusCode: 1000, responseBody: '{"status_code":1000}', latencyMs: 42, requestId: 'r-1', correlationId: 'c-1',
    sessionId: 'S-1', responseHeaders: { 'x-request-id': 'r-1' },
  },
  OcpiPushQueued: {
    partnerId: 'NL-EMS', occurredAt: at(t0), entryId: 'P-1', module: 'sessions', objectId: 'S-1', method: 'PUT', path: '/NL/RGT/S-1',
    bodyJson: '{"id":"S-1"}', sourceEventId: '0190a7f0-0000-7000-8000-000000000001', sessionId: 'S-1',
  },
  OcpiPushAttemptFailed: {
    partnerId: 'NL-EMS', occurredAt: at(t0), entryId: 'P-1', attempt: 2, httpStatus: 503, ocpiStatusCode: 0, error: 'HTTP 503', nextAttemptAt: at('2025-03-01T10:00:04Z'), deadLettered: false,
  },
  OcpiPushDelivered: { partnerId: 'NL-EMS', occurredAt: at(t0), entryId: 'P-1', attempt: 3, httpStatus: 201, ocpiStatusCode: 1000, locationUrl: 'https://emsp.example/ocpi/cdrs/1' },
  OcpiPushRetryRequested: { partnerId: 'NL-EMS', occurredAt: at(t0), entryId: 'P-1', requestedBy: 'api' },
  PartnerProbed: { partnerId: 'NL-EMS', occurredAt: at(t0), findings: [{ check: 'versions', passed: true }, { check: 'commands.response_url', passed: false, detail: 'HTTP 404' }] },
  LaunchPlanCreated: {
    planId: 'L-1', occurredAt: at(t0), partnerId: 'NL-EMS', chargerGroup: { chargerIds: ['CP-001'], selector: { vendors: ['Acme'] } },
    phase: LaunchPhase.SCOPE, tariffOwner: TariffOwner.CPO, tokenFlows: [{ tokenType: 'RFID', whitelist: WhitelistType.ALLOWED_OFFLINE, realTimeAuthorization: true }],
    sourcesOfTruth: [{ object: 'TARIFFS', owner: 'ROAMGATE' }], gateThresholds: { command_success_rate: '0.98' }, evaluationWindowSeconds: 86400,
  },
  GateEvaluated: {
    planId: 'L-1', occurredAt: at(t0), evaluationId: 'E-1', phase: LaunchPhase.COMMAND_AND_SESSION_INTEGRITY, decision: GateDecision.PAUSE,
    rule: 'unattributed_failures_present', gates: [{ gate: 'unknown_owner_share', value: '0.12', threshold: '0', passed: false, sampleSize: 25 }],
    evidence: { exceptionIds: ['X-1'] }, windowStart: at('2025-02-28T09:00:00Z'), windowEnd: at(t0), trigger: EvaluationTrigger.SCHEDULE,
  },
  ScopeChanged: {
    planId: 'L-1', occurredAt: at(t0), partnerId: 'NL-EMS', previousPhase: LaunchPhase.SCOPE, phase: LaunchPhase.COMMAND_AND_SESSION_INTEGRITY,
    chargerGroup: { chargerIds: ['CP-001', 'CP-002'] }, addedChargerIds: ['CP-002'], evaluationId: 'E-2', changedBy: 'gate-evaluator',
  },
  LaunchPlanUpdated: {
    planId: 'L-1', occurredAt: at(t0), gateThresholds: { command_success_rate: '0.97' }, evaluationWindowSeconds: 604800, tariffOwner: TariffOwner.CPO,
    tokenFlows: [{ tokenType: 'APP_USER', whitelist: WhitelistType.NEVER, realTimeAuthorization: true }], sourcesOfTruth: [{ object: 'TOKENS', owner: 'PARTNER' }],
    expansionWaves: [{ selector: { vendors: ['Acme'], models: ['X2'] } }], updatedBy: 'cli:operator', reason: 'finance asked for a stricter command gate',
  },
  GateDecisionApplied: { planId: 'L-1', occurredAt: at(t0), evaluationId: 'E-2', decision: GateDecision.EXPAND, appliedBy: 'cli:operator', note: 'signed off by ops' },
  LaunchPaused: { planId: 'L-1', occurredAt: at(t0), evaluationId: 'E-1', rule: 'unattributed_issues', pausedBy: 'cli:operator', reason: 'UNKNOWN owners' },
  LaunchResumed: { planId: 'L-1', occurredAt: at(t0), resumedBy: 'cli:operator', reason: 'faulty firmware attributed to the charger vendor' },
  TariffPublished: {
    tariffId: 'T1', occurredAt: at(t0), countryCode: 'NL', partyId: 'RGT', currency: 'EUR', lastUpdated: at('2025-02-01T00:00:00Z'),
    tariffJson: '{"country_code":"NL","party_id":"RGT","id":"T1","currency":"EUR","elements":[{"price_components":[{"type":"ENERGY","price":0.25,"step_size":1}]}],"last_updated":"2025-02-01T00:00:00Z"}',
    publishedBy: 'cli:operator',
  },
  TariffDeleted: { tariffId: 'T1', occurredAt: at('2025-04-01T00:00:00Z'), lastUpdated: at('2025-02-01T00:00:00Z'), deletedBy: 'api' },
  TariffAssigned: {
    tariffId: 'T1', occurredAt: at(t0), assignmentId: 'A-1', target: { chargerId: 'CP-001', evseId: 1, connectorId: 2, partnerId: 'NL-EMS' },
    timeZone: 'Europe/Amsterdam', validFrom: at(t0), assignedBy: 'cli:operator',
  },
  TariffUnassigned: {
    tariffId: 'T1', occurredAt: at('2025-03-02T09:00:00Z'), assignmentId: 'A-1', target: { chargerId: 'CP-001', evseId: 0 },
    validUntil: at('2025-03-02T09:00:00Z'), reason: 'unassigned', unassignedBy: 'api',
  },
  LocationCreated: { locationId: 'LOC1', occurredAt: at(t0), details: locationDetails, changedBy: 'api' },
  LocationUpdated: { locationId: 'LOC1', occurredAt: at(t0), details: { ...locationDetails, name: 'Gent Zuid P+R' }, changedBy: 'api' },
  EvseAttached: {
    locationId: 'LOC1', occurredAt: at(t0), changedBy: 'api',
    evse: {
      uid: 'CP-001-1', evseId: 'NL*RGT*E0001*1', chargerId: 'CP-001', evse: 1, capabilities: ['REMOTE_START_STOP_CAPABLE'], floorLevel: '-1', physicalReference: '1',
      connectors: [{ id: '1', ocppConnectorId: 1, standard: 'IEC_62196_T2', format: 'SOCKET', powerType: 'AC_3_PHASE', maxVoltage: 230, maxAmperage: 32, maxElectricPower: 22000, tariffIds: ['T1'] }],
    },
  },
  EvseDetached: { locationId: 'LOC1', occurredAt: at(t0), evseUid: 'CP-001-1', changedBy: 'api' },
  EvseStatusChanged: { locationId: 'LOC1', occurredAt: at(t0), evseUid: 'CP-001-1', status: 'CHARGING', ocppStatus: 'Charging', sourceEventId: 'e-1' },
  PartnerScopeSet: {
    partnerId: 'NL-EMS', occurredAt: at(t0), evseUids: ['CP-001-1'], locationIds: ['LOC2'], chargerIds: ['CP-009'], changedBy: 'gate-evaluator', reason: 'EXPAND',
    planId: 'plan-1', sourceEventId: 'e-2',
  },
  OcpiTokenStored: {
    partnerId: 'NL-EMS', occurredAt: at(t0), countryCode: 'NL', partyId: 'EMS', uid: '012345678', type: 'RFID', contractId: 'NL8ACC12E46L89',
    valid: true, whitelist: WhitelistType.ALLOWED, lastUpdated: at('2025-02-01T00:00:00Z'),
    tokenJson: '{"country_code":"NL","party_id":"EMS","uid":"012345678","type":"RFID","contract_id":"NL8ACC12E46L89","issuer":"Example","valid":true,"whitelist":"ALLOWED","last_updated":"2025-02-01T00:00:00Z"}',
  },
  ReconSettingsUpdated: {
    partnerId: 'NL-EMS', occurredAt: at(t0), mappingJson: '{"cdrId":"cdr_id","kwh":"total_energy_kwh"}', tolerances: { amountMinor: 1, energyWh: 10, timeS: 60 }, defaultFormat: 'csv',
  },
  PartnerRecordsImported: {
    runId: 'run-1', occurredAt: at(t0), partnerId: 'NL-EMS', fileName: 'settlement-2025-03.csv', format: 'csv', records: 1200n, parseErrors: 1n, bytes: 98_304n,
    mappingJson: '{"cdrId":"cdr_id"}', tolerances: { amountMinor: 1, energyWh: 10, timeS: 60 }, parseErrorSamples: ['line 17: kwh: not a decimal'], sha256: 'ab'.repeat(32),
  },
  ReconciliationRunCompleted: {
    runId: 'run-1', occurredAt: at(t0), partnerId: 'NL-EMS', periodFrom: at('2025-03-01T00:00:00Z'), periodTo: at('2025-04-01T00:00:00Z'), ourCdrs: 1201n,
    partnerRecords: 1200n, matched: 1198n, matchedClean: 1190n, exceptions: 11n, exceptionsOpened: 9n, durationMs: 840,
  },
  ReconMatchesRecorded: { runId: 'run-1', occurredAt: at(t0), partnerId: 'NL-EMS', matches: [{ ourCdrId: 'CDR-1', partnerRef: 'line 2', sessionId: 'S-1', matchedBy: 'ID', clean: true }] },
  ReconExceptionOpened: {
    exceptionId: 'exc-1', occurredAt: at(t0), runId: 'run-1', partnerId: 'NL-EMS', type: ReconExceptionType.AMOUNT_MISMATCH, owner: ReconOwner.PARTNER,
    rule: 'partner-priced-other-amount', facts: { ourAmountExclVat: '12.34', partnerAmountExclVat: '13.34' }, ourCdrId: 'CDR-1', partnerRef: 'line 2',
    sessionId: 'S-1', amountAtRisk: '1.00', currency: 'EUR', detail: 'partner amount 13.34 EUR, ours 12.34 EUR', sessionStart: at(t0),
  },
  ReconExceptionStatusChanged: {
    exceptionId: 'exc-1', occurredAt: at(t0), partnerId: 'NL-EMS', from: ReconExceptionStatus.INVESTIGATING, to: ReconExceptionStatus.RESOLVED,
    resolution: 'PARTNER_CORRECTED', note: 'partner re-sent the record', changedBy: 'api',
  },
  HubClientInfoStored: {
    partnerId: 'NL-HUB', occurredAt: at(t0), countryCode: 'DE', partyId: 'EMP', role: 'EMSP', status: 'CONNECTED', lastUpdated: at('2025-02-01T00:00:00Z'),
    clientInfoJson: '{"country_code":"DE","party_id":"EMP","role":"EMSP","status":"CONNECTED","last_updated":"2025-02-01T00:00:00Z"}',
  },
  TokenAuthorizationRequested: {
    requestId: 'ra-1', occurredAt: at(t0), chargerId: 'CP-001', evseId: 1, connectorId: 1, partnerId: 'NL-EMS', uid: '012345678', tokenType: 'RFID',
    whitelist: WhitelistType.ALLOWED, action: 'Authorize', deadline: at('2025-03-01T09:00:04Z'),
  },
  TokenAuthorizationDecided: {
    requestId: 'ra-1', occurredAt: at(t0), partnerId: 'NL-EMS', allowed: 'ALLOWED', emspReached: true, authorizationReference: 'AUTH-000001',
    locationId: 'LOC1', evseUids: ['CP-001-1'], latencyMs: 120,
  },
  TokenAuthorizationTimedOut: { requestId: 'ra-1', occurredAt: at('2025-03-01T09:00:04Z'), status: AuthorizationStatus.ACCEPTED },
};

/** A valid, realistic example of each event type, for tests of anything that stores or carries events. */
export function sampleEvent<T extends EventType>(type: T): EventMessage<T> {
  return create(eventSchemas[type], samples[type] as never) as EventMessage<T>;
}

export function sampleEventTypes(): EventType[] {
  return Object.keys(samples) as EventType[];
}
