/**
 * The builtin `request-success-rate` and `request-duration` checks (Flagger §7.1): Prometheus
 * queries written in Flagger's layout (whitespace is collapsed before they are sent), for App Mesh
 * (Envoy series) and for `kubernetes` / `gatewayapi:*` (the app's own `http_request_duration_seconds`).
 * Which series a provider's canaries use is the provider registry's answer (`builtinSeries`).
 * Success rate is a percentage; duration is the P99 in milliseconds (the HTTP series are seconds).
 */
import { BuiltinSeries } from '../routers/registry.js';

/** The builtin metric names. */
export const BuiltinMetric = { SuccessRate: 'request-success-rate', Duration: 'request-duration' } as const;
/** Union of {@link BuiltinMetric} values. */
export type BuiltinMetric = (typeof BuiltinMetric)[keyof typeof BuiltinMetric];

/** Whether `name` selects a builtin check. */
export function isBuiltinMetric(name: string): name is BuiltinMetric {
  return name === BuiltinMetric.SuccessRate || name === BuiltinMetric.Duration;
}

// Canary pods only: PromQL regexes are anchored, so `<target>-<rs-hash>-<pod-id>` matches and
// `<target>-primary-<rs-hash>-<pod-id>` does not.
const POD = 'kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"';
const NS = 'kubernetes_namespace="{{ namespace }}"';

const APPMESH_SUCCESS_RATE = `
sum(
  rate(
    envoy_cluster_upstream_rq{
      ${NS},
      ${POD},
      envoy_response_code!~"5.*"
    }[{{ interval }}]
  )
)
/
sum(
  rate(
    envoy_cluster_upstream_rq{
      ${NS},
      ${POD}
    }[{{ interval }}]
  )
)
* 100`;

const APPMESH_DURATION = `
histogram_quantile(
  0.99,
  sum(
    rate(
      envoy_cluster_upstream_rq_time_bucket{
        ${NS},
        ${POD}
      }[{{ interval }}]
    )
  ) by (le)
)`;

const HTTP_SUCCESS_RATE = `
sum(
  rate(
    http_request_duration_seconds_count{
      ${NS},
      ${POD},
      status!~"5.*"
    }[{{ interval }}]
  )
)
/
sum(
  rate(
    http_request_duration_seconds_count{
      ${NS},
      ${POD}
    }[{{ interval }}]
  )
)
* 100`;

const HTTP_DURATION = `
histogram_quantile(
  0.99,
  sum(
    rate(
      http_request_duration_seconds_bucket{
        ${NS},
        ${POD}
      }[{{ interval }}]
    )
  ) by (le)
)`;

const QUERIES: Readonly<Record<BuiltinSeries, Readonly<Record<BuiltinMetric, string>>>> = {
  appmesh: { 'request-success-rate': APPMESH_SUCCESS_RATE, 'request-duration': APPMESH_DURATION },
  http: { 'request-success-rate': HTTP_SUCCESS_RATE, 'request-duration': HTTP_DURATION },
};

/** The query template (Go-template text) of a builtin check. */
export function builtinQueryTemplate(series: BuiltinSeries, metric: BuiltinMetric): string {
  return QUERIES[series][metric];
}

/**
 * Converts a builtin query result to the unit the judge expects: success rate as is (percent),
 * duration in milliseconds (Envoy's histogram is already ms; the HTTP histogram is seconds).
 */
export function toJudgeUnit(series: BuiltinSeries, metric: BuiltinMetric, value: number): number {
  return metric === BuiltinMetric.Duration && series === BuiltinSeries.Http ? value * 1000 : value;
}
