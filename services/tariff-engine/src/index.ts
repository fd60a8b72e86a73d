export * from './tariff-engine.module';
export * from './cli/tariff-price.command';
export * from './cli/tariffs.command';
export * from './cli/replay.command';
export * from './cdrs';
