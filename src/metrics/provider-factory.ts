/**
 * Builds the `MetricsProvider` for a MetricTemplate's `spec.provider` (Flagger §7.4). Unlike
 * Flagger, an unknown or unserved type is an error that names it: Flagger silently runs the query
 * against Prometheus instead, which turns a typo into confusing PromQL errors (or worse, a passing
 * check against the wrong backend).
 */
import { createCloudWatchProvider } from './cloudwatch.js';
import { createDatadogProvider } from './datadog.js';
import { createGraphiteProvider } from './graphite.js';
import { createInfluxDbProvider } from './influxdb.js';
import { createNewRelicProvider } from './newrelic.js';
import { createPrometheusProvider } from './prometheus.js';
import type { ProviderBuild, ProviderContext, ProviderInput } from './provider.js';

/** Provider types Serin can query. */
export const SERVED_PROVIDER_TYPES = [
  'prometheus',
  'datadog',
  'cloudwatch',
  'newrelic',
  'graphite',
  'influxdb',
] as const;

/** Flagger's types that Serin does not serve yet (they need cloud SDKs or in-cluster APIs). */
const UNSERVED_PROVIDER_TYPES = new Set(['stackdriver', 'dynatrace', 'keptn', 'splunk', 'externalmetrics']);

/** Builds the adapter for `input.spec.type`. */
export function createMetricsProvider(input: ProviderInput, context: ProviderContext): ProviderBuild {
  const type: string = input.spec.type;
  switch (type) {
    case 'prometheus':
      return createPrometheusProvider(input, context);
    case 'datadog':
      return createDatadogProvider(input, context);
    case 'cloudwatch':
      return createCloudWatchProvider(input, context);
    case 'newrelic':
      return createNewRelicProvider(input, context);
    case 'graphite':
      return createGraphiteProvider(input, context);
    case 'influxdb':
      return createInfluxDbProvider(input, context);
    default: {
      const served = SERVED_PROVIDER_TYPES.join(', ');
      if (UNSERVED_PROVIDER_TYPES.has(type)) {
        return {
          ok: false,
          message: `metrics provider type "${type}" is not supported by Serin yet (served: ${served})`,
        };
      }
      return { ok: false, message: `unknown metrics provider type "${type}" (served: ${served})` };
    }
  }
}
