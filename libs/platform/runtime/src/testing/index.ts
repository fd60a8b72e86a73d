export * from './processes';
export * from './app';
