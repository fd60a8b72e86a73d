export * from './gate-evaluator.module';
