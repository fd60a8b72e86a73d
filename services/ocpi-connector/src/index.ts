export * from './ocpi-connector.module';
