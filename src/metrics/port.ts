/**
 * The port the controller's check runner measures metrics through: the operator's adapter is
 * `CanaryMetricsAnalyzer` (Prometheus and the MetricTemplate providers), `serin simulate`'s plays
 * the scenario's values.
 */
import type { Canary, CanaryJudgeSettings, CanaryMetric } from '../api/index.js';
import type { JudgeStartAnswer, MetricSource, MetricValue } from '../engine/index.js';
import type { JudgeWindow } from '../judge/index.js';

/** One analysis window the judge asks for: (start, end] in unix seconds, at the routed canary weight (%). */
export interface JudgeWindowRequest {
  readonly start: number;
  readonly end: number;
  readonly canaryWeight: number;
}

/** Measures one metric of a canary. Outcomes are values; it never throws for backend trouble. */
export interface MetricsAnalyzer {
  /** `source` picks the builtin or the template query of a builtin-named metric that has both. */
  measure(canary: Canary, metric: CanaryMetric, signal?: AbortSignal, source?: MetricSource): Promise<MetricValue>;
  /**
   * The statistical judge (`spec.analysis.judge`): the primary's counts over the hour before `end`
   * (unix seconds). Absent: this analyzer cannot count requests, and a judged release cannot start.
   */
  judgeStart?(
    canary: Canary,
    settings: CanaryJudgeSettings,
    end: number,
    signal?: AbortSignal,
  ): Promise<JudgeStartAnswer>;
  /** Both arms' counts over one window; a count that cannot be read is an `error` observation. */
  judgeWindow?(
    canary: Canary,
    settings: CanaryJudgeSettings,
    window: JudgeWindowRequest,
    signal?: AbortSignal,
  ): Promise<JudgeWindow>;
}
