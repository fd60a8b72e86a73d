export * from './read-model-store.port';
export { SqliteReadModelStore, openSqliteReadModelStore, type SqliteReadModelStoreOptions } from './sqlite-read-model-store';
export { ReadModelBatch, ReadModelBatchConflictError } from './read-model-batch';
export { findAll } from './find-all';
export { QuietStreams } from './quiet-streams';
