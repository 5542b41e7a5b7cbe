/**
 * How one measured metric value is judged against its thresholds (spec §7.5), as data: a passing or
 * failing `CheckOutcome` whose texts are Flagger's. Missing data never passes.
 */
import type { CanaryMetric } from '../api/index.js';
import { metricTexts } from './messages.js';
import type { CheckOutcome } from './model.js';

/** What a metrics provider returned for one check. */
export type MetricValue =
  | { readonly kind: 'value'; readonly value: number }
  /** The query ran but matched nothing; `detail` is the provider's words (default `no values found`). */
  | { readonly kind: 'no-data'; readonly detail?: string }
  | { readonly kind: 'error'; readonly message: string };

/** Which query produced the value: a builtin check, an inline `query`, or a MetricTemplate. */
export type MetricSource = 'builtin' | 'query' | 'template';

/** Where the value came from, for Flagger's exact no-data wording. */
export interface JudgeContext {
  /** `spec.targetRef.name`. */
  readonly target: string;
  readonly namespace: string;
  /** The metrics observer as Flagger names it in events (the provider in effect, e.g. `appmesh:v1beta2`). */
  readonly metricsProvider: string;
  /**
   * Which query this value answers. Default: `builtin` for `request-success-rate` and
   * `request-duration`, else `query` when an inline query is set, else `template`. A builtin-named
   * metric with a `templateRef` runs twice (builtin, then template): say which.
   */
  readonly source?: MetricSource;
}

const BUILTIN = new Set(['request-success-rate', 'request-duration']);
const NO_VALUES = 'no values found';

/** The default source of a metric's value (see {@link JudgeContext.source}). */
export function metricSourceOf(metric: CanaryMetric): MetricSource {
  if (BUILTIN.has(metric.name)) return 'builtin';
  return metric.query !== undefined && metric.query !== '' ? 'query' : 'template';
}

/**
 * Judges a measured value: outside `thresholdRange` (`value < min` or `value > max`) fails; without
 * a range the deprecated `threshold` applies (success rate: fails below it; duration and custom
 * metrics: fail above it, and an unset threshold means 0). `request-duration` values and bounds are
 * milliseconds, truncated to whole ms as Flagger does. NaN counts as no data (Flagger's Prometheus
 * client reports it so); ±Inf fails; no data and errors fail with the provider's words.
 */
export function judgeMetric(metric: CanaryMetric, measured: MetricValue, context?: JudgeContext): CheckOutcome {
  const source = context?.source ?? metricSourceOf(metric);
  if (measured.kind === 'error') return queryFailed(metric.name, source, measured.message);
  if (measured.kind === 'no-data' || Number.isNaN(measured.value)) {
    const detail = measured.kind === 'no-data' ? (measured.detail ?? NO_VALUES) : NO_VALUES;
    return noData(metric.name, source, detail, context);
  }
  const value = measured.value;
  if (!Number.isFinite(value)) return fail(metric.name, metricTexts.notFinite(metric.name, value));
  if (source === 'builtin' && metric.name === 'request-success-rate') return judgeSuccessRate(metric, value);
  if (source === 'builtin' && metric.name === 'request-duration') return judgeDuration(metric, value);
  return judgeValue(metric, value);
}

function judgeSuccessRate(metric: CanaryMetric, value: number): CheckOutcome {
  const range = metric.thresholdRange;
  if (range) {
    if (range.min !== undefined && value < range.min) {
      return fail(metric.name, metricTexts.successRateBelow(value, range.min));
    }
    if (range.max !== undefined && value > range.max) {
      return fail(metric.name, metricTexts.successRateAbove(value, range.max));
    }
  } else if ((metric.threshold ?? 0) > value) {
    return fail(metric.name, metricTexts.successRateBelow(value, metric.threshold ?? 0));
  }
  return pass(metric.name, String(value));
}

function judgeDuration(metric: CanaryMetric, value: number): CheckOutcome {
  // Go converts with time.Duration(int64(v)) * time.Millisecond: whole milliseconds, toward zero.
  const ms = Math.trunc(value);
  const range = metric.thresholdRange;
  if (range) {
    if (range.min !== undefined && ms < Math.trunc(range.min)) {
      return fail(metric.name, metricTexts.durationBelow(ms, Math.trunc(range.min)));
    }
    if (range.max !== undefined && ms > Math.trunc(range.max)) {
      return fail(metric.name, metricTexts.durationAbove(ms, Math.trunc(range.max)));
    }
  } else {
    const threshold = Math.trunc(metric.threshold ?? 0);
    if (ms > threshold) return fail(metric.name, metricTexts.durationAbove(ms, threshold));
  }
  return pass(metric.name, `${ms}ms`);
}

function judgeValue(metric: CanaryMetric, value: number): CheckOutcome {
  const range = metric.thresholdRange;
  if (range) {
    if (range.min !== undefined && value < range.min) {
      return fail(metric.name, metricTexts.valueBelow(metric.name, value, range.min));
    }
    if (range.max !== undefined && value > range.max) {
      return fail(metric.name, metricTexts.valueAbove(metric.name, value, range.max));
    }
  } else if (value > (metric.threshold ?? 0)) {
    return fail(metric.name, metricTexts.valueAbove(metric.name, value, metric.threshold ?? 0));
  }
  return pass(metric.name, String(value));
}

function noData(name: string, source: MetricSource, detail: string, context: JudgeContext | undefined): CheckOutcome {
  const reason = metricTexts.noValues(name);
  if (source === 'query') return fail(name, reason, metricTexts.noDataQuery(name));
  if (source === 'template') return fail(name, reason, metricTexts.noDataTemplate(name, detail));
  // The builtin wording names the provider and the target, which only the context knows.
  if (!context) return fail(name, reason);
  const { metricsProvider, target, namespace } = context;
  const message =
    name === 'request-duration'
      ? metricTexts.noDataDuration(metricsProvider, target, namespace)
      : metricTexts.noDataSuccessRate(metricsProvider, target, namespace, detail);
  return fail(name, reason, message);
}

function queryFailed(name: string, source: MetricSource, error: string): CheckOutcome {
  const reason = metricTexts.queryFailed(name, error);
  if (source === 'builtin') return fail(name, reason, metricTexts.builtinQueryFailed(error));
  if (source === 'query') return fail(name, reason, metricTexts.inlineQueryFailed(name, error));
  return fail(name, reason, metricTexts.templateQueryFailed(name, error));
}

function pass(name: string, detail: string): CheckOutcome {
  return { ok: true, name, detail };
}

function fail(name: string, reason: string, message?: string): CheckOutcome {
  return message === undefined ? { ok: false, name, reason } : { ok: false, name, reason, message };
}
