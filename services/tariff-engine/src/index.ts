export * from './tariff-engine.module';
