export * from './fixtures';
export * from './fake-partner';
export * from './operations-api';
