export * from './location.js';
export * from './ocpi-location.js';
export * from './scope.js';
export * from './status.js';
export * from './vocabulary.js';
