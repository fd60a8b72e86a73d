export * from './charger-gateway.module';
