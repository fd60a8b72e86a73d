import { assignModels, chargerIds, type MixFile, parseMix } from '@roamgate/charger-simulator';
import type { Token } from '@roamgate/emsp-simulator';

/**
 * The demo's world: one eMSP (NL-EMS), three charger models at two sites, one tariff. Charlie X1 is the faulty
 * model: it answers every RemoteStartTransaction with Rejected, as the mix file says (charger-mix.json in the
 * evidence folder is the same mix, for `roamgate simulate chargers --mix`).
 */
export const MIX: MixFile = parseMix(
  {
    models: [
      { vendor: 'Alfa', model: 'AC22', firmwareVersion: '1.4.2', share: 1, connectors: 1, maxPowerW: 22_000, meterValueIntervalS: 1 },
      { vendor: 'Charlie', model: 'X1', firmwareVersion: '0.9.1', share: 1, connectors: 1, maxPowerW: 11_000, meterValueIntervalS: 1, faults: { rejectRemoteStart: true } },
      { vendor: 'Bravo', model: 'DC50', firmwareVersion: '3.1.0', share: 1, connectors: 1, maxPowerW: 50_000, meterValueIntervalS: 1 },
    ],
  },
  'ocpp1.6',
);

export const FLEET_SIZE = 6;
export const ID_PREFIX = 'DEMO-';
export const CHARGER_PASSWORD = 'demo-charger-secret';

export interface DemoCharger {
  readonly id: string;
  readonly vendor: string;
  readonly model: string;
  readonly firmware: string;
  readonly faulty: boolean;
  readonly locationId: string;
  readonly evseUid: string;
}

/** Which model each fleet charger gets: the fleet simulator's own assignment, so ids and models agree. */
export function demoChargers(): DemoCharger[] {
  const assignment = assignModels(
    MIX.models.map((m) => m.share),
    FLEET_SIZE,
  );
  return chargerIds(ID_PREFIX, FLEET_SIZE).map((id, index) => {
    const model = MIX.models[assignment[index]!]!;
    return {
      id,
      vendor: model.vendor,
      model: model.model,
      firmware: model.firmwareVersion,
      faulty: model.faults?.rejectRemoteStart === true,
      locationId: model.vendor === 'Bravo' ? 'DEMO-AMERSFOORT' : 'DEMO-UTRECHT',
      evseUid: `${id}-1`,
    };
  });
}

export const SITES = [
  { id: 'DEMO-UTRECHT', name: 'Utrecht Centraal P+R', address: 'Stationsplein 1', city: 'Utrecht', postal_code: '3511ED', latitude: '52.089444', longitude: '5.110278' },
  { id: 'DEMO-AMERSFOORT', name: 'Amersfoort Centraal', address: 'Stationsplein 50', city: 'Amersfoort', postal_code: '3818LE', latitude: '52.153611', longitude: '5.373889' },
].map((s) => ({
  id: s.id,
  name: s.name,
  address: s.address,
  city: s.city,
  postal_code: s.postal_code,
  country: 'NLD',
  coordinates: { latitude: s.latitude, longitude: s.longitude },
  parking_type: 'PARKING_LOT',
  time_zone: 'Europe/Amsterdam',
  opening_times: { twentyfourseven: true },
}));

export const evseOf = (charger: DemoCharger) => ({
  charger_id: charger.id,
  evse: 1,
  evse_id: `NL*RGT*E${charger.id.replaceAll('-', '')}*1`,
  capabilities: ['REMOTE_START_STOP_CAPABLE'],
  connectors: [{ id: '1', standard: 'IEC_62196_T2', format: 'SOCKET', power_type: 'AC_3_PHASE', max_voltage: 230, max_amperage: 32, tariff_ids: ['DEMO-T1'] }],
});

export const TARIFF = {
  country_code: 'NL',
  party_id: 'RGT',
  id: 'DEMO-T1',
  currency: 'EUR',
  elements: [{ price_components: [{ type: 'ENERGY', price: 0.35, vat: 21, step_size: 1 }, { type: 'TIME', price: 1.2, vat: 21, step_size: 1 }] }],
  last_updated: '2025-01-01T00:00:00Z',
};

export const TOKENS: Token[] = ['DEMO-RFID-1', 'DEMO-RFID-2', 'DEMO-RFID-3', 'DEMO-RFID-4'].map(
  (uid) =>
    ({
      country_code: 'NL',
      party_id: 'EMS',
      uid,
      type: 'RFID',
      contract_id: `NL-EMS-${uid}`,
      issuer: 'Simulated eMSP',
      valid: true,
      whitelist: 'ALLOWED',
      last_updated: '2025-01-01T00:00:00Z',
    }) as Token,
);

/** Remote start/stop rounds on every charger of the first group (its faulty ones included). */
export const ROUNDS = 3;
export const PLAN_ID = 'DEMO-PILOT';

/**
 * Small minimum samples so that a few minutes of simulated traffic can prove a phase (the defaults, 20 commands,
 * 20 sessions and 20 CDRs, suit a real pilot), and a price agreement a pilot of six CDRs can reach with one
 * disputed CDR corrected by the partner (the default 0.98 needs 50 CDRs for that). The window is the shortest the
 * API accepts (1 hour): everything the demo does falls in its second half, so exposure grows from 0 and only
 * settled sessions keep up with it.
 */
export const DEMO_THRESHOLDS: Readonly<Record<string, string>> = {
  min_commands: '6',
  min_commands_per_model: '2',
  min_sessions: '4',
  min_cdrs: '4',
  partner_price_agreement: '0.80',
};
export const DEMO_WINDOW_SECONDS = 3600;

/** Settings of the standalone process the demo starts: fast pushes and retries, no scheduled evaluations. */
export const PROCESS_ENV: Readonly<Record<string, string>> = {
  OCPI_UNSCOPED_PARTNERS: 'none',
  LAUNCH_EVALUATION_INTERVAL_SECONDS: '0',
  OCPI_PUSH_BASE_DELAY_MS: '100',
  OCPI_PUSH_MAX_DELAY_MS: '1000',
  OCPI_PUSH_POLL_MS: '100',
  OCPI_SESSION_PATCH_INTERVAL_S: '1',
  OCPI_COMMAND_RESULT_RETRY_MS: '200',
  OCPP_COMMAND_TIMEOUT_S: '15',
  LOG_LEVEL: 'warn',
};
