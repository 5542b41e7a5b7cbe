/**
 * Serin's engine: Flagger's canary phase machine as a pure function of (spec, status, observation,
 * now) → (status, actions, events), plus the metric judge and the texts it writes.
 */
export type {
  Action,
  Answers,
  CheckOutcome,
  EngineEvent,
  GateType,
  JudgeStartAnswer,
  Need,
  Observation,
  Readiness,
  Routes,
  RoutingCapabilities,
  StepInput,
  StepResult,
} from './model.js';
export { step } from './step.js';
export { commandRefusal } from './commands.js';
export { judgeMetric, metricSourceOf, type JudgeContext, type MetricSource, type MetricValue } from './judge.js';
export {
  analysisIntervalMs,
  analysisThreshold,
  DEFAULT_INTERVAL_MS,
  DEFAULT_PROGRESS_DEADLINE_SECONDS,
  MAX_INTERVAL_MS,
  MIN_INTERVAL_MS,
  progressDeadlineSeconds,
  skipsAnalysis,
  strategyOf,
  type Strategy,
  type StrategyPlan,
} from './settings.js';
export { maxWeightOf, nextStepWeight } from './weights.js';
export { specProblem } from './spec-problems.js';
export { hasRevisionChanged, hasSpecChanged, haveConfigsChanged } from './revision.js';
export { goDurationMs, goFixed2, goFloat, parseGoDuration } from './go-format.js';
export * as messages from './messages.js';
export { suspendedMessage } from './messages.js';
