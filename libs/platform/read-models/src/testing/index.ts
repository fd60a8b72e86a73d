export * from './read-model-store.contract';
export * from './racing-reads';
