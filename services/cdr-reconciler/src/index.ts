export * from './cdr-reconciler.module';
export { registerReconCommands, registerSessionExplainCommand, type ReconCliOptions } from './cli/recon.command';
export { renderTimeline, type Timeline, type TimelineEntry } from './timeline/timeline.service';
export type { ImportResult, ImportProgress } from './imports/import.service';
export type { ExceptionDocument, RunDocument } from './exceptions/recon-documents';
export type { ReconReport } from './reports/report';
