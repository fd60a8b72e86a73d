export * from './standalone';
export * from './cli';
