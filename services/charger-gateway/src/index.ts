export * from './charger-gateway.module';
export { registerChargerCommands } from './cli/chargers.command';
