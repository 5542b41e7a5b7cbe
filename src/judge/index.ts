/**
 * The statistical judge's pure core: canary against primary on exact request counts, anytime-valid,
 * one analysis window at a time. See docs/judge.md.
 */
export { freezeBoundary, type FrozenBoundary } from './boundary.js';
export {
  JUDGE_DEFAULTS,
  judgeSpecProblems,
  resolveJudgeConfig,
  type CompareSpec,
  type JudgeConfig,
  type JudgeSpec,
  type SignalConfig,
} from './config.js';
export { CountTest, type CountTestSettings, type CountTestState, type RatioBounds } from './count-test.js';
export {
  counterIncrease,
  histogramIncrease,
  requestsAbove,
  sameBuckets,
  sumIncreases,
  type CounterSeries,
  type CounterWindow,
  type HistogramCounts,
} from './counters.js';
export { estimateDispersion, type Dispersion, type PodSlots } from './dispersion.js';
export * from './model.js';
export {
  describeNeeded,
  needed,
  plannedCanaryRequests,
  zeroEventRequests,
  type Needed,
  type PlanInput,
} from './planner.js';
export type { SignalReport } from './report.js';
export { checkSplit, type SplitResult, type SplitSettings, type SplitState } from './split.js';
export {
  judgeWindow,
  startJudge,
  type JudgeOutcome,
  type JudgeState,
  type JudgeWindow,
  type PodSlot,
  type PreRollout,
  type SignalState,
} from './verdict.js';
