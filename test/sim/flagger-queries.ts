/**
 * Flagger's builtin metric queries (flagger-spec.md §7.1, whitespace collapsed as Flagger sends
 * them), rendered for a canary. Tests check the simulator's series against these exact texts.
 */

/** The template variables Flagger fills in: namespace, `targetRef.name`, the metric's interval. */
export interface QueryModel {
  readonly namespace: string;
  readonly target: string;
  readonly interval: string;
}

/** The two builtin checks of one observer. */
export interface BuiltinQueries {
  readonly 'request-success-rate': string;
  readonly 'request-duration': string;
}

const APPMESH: BuiltinQueries = {
  'request-success-rate':
    'sum( rate( envoy_cluster_upstream_rq{ kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", envoy_response_code!~"5.*" }[{{ interval }}] ) ) / sum( rate( envoy_cluster_upstream_rq{ kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[{{ interval }}] ) ) * 100',
  'request-duration':
    'histogram_quantile( 0.99, sum( rate( envoy_cluster_upstream_rq_time_bucket{ kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[{{ interval }}] ) ) by (le) )',
};

const HTTP: BuiltinQueries = {
  'request-success-rate':
    'sum( rate( http_request_duration_seconds_count{ kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)", status!~"5.*" }[{{ interval }}] ) ) / sum( rate( http_request_duration_seconds_count{ kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[{{ interval }}] ) ) * 100',
  'request-duration':
    'histogram_quantile( 0.99, sum( rate( http_request_duration_seconds_bucket{ kubernetes_namespace="{{ namespace }}", kubernetes_pod_name=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)" }[{{ interval }}] ) ) by (le) )',
};

function render(queries: BuiltinQueries, model: QueryModel): BuiltinQueries {
  const fill = (q: string): string =>
    q.replace(/\{\{ (namespace|target|interval) \}\}/g, (_, key: keyof QueryModel) => model[key]);
  return {
    'request-success-rate': fill(queries['request-success-rate']),
    'request-duration': fill(queries['request-duration']),
  };
}

/** The App Mesh observer's queries (§7.1.1), for providers starting with `appmesh`. */
export function appMeshQueries(model: QueryModel): BuiltinQueries {
  return render(APPMESH, model);
}

/** The "HTTP" observer's queries (§7.1.2), for providers `kubernetes` and `gatewayapi:*`. */
export function httpQueries(model: QueryModel): BuiltinQueries {
  return render(HTTP, model);
}
