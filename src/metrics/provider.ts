/**
 * The `MetricsProvider` port and the factory that builds one from a MetricTemplate's
 * `spec.provider` (Flagger §7.4). Unlike Flagger, an unknown or unserved type is an error that
 * names it: Flagger silently runs the query against Prometheus instead, which turns a typo into
 * confusing PromQL errors (or worse, a passing check against the wrong backend).
 */
import type { MetricTemplateSpec } from '../api/index.js';
import type { MetricValue } from '../engine/index.js';
import { createCloudWatchProvider } from './cloudwatch.js';
import { createDatadogProvider } from './datadog.js';
import { createGraphiteProvider } from './graphite.js';
import type { HttpContext } from './http.js';
import { createInfluxDbProvider } from './influxdb.js';
import { createNewRelicProvider } from './newrelic.js';
import { createPrometheusProvider } from './prometheus.js';

/** Runs queries against one metrics backend. Outcomes are values; it never throws for backend trouble. */
export interface MetricsProvider {
  /** Runs a rendered query and returns its single number, no-data, or why it failed. */
  query(query: string, signal?: AbortSignal): Promise<MetricValue>;
  /** Whether the backend answers with these settings (Flagger's `IsOnline`): value 1, or an error. */
  isOnline(signal?: AbortSignal): Promise<MetricValue>;
}

/** `MetricTemplate.spec.provider`. */
export type ProviderSpec = MetricTemplateSpec['provider'];

/** The decoded `data` of the template's Secret (key → UTF-8 string). */
export type Credentials = Readonly<Record<string, string>>;

/** What adapters need besides their settings: the network and the clock. */
export interface ProviderContext extends HttpContext {
  /** Wall clock in ms since the epoch (query windows of Datadog and CloudWatch). */
  readonly now: () => number;
}

/** What a provider is built from. */
export interface ProviderInput {
  readonly spec: ProviderSpec;
  /** Secret data; undefined when the template has no `secretRef` (some providers then run without auth). */
  readonly credentials?: Credentials | undefined;
  /** The metric's interval (Go duration, e.g. `1m`): the query window of Datadog, CloudWatch and New Relic. */
  readonly interval: string;
}

/** A built provider, or why it cannot be built (bad address, missing secret key, unknown type). */
export type ProviderBuild =
  { readonly ok: true; readonly provider: MetricsProvider } | { readonly ok: false; readonly message: string };

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

/** A secret key, or the sentence saying the Secret lacks it. */
export function requiredKey(
  type: string,
  credentials: Credentials | undefined,
  key: string,
): string | { error: string } {
  const value = credentials?.[key];
  if (value === undefined) {
    const where = credentials === undefined ? 'no secretRef is set' : `the secret has no key "${key}"`;
    return { error: `${type} credentials does not contain ${key} (${where})` };
  }
  return value;
}
