/**
 * The checks of a release as charts show them: each metric with the bounds the engine judges it by
 * (src/engine/judge.ts), each webhook, and the samples measured so far. Usable by the live server
 * and by a `serin simulate` report alike (plain data in, plain data out).
 */
import type { CheckSample, CheckSeries } from './model.js';
import { finite, record, text } from './rows.js';

/** The builtin checks Flagger and Serin know by name (the only ones whose unit is known). */
const UNITS: Readonly<Record<string, string>> = { 'request-duration': 'ms', 'request-success-rate': '%' };

/**
 * The bounds a metric passes within, as judgeMetric reads them: `thresholdRange`; without it the
 * deprecated `threshold` is a floor for the builtin success rate and a ceiling for everything else.
 */
export function metricBounds(metric: Record<string, unknown>): { min?: number; max?: number } {
  const range = record(metric.thresholdRange);
  if (metric.thresholdRange !== undefined) {
    return {
      ...(typeof range.min === 'number' ? { min: range.min } : {}),
      ...(typeof range.max === 'number' ? { max: range.max } : {}),
    };
  }
  const threshold = finite(metric.threshold);
  const builtinRate = metric.name === 'request-success-rate' && !metric.templateRef && !metric.query;
  return builtinRate ? { min: threshold } : { max: threshold };
}

/**
 * One series per check the spec lists (metrics first, then webhooks, in spec order) plus any the
 * samples name that the spec no longer does, each with its samples (oldest first).
 */
export function checkSeries(
  spec: unknown,
  samples: ReadonlyMap<string, { readonly kind: 'metric' | 'webhook'; readonly samples: readonly CheckSample[] }>,
  maxChecks = 30,
): CheckSeries[] {
  const analysis = record(record(spec).analysis);
  const metrics = Array.isArray(analysis.metrics) ? analysis.metrics.map(record) : [];
  const webhooks = Array.isArray(analysis.webhooks) ? analysis.webhooks.map(record) : [];
  const series: CheckSeries[] = [];
  const seen = new Set<string>();
  const add = (name: string, kind: 'metric' | 'webhook', bounds: { min?: number; max?: number }) => {
    if (!name || seen.has(name) || series.length >= maxChecks) return;
    seen.add(name);
    series.push({ name, kind, ...bounds, unit: UNITS[name] ?? '', samples: [...(samples.get(name)?.samples ?? [])] });
  };
  for (const m of metrics) add(text(m.name, 253), 'metric', metricBounds(m));
  // Only the webhooks that run during analysis produce check samples; the rest are gates and hooks.
  for (const w of webhooks) {
    const type = text(w.type, 32);
    if (type === '' || type === 'rollout') add(text(w.name, 253), 'webhook', {});
  }
  for (const [name, s] of samples) add(name, s.kind, {});
  return series;
}
