export { type ChargerEvents, type ChargerStats, SimulatedCharger, type SimulatedChargerOptions, startSimulatedCharger } from './charger';
export { registerSimulateCommand, type SimulateIo } from './cli';
export { Configuration } from './configuration';
export { energyPerSampleWh, type EnergyModel, meterStopBelowStart, registerAfter, wholeWh } from './energy';
export { BAD_FRAME_KINDS, type BadFrameKind, badFrame, type DropConnectionFault, type Faults, parseFaults } from './faults';
export { chargerIds, type Fleet, type FleetOptions, type FleetStats, simulateFleet } from './fleet';
export { assignModels, loadMixFile, type MixFile, type MixModel, parseMix, parseProtocol } from './mix';
export {
  type ChargerProfile,
  type Connector,
  type ConnectorStatus,
  DEFAULT_PROFILE,
  type MeterSample,
  OCPP_PROTOCOLS,
  type OcppProtocol,
  type Session,
  type StopReason,
} from './model';
export { InvalidInput } from './validation';
