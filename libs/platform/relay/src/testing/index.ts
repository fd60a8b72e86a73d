export * from './recording-bus';
