export * from './read-model-store.contract';
