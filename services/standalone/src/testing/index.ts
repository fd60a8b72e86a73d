export * from './standalone-for-test';
