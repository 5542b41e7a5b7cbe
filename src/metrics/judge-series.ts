/**
 * Which Prometheus series the statistical judge reads, per arm (canary or primary): PromQL series
 * selectors — never `rate()` or `increase()` — whose raw samples judge-source.ts differences into
 * exact counts. Two forms:
 *
 * - **builtin**, from the series family of the canary's provider (the same names and label
 *   conventions as the builtin checks of builtin.ts): App Mesh reads Envoy's
 *   `envoy_cluster_upstream_rq` (errors: `envoy_response_code=~"5.*"`) and the
 *   `envoy_cluster_upstream_rq_time` histogram; kubernetes and Gateway API read the app's
 *   `http_request_duration_seconds` histogram (requests: its `_count`, errors: `status=~"5.*"`).
 *   Arms are told apart by `kubernetes_pod_name`: `<target>-primary-<hash>-<id>` for the primary,
 *   `<target>-<hash>-<id>` for the canary (PromQL regexes are anchored);
 * - **templates**: a MetricTemplate's query, rendered once per arm with `{{ variables.arm }}`
 *   (`canary` or `primary`) and `{{ variables.pods }}` (the arm's pod-name regex), which must be a
 *   series selector (a metric name and/or `{…}` matchers, nothing after).
 */
import type { Result } from '../lib/result.js';
import type { BuiltinSeries } from '../routers/registry.js';
import type { PrometheusProvider } from './prometheus.js';
import { collapseWhitespace } from './prometheus.js';
import { renderQuery, type QueryModel } from './render.js';

/** The two sides the judge compares. */
export type Arm = 'canary' | 'primary';
export const ARMS: readonly Arm[] = ['canary', 'primary'];

/** One family of series (requests, errors or latency): where to ask and what to select per arm. */
export interface SeriesFamily {
  readonly prometheus: PrometheusProvider;
  /** A PromQL series selector per arm. */
  readonly selectors: Readonly<Record<Arm, string>>;
}

/** Everything the judge reads for one canary. */
export interface JudgeSeries {
  /** The label of the returned series that names the pod. */
  readonly podLabel: string;
  /** Counters of all requests. */
  readonly requests?: SeriesFamily;
  /** Counters of the failed requests (a subset of the requests). */
  readonly errors?: SeriesFamily;
  /** A histogram's `_bucket` series (with `le`), and optionally its `_count` (told apart by `le`). */
  readonly latency?: SeriesFamily;
}

/** The label the builtin series name pods by. */
export const BUILTIN_POD_LABEL = 'kubernetes_pod_name';

/**
 * The pod-name regex of an arm, as the builtin checks write it (Flagger's
 * `<target>-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)` for the canary; `<target>-primary-…` for the primary). The
 * target is not escaped, as in Flagger: Kubernetes names hold no quote or backslash, so the regex can
 * sit in a PromQL string as it is; a dot in a name matches any character there.
 */
export function podRegex(target: string, arm: Arm): string {
  return arm === 'primary' ? `${target}-primary-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)` : `${target}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)`;
}

/** A PromQL double-quoted string literal. */
const promString = (text: string): string => JSON.stringify(text);

const FAMILIES: Readonly<
  Record<BuiltinSeries, { requests: string; errors: string; latency: string; errorLabel: string }>
> = {
  appmesh: {
    requests: 'envoy_cluster_upstream_rq',
    errors: 'envoy_cluster_upstream_rq',
    errorLabel: 'envoy_response_code',
    latency: 'envoy_cluster_upstream_rq_time',
  },
  http: {
    requests: 'http_request_duration_seconds_count',
    errors: 'http_request_duration_seconds_count',
    errorLabel: 'status',
    latency: 'http_request_duration_seconds',
  },
};

/** The builtin series of a provider family for one canary's target and namespace. */
export function builtinJudgeSeries(
  prometheus: PrometheusProvider,
  family: BuiltinSeries,
  target: string,
  namespace: string,
): JudgeSeries {
  const names = FAMILIES[family];
  const where = (arm: Arm) =>
    `kubernetes_namespace=${promString(namespace)},${BUILTIN_POD_LABEL}=~${promString(podRegex(target, arm))}`;
  const perArm = (make: (arm: Arm) => string): SeriesFamily => ({
    prometheus,
    selectors: { canary: make('canary'), primary: make('primary') },
  });
  return {
    podLabel: BUILTIN_POD_LABEL,
    requests: perArm((arm) => `${names.requests}{${where(arm)}}`),
    errors: perArm((arm) => `${names.errors}{${where(arm)},${names.errorLabel}=~"5.*"}`),
    latency: perArm((arm) => `{__name__=~${promString(`${names.latency}_(bucket|count)`)},${where(arm)}}`),
  };
}

/**
 * A MetricTemplate's query rendered for both arms: `model` is the canary's (`{{ target }}`,
 * `{{ namespace }}`, …), to which `variables.arm` and `variables.pods` are added. The result must be
 * a series selector; otherwise the problem says what to write instead.
 */
export function templateFamily(
  prometheus: PrometheusProvider,
  query: string,
  model: QueryModel,
  owner: string,
): Result<SeriesFamily> {
  const selectors: Partial<Record<Arm, string>> = {};
  for (const arm of ARMS) {
    const variables = { ...model.variables, arm, pods: podRegex(model.target, arm) };
    const rendered = renderQuery(query, { ...model, variables });
    if (!rendered.ok) {
      return { ok: false, problem: { message: `${owner}: ${rendered.problem}`, fix: 'fix the template’s query' } };
    }
    const selector = collapseWhitespace(rendered.query);
    const problem = selectorProblem(selector);
    if (problem !== undefined) {
      return {
        ok: false,
        problem: {
          message: `${owner}: the judge reads raw counters, and the query for the ${arm} (${selector.slice(0, 200)}) ${problem}`,
          fix: 'write a series selector such as http_requests_total{namespace="{{ namespace }}", pod=~"{{ variables.pods }}"}, without rate(), sum() or a [range]',
        },
      };
    }
    selectors[arm] = selector;
  }
  return {
    ok: true,
    value: { prometheus, selectors: { canary: selectors.canary ?? '', primary: selectors.primary ?? '' } },
  };
}

/**
 * Why `text` is not a PromQL series selector (`name`, `name{…}` or `{…}`), or undefined when it is.
 * Quoted label values may hold any character, braces and brackets included.
 */
export function selectorProblem(text: string): string | undefined {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text)?.[0] ?? '';
  let rest = text.slice(name.length).trimStart();
  if (rest.startsWith('{')) {
    const end = matchersEnd(rest);
    if (end < 0) return 'has an unclosed {';
    rest = rest.slice(end + 1).trim();
  } else if (name === '') {
    return 'is not a series selector';
  }
  if (rest === '') return undefined;
  if (rest.startsWith('(')) return `calls a function (${name})`;
  return `is not a plain series selector: "${rest.slice(0, 40)}" follows it`;
}

/** Index of the `}` that closes the matchers opened at index 0, skipping quoted strings; −1 if none. */
function matchersEnd(text: string): number {
  let quote: string | undefined;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') {
      quote = c;
    } else if (c === '}') {
      return i;
    }
  }
  return -1;
}
