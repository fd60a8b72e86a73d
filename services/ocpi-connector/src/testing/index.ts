export * from './fixtures';
export * from './fake-partner';
