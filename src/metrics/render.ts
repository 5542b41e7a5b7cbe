/**
 * Query templates (§7.3): Flagger renders every query — builtin, inline and MetricTemplate — with
 * Go's text/template, no data object and `missingkey=error`, so its functions are `name`,
 * `namespace`, `target`, `service`, `ingress`, `route`, `interval` and `variables` (a map:
 * `{{ variables.key }}`, `{{ index variables "key" }}`), plus Go's builtins (`printf`, pipelines,
 * `and`, `or`, `not`, comparisons, `len`, …) and `if`/`with`. Serin runs the same language
 * (go-template-parse.ts, go-template-eval.ts, go-fmt.ts); what it does not run is refused with the
 * construct named, so a query is never rendered differently from Flagger.
 */
import type { Canary, CanaryMetric } from '../api/index.js';
import { GO_BUILTINS, renderNodes } from './go-template-eval.js';
import { parseTemplate, type Operand, type Pipeline, type TemplateNode } from './go-template-parse.js';

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
const KNOWN: ReadonlySet<string> = new Set([...FUNCTIONS, 'variables', ...GO_BUILTINS]);

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
  const parsed = parse(template);
  if (!parsed.ok) return parsed;
  const strings = Object.fromEntries(FUNCTIONS.map((f) => [f, model[f]]));
  const rendered = renderNodes(parsed.nodes, { strings, variables: model.variables });
  return rendered.ok ? { ok: true, query: rendered.text } : rendered;
}

/**
 * What is wrong with a template before any canary renders it (for `serin check` and validation):
 * syntax, constructs Serin does not run, and functions Flagger does not define. Undefined when none.
 */
export function templateProblem(template: string): string | undefined {
  const parsed = parse(template);
  if (!parsed.ok) return parsed.problem;
  const unknown = unknownFunction(parsed.nodes);
  return unknown === undefined
    ? undefined
    : `unknown function or variable "${unknown}" in query (Flagger's query templates have ${[...FUNCTIONS, 'variables'].join(', ')} and Go's builtins such as printf)`;
}

function parse(template: string): { ok: true; nodes: TemplateNode[] } | { ok: false; problem: string } {
  // `variables.my-key` is no field name in Go; the key is reached with index.
  const dashed = /\{\{-?\s*variables\.([^\s.}]*[^\s.}A-Za-z0-9_][^\s.}]*)\s*-?\}\}/.exec(template);
  if (dashed) {
    return {
      ok: false,
      problem: `bad variable name "variables.${dashed[1]}" in query: write {{ index variables "${dashed[1]}" }}`,
    };
  }
  const parsed = parseTemplate(template);
  return parsed.ok
    ? parsed
    : { ok: false, problem: parsed.problem.endsWith(' in query') ? parsed.problem : `${parsed.problem} in query` };
}

/** The first function name the template calls that neither Flagger nor Go defines. */
function unknownFunction(nodes: readonly TemplateNode[]): string | undefined {
  const pipes: Pipeline[] = [];
  const stack: TemplateNode[] = [...nodes];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.k === 'text') continue;
    pipes.push(node.pipe);
    if (node.k !== 'action') stack.push(...node.then, ...node.otherwise);
  }
  const operands: Operand[] = pipes.flat(2);
  for (let op = operands.pop(); op !== undefined; op = operands.pop()) {
    if (op.k === 'ident' && !KNOWN.has(op.name)) return op.name;
    if (op.k === 'pipe') operands.push(...op.pipe.flat());
  }
  return undefined;
}
