/**
 * The query template engine: the subset of Go's text/template that Flagger's queries use (§7.3).
 * Flagger executes templates with no data object and `missingkey=error`, so only its zero-argument
 * functions exist: `{{ name }}`, `{{ namespace }}`, `{{ target }}`, `{{ service }}`, `{{ ingress }}`,
 * `{{ route }}`, `{{ interval }}` and `{{ variables.key }}` (also `{{ index variables "key" }}` for keys
 * that are not identifiers). Spacing is free (`{{name}}`, `{{  name  }}`), `{{-` / `-}}` trim the
 * whitespace beside the action, and `{{/* comments *\/}}` print nothing. Anything else fails with a
 * sentence naming the action, so a typo never reaches the metrics backend.
 */
import type { Canary, CanaryMetric } from '../api/index.js';

/** Interval used when a metric sets none (Flagger: `1m` for builtin and inline queries, `""` for templates). */
export const DEFAULT_METRIC_INTERVAL = '1m';

/** The values a query template can use. */
export interface QueryModel {
  readonly name: string;
  readonly namespace: string;
  readonly target: string;
  readonly service: string;
  readonly ingress: string;
  readonly route: string;
  readonly interval: string;
  readonly variables: Readonly<Record<string, string>>;
}

/** A rendered query, or what is wrong with the template (completes `<owner>: …`). */
export type RenderResult =
  { readonly ok: true; readonly query: string } | { readonly ok: false; readonly problem: string };

const FUNCTIONS = ['name', 'namespace', 'target', 'service', 'ingress', 'route', 'interval'] as const;
type FunctionName = (typeof FUNCTIONS)[number];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SPACE = /[ \t\r\n]/;

/** The model of one metric of a canary; an unset interval becomes {@link DEFAULT_METRIC_INTERVAL}. */
export function queryModel(canary: Canary, metric: CanaryMetric): QueryModel {
  const target = canary.spec.targetRef.name;
  return {
    name: canary.metadata?.name ?? '',
    namespace: canary.metadata?.namespace ?? '',
    target,
    service: canary.spec.service?.name || target,
    ingress: canary.spec.ingressRef?.name || target,
    route: canary.spec.routeRef?.name || target,
    interval: metric.interval || DEFAULT_METRIC_INTERVAL,
    variables: metric.templateVariables ?? {},
  };
}

/** Renders `template` with `model`. */
export function renderQuery(template: string, model: QueryModel): RenderResult {
  let out = '';
  let pos = 0;
  for (;;) {
    const open = template.indexOf('{{', pos);
    if (open < 0) return { ok: true, query: out + template.slice(pos) };
    let text = template.slice(pos, open);
    let start = open + 2;
    if (template[start] === '-' && SPACE.test(template[start + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    out += text;
    const close = template.indexOf('}}', start);
    if (close < 0) return { ok: false, problem: `unclosed action ${quote(template.slice(open, open + 40))} in query` };
    let inner = template.slice(start, close);
    pos = close + 2;
    if (inner.endsWith('-') && SPACE.test(inner[inner.length - 2] ?? '')) {
      inner = inner.slice(0, -1);
      while (pos < template.length && SPACE.test(template[pos] ?? '')) pos++;
    }
    const value = evaluate(inner.trim(), model);
    if (!value.ok) return value;
    out += value.query;
  }
}

function evaluate(action: string, model: QueryModel): RenderResult {
  if (action.startsWith('/*')) {
    return action.endsWith('*/') ? { ok: true, query: '' } : { ok: false, problem: `unclosed comment in query` };
  }
  if ((FUNCTIONS as readonly string[]).includes(action)) return { ok: true, query: model[action as FunctionName] };
  const field = /^variables\.([^\s.]+)$/.exec(action);
  const indexed = /^index\s+variables\s+"([^"\\]*)"$/.exec(action);
  const key = field?.[1] ?? indexed?.[1];
  if (key !== undefined) {
    if (field && !IDENTIFIER.test(key)) {
      return {
        ok: false,
        problem: `bad variable name ${quote(action)} in query: write {{ index variables "${key}" }}`,
      };
    }
    const value = Object.hasOwn(model.variables, key) ? model.variables[key] : undefined;
    if (value === undefined) {
      return {
        ok: false,
        problem: `variable "${key}" of ${quote(action)} is not set in the metric's templateVariables`,
      };
    }
    return { ok: true, query: value };
  }
  if (action === 'variables')
    return { ok: false, problem: 'variables needs a key in query: write {{ variables.<key> }}' };
  if (action.startsWith('.')) {
    const name = action.slice(1);
    const hint = IDENTIFIER.test(name) ? `: write {{ ${name} }} (Flagger templates have no data object)` : '';
    return { ok: false, problem: `unknown variable ${quote(action)} in query${hint}` };
  }
  if (IDENTIFIER.test(action)) return { ok: false, problem: `unknown variable "${action}" in query` };
  return {
    ok: false,
    problem: `unsupported template action ${quote(action)} in query (available: ${FUNCTIONS.join(', ')}, variables.<key>)`,
  };
}

function quote(text: string): string {
  return JSON.stringify(text);
}
