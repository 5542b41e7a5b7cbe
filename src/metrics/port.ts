/**
 * The port the controller's check runner measures metrics through: the operator's adapter is
 * `CanaryMetricsAnalyzer` (Prometheus and the MetricTemplate providers), `serin simulate`'s plays
 * the scenario's values.
 */
import type { Canary, CanaryMetric } from '../api/index.js';
import type { MetricSource, MetricValue } from '../engine/index.js';

/** Measures one metric of a canary. Outcomes are values; it never throws for backend trouble. */
export interface MetricsAnalyzer {
  /** `source` picks the builtin or the template query of a builtin-named metric that has both. */
  measure(canary: Canary, metric: CanaryMetric, signal?: AbortSignal, source?: MetricSource): Promise<MetricValue>;
}
