/**
 * The `MetricsProvider` port: what every metrics backend adapter implements and is built from.
 * The factory that picks an adapter by MetricTemplate type is provider-factory.ts, so the adapters
 * import this file and nothing imports back into them but the factory.
 */
import type { MetricTemplateSpec } from '../api/index.js';
import type { MetricValue } from '../engine/index.js';
import type { HttpContext } from './http.js';

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
