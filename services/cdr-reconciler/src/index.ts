export * from './cdr-reconciler.module';
