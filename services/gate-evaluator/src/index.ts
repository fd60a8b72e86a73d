export * from './gate-evaluator.module';
export * from './cli/launch.command';
export { FACTS } from './facts/fact-documents';
