/**
 * Measures every metric of a Canary now, through the operator's own `CanaryMetricsAnalyzer` (the
 * builtin queries, inline queries and MetricTemplates, in the operator's order), and judges each
 * value with the engine's `judgeMetric`, so the user sees whether the analysis would pass today.
 * Builtin metrics read the canary's pods, which receive traffic only during a release: no data is
 * then expected, and a warning rather than an error.
 */
import type { Canary, CanaryMetric } from '../api/index.js';
import {
  judgeMetric,
  metricSourceOf,
  type CheckOutcome,
  type JudgeContext,
  type MetricSource,
  type MetricValue,
} from '../engine/index.js';
import type { MetricsAnalyzer } from '../metrics/port.js';
import { metricPasses } from '../controller/check-runner.js';
import type { ProviderRegistry } from '../routers/registry.js';
import { METRIC_TEMPLATE_GVK, type ProvidersCheck } from '../metrics/analyzer.js';
import type { Cluster } from '../kube/cluster.js';
import { fail, pass, warn, type CheckLine } from './report.js';

/** What the metric checks use: the analyzer (with its provider check) and the templates read. */
export interface MetricCheckDeps {
  readonly analyzer: MetricsAnalyzer & {
    checkProviders(canary: Canary, signal?: AbortSignal): Promise<ProvidersCheck>;
  };
  /** Where the MetricTemplates were put by the cluster checks. */
  readonly cluster: Cluster;
}

/** Settings of {@link metricChecks}. */
export interface MetricCheckOptions {
  /** The routing providers (with `--mesh-provider`): names the provider in effect in judge texts. */
  readonly providers: ProviderRegistry;
}

const TARGET_IN_QUERY = /\{\{-?\s*target\s*-?\}\}/;

/** Measures and judges every metric of `canary`; one line each, after the provider check. */
export async function metricChecks(
  canary: Canary,
  deps: MetricCheckDeps,
  options: MetricCheckOptions,
  signal?: AbortSignal,
): Promise<CheckLine[]> {
  const metrics = canary.spec.analysis?.metrics ?? [];
  const passes = metricPasses(metrics);
  const providerLine = await providersLine(canary, deps, signal);
  const lines = await Promise.all(
    passes.map(async ([metric, source]) => {
      const measured = await deps.analyzer.measure(canary, metric, signal, source);
      const context: JudgeContext = {
        target: canary.spec.targetRef.name,
        namespace: canary.metadata?.namespace ?? '',
        metricsProvider: options.providers.resolve(canary).name,
        source,
      };
      return metricLine(canary, metric, source, measured, judgeMetric(metric, measured, context), deps.cluster);
    }),
  );
  // A failed provider check repeats the cause a failed metric already names; it stands alone otherwise.
  if (!providerLine || (providerLine.status === 'fail' && lines.some((l) => l.status === 'fail'))) return lines;
  return [providerLine, ...lines];
}

async function providersLine(
  canary: Canary,
  deps: MetricCheckDeps,
  signal?: AbortSignal,
): Promise<CheckLine | undefined> {
  const metrics = canary.spec.analysis?.metrics ?? [];
  if (!metrics.some((m) => metricSourceOf(m) === 'builtin' || m.templateRef)) return undefined;
  const check = await deps.analyzer.checkProviders(canary, signal);
  if (check.ok) return pass('metric providers answer (the operator checks this when a canary initializes)');
  return fail(
    `Error checking metric providers: ${check.message}`,
    'make that provider reachable; the operator warns about this when the canary initializes',
  );
}

function metricLine(
  canary: Canary,
  metric: CanaryMetric,
  source: MetricSource,
  measured: MetricValue,
  outcome: CheckOutcome,
  cluster: Cluster,
): CheckLine {
  const label = `${metric.name} (${sourceLabel(canary, metric, source)})`;
  const data = { metric: metric.name, source };
  if (measured.kind === 'value' && !Number.isNaN(measured.value)) {
    const value = { ...data, outcome: 'value', value: measured.value };
    if (outcome.ok) {
      return pass(`${label} = ${outcome.detail ?? measured.value}: would pass today (${limits(metric)})`, value);
    }
    return fail(
      `${label} = ${measured.value}: would fail today: ${outcome.reason}`,
      'if the service behaves like this during a release, the canary is rolled back; check the query and the thresholds',
      value,
    );
  }
  if (measured.kind === 'error') {
    const message = outcome.ok ? measured.message : (outcome.message ?? outcome.reason);
    return fail(`${label}: ${message}`, errorFix(source, measured.message), {
      ...data,
      outcome: 'error',
      error: measured.message,
    });
  }
  const noData = { ...data, outcome: 'no-data' };
  if (source === 'builtin') {
    return warn(
      `${label}: no data — expected before a canary run: builtin metrics read the canary's pods, which get traffic only during a release`,
      'nothing to do if no release is running; during one, no data halts the analysis',
      noData,
    );
  }
  if (TARGET_IN_QUERY.test(queryOf(canary, metric, source, cluster))) {
    return warn(
      `${label}: no data — its query selects by {{ target }}, so it may have data only during a canary run`,
      'nothing to do if no release is running; during one, no data halts the analysis',
      noData,
    );
  }
  return fail(
    `${label}: no data: the query matched nothing now, and every analysis would halt on it`,
    'check the query (metric and label names) against the metrics backend',
    noData,
  );
}

function sourceLabel(canary: Canary, metric: CanaryMetric, source: MetricSource): string {
  if (source === 'builtin') return 'builtin';
  if (source === 'query') return 'inline query';
  const ref = metric.templateRef;
  return `template ${ref?.namespace || canary.metadata?.namespace || ''}/${ref?.name ?? ''}`;
}

/** The query text as written (for the no-data rule); empty when the template cannot be read. */
function queryOf(canary: Canary, metric: CanaryMetric, source: MetricSource, cluster: Cluster): string {
  if (source === 'query') return metric.query ?? '';
  const ref = metric.templateRef;
  if (!ref) return '';
  try {
    const namespace = ref.namespace || canary.metadata?.namespace || '';
    const template = cluster.get<{ spec?: { query?: string } }>({ ...METRIC_TEMPLATE_GVK, namespace, name: ref.name });
    return template?.spec?.query ?? '';
  } catch {
    return '';
  }
}

/** The thresholds in words, e.g. `min 99`, `min 1, max 5`, `threshold 500`. */
function limits(metric: CanaryMetric): string {
  const range = metric.thresholdRange;
  const parts = [
    ...(range?.min !== undefined ? [`min ${range.min}`] : []),
    ...(range?.max !== undefined ? [`max ${range.max}`] : []),
  ];
  if (parts.length > 0) return parts.join(', ');
  return metric.threshold !== undefined ? `threshold ${metric.threshold}` : 'no threshold set';
}

function errorFix(source: MetricSource, error: string): string {
  if (/unreachable|did not answer|not avaiable/.test(error)) {
    return source === 'template'
      ? "make the template's provider address reachable from here (its spec.provider.address)"
      : 'pass --metrics-server with a Prometheus reachable from here (e.g. through kubectl port-forward), or fix spec.metricsServer';
  }
  if (source === 'template') return 'fix the MetricTemplate (its query, provider or Secret) as the message says';
  if (source === 'query') return "fix the metric's query as the message says";
  return 'fix the Canary (provider, metricsServer) as the message says';
}
