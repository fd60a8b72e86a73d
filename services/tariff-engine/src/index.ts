export * from './tariff-engine.module';
export * from './cli/tariff-price.command';
