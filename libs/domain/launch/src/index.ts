export * from './metrics/facts.js';
export { computeMetrics, modelKey, rate, type LaunchMetrics, type MeasuredPlan, type ModelCommands, type Rate } from './metrics/metrics.js';
export * from './gates/gate-definitions.js';
export * from './gates/evaluation.js';
export { evaluatePlan, decide, type EvaluatedPlan } from './gates/evaluate.js';
export * from './plan/charger-group.js';
export * from './plan/events.js';
export * from './plan/plan.js';
