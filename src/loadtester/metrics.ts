/**
 * The load tester's Prometheus metrics, in a registry of its own (no global registry: two load
 * testers in one process, as in the tests, keep separate counts). `target` is `host:port` of the
 * URL a load task sends to; the allow-list bounds how many there can be.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Why a generated request counts as an error. */
export const LoadErrorKind = {
  /** No response: refused, reset, not resolved. */
  Network: 'network',
  /** No complete response within the request timeout (`hey -t`, `curl -m`). */
  Timeout: 'timeout',
  /** A 5xx response: what a canary's success rate counts as a failure. */
  Status: 'status',
} as const;
/** Union of {@link LoadErrorKind} values. */
export type LoadErrorKind = (typeof LoadErrorKind)[keyof typeof LoadErrorKind];

/** Latency buckets in seconds: 1 ms to 20 s, hey's default request timeout. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

/** The families the load tester updates. */
export interface LoadTesterMetrics {
  readonly registry: Registry;
  /** Requests sent (answered or failed), by target. */
  readonly requests: Counter<'target'>;
  /** Requests that failed, by target and {@link LoadErrorKind}. */
  readonly errors: Counter<'target' | 'kind'>;
  /** Time from sending a request to the end of its response, by target. */
  readonly latency: Histogram<'target'>;
  /** Tasks by kind (`hey`, `curl`, `command`) and outcome (`succeeded`, `failed`, `timeout`, `skipped`). */
  readonly tasks: Counter<'kind' | 'outcome'>;
  /** Tasks running now, by kind. */
  readonly running: Gauge<'kind'>;
  /** Requests the load tester answered, by route and status code. */
  readonly answers: Counter<'route' | 'code'>;
}

/** A fresh registry with the load tester's families and the process metrics, all prefixed `serin_loadtester_`. */
export function createLoadTesterMetrics(): LoadTesterMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'serin_loadtester_' });
  const registers = [registry];
  return {
    registry,
    requests: new Counter({
      name: 'serin_loadtester_requests_total',
      help: 'Requests the load generator sent (answered or failed)',
      labelNames: ['target'],
      registers,
    }),
    errors: new Counter({
      name: 'serin_loadtester_request_errors_total',
      help: 'Generated requests that failed: network, timeout or a 5xx status',
      labelNames: ['target', 'kind'],
      registers,
    }),
    latency: new Histogram({
      name: 'serin_loadtester_request_duration_seconds',
      help: 'Latency of generated requests, from sending to the end of the response body',
      labelNames: ['target'],
      buckets: LATENCY_BUCKETS,
      registers,
    }),
    tasks: new Counter({
      name: 'serin_loadtester_tasks_total',
      help: 'Tasks by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
    }),
    running: new Gauge({
      name: 'serin_loadtester_tasks_running',
      help: 'Tasks running now',
      labelNames: ['kind'],
      registers,
    }),
    answers: new Counter({
      name: 'serin_loadtester_http_requests_total',
      help: 'Requests the load tester answered, by route and status code',
      labelNames: ['route', 'code'],
      registers,
    }),
  };
}
