/**
 * Runs a parsed query template (go-template-parse.ts) as Go's text/template runs Flagger's: with no
 * data object, `missingkey=error`, Flagger's functions (`name`, `namespace`, …, `variables`) and Go's
 * builtins (`and`, `or`, `not`, `eq`, `ne`, `lt`, `le`, `gt`, `ge`, `len`, `index`, `slice`, `print`,
 * `printf`, `println`, `urlquery`, `html`). Functions Flagger does not define (Sprig's `quote`,
 * `default`, `replace`, …) are errors that name them, as they are in Flagger.
 */
import { describe, printValue, sprint, sprintf, sprintln, type GoValue } from './go-fmt.js';
import { quote, type Operand, type Pipeline, type TemplateNode } from './go-template-parse.js';

/** Flagger's template functions and their values for one canary metric. */
export interface TemplateFunctions {
  readonly strings: Readonly<Record<string, string>>;
  readonly variables: Readonly<Record<string, string>>;
}

type Evaluated = { ok: true; value: GoValue } | { ok: false; problem: string };
type Rendered = { ok: true; text: string } | { ok: false; problem: string };

const NIL: GoValue = { t: 'nil' };
/** Go text/template builtins Serin evaluates (render.ts refuses any other function by name). */
export const GO_BUILTINS: readonly string[] = [
  'and',
  'or',
  'not',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'len',
  'index',
  'slice',
  'print',
  'printf',
  'println',
  'urlquery',
  'html',
];

/** Renders the nodes; `dot` is Go's `.` (nil at the top, as Flagger executes with no data). */
export function renderNodes(nodes: readonly TemplateNode[], fns: TemplateFunctions, dot: GoValue = NIL): Rendered {
  let out = '';
  for (const node of nodes) {
    if (node.k === 'text') {
      out += node.text;
      continue;
    }
    const value = evalPipeline(node.pipe, fns, dot);
    if (!value.ok) return { ok: false, problem: `query action ${quote(node.source)}: ${value.problem}` };
    if (node.k === 'action') {
      const printed = printValue(value.value);
      if (!printed.ok) return { ok: false, problem: `query action ${quote(node.source)}: ${printed.problem}` };
      out += printed.text;
      continue;
    }
    const branch = truth(value.value) ? node.then : node.otherwise;
    const inner = renderNodes(branch, fns, node.k === 'with' && truth(value.value) ? value.value : dot);
    if (!inner.ok) return inner;
    out += inner.text;
  }
  return { ok: true, text: out };
}

function evalPipeline(pipe: Pipeline, fns: TemplateFunctions, dot: GoValue): Evaluated {
  let last: GoValue | undefined;
  for (const command of pipe) {
    const r = evalCommand(command, fns, dot, last);
    if (!r.ok) return r;
    last = r.value;
  }
  return last ? { ok: true, value: last } : { ok: false, problem: 'empty pipeline' };
}

function evalCommand(command: readonly Operand[], fns: TemplateFunctions, dot: GoValue, piped?: GoValue): Evaluated {
  const [head, ...rest] = command;
  if (!head) return { ok: false, problem: 'empty command' };
  if (head.k === 'ident' && head.fields.length === 0) return call(head.name, rest, fns, dot, piped);
  if (rest.length > 0 || piped !== undefined) {
    return { ok: false, problem: `${describeOperand(head)} is not a function and cannot take arguments` };
  }
  return evalOperand(head, fns, dot);
}

function evalOperand(operand: Operand, fns: TemplateFunctions, dot: GoValue): Evaluated {
  switch (operand.k) {
    case 'string':
      return { ok: true, value: { t: 'string', v: operand.value } };
    case 'int':
    case 'float':
      return { ok: true, value: { t: operand.k, v: operand.value } };
    case 'bool':
      return { ok: true, value: { t: 'bool', v: operand.value } };
    case 'nil':
      return { ok: false, problem: 'nil is not a value a template can use' };
    case 'dot':
      return fields(dot, operand.fields, '.');
    case 'ident': {
      const base = call(operand.name, [], fns, dot, undefined);
      return base.ok ? fields(base.value, operand.fields, operand.name) : base;
    }
    case 'pipe': {
      const base = evalPipeline(operand.pipe, fns, dot);
      return base.ok ? fields(base.value, operand.fields, '(…)') : base;
    }
  }
}

/** `.a.b` read from a value: keys of a map (missing → error, as with missingkey=error). */
function fields(value: GoValue, names: readonly string[], from: string): Evaluated {
  let current = value;
  let path = from;
  for (const name of names) {
    if (current.t === 'nil') {
      const hint = from === '.' ? `: write {{ ${name} }} (Flagger templates have no data object)` : '';
      return { ok: false, problem: `unknown variable ".${name}"${hint}` };
    }
    if (current.t !== 'map')
      return { ok: false, problem: `${path}.${name}: ${describe(current)} has no field ${name}` };
    if (!Object.hasOwn(current.v, name)) {
      return {
        ok: false,
        problem: `variable "${name}" of "${path}.${name}" is not set in the metric's templateVariables`,
      };
    }
    current = { t: 'string', v: current.v[name] ?? '' };
    path = `${path}.${name}`;
  }
  return { ok: true, value: current };
}

function call(
  name: string,
  args: readonly Operand[],
  fns: TemplateFunctions,
  dot: GoValue,
  piped?: GoValue,
): Evaluated {
  const count = args.length + (piped ? 1 : 0);
  if (Object.hasOwn(fns.strings, name) || name === 'variables') {
    if (count > 0) return { ok: false, problem: `${name} takes no arguments, got ${count}` };
    return name === 'variables'
      ? { ok: true, value: { t: 'map', v: fns.variables } }
      : { ok: true, value: { t: 'string', v: fns.strings[name] ?? '' } };
  }
  if (name === 'and' || name === 'or') return andOr(name, args, fns, dot, piped);
  if (!GO_BUILTINS.includes(name)) return { ok: false, problem: undefinedFunction(name, Object.keys(fns.strings)) };
  const values: GoValue[] = [];
  for (const arg of args) {
    const v = evalOperand(arg, fns, dot);
    if (!v.ok) return v;
    values.push(v.value);
  }
  if (piped) values.push(piped);
  return builtin(name, values);
}

/** Go 1.18+: `and`/`or` stop at the first argument that decides, and return that argument. */
function andOr(
  name: 'and' | 'or',
  args: readonly Operand[],
  fns: TemplateFunctions,
  dot: GoValue,
  piped?: GoValue,
): Evaluated {
  const count = args.length + (piped ? 1 : 0);
  if (count === 0) return { ok: false, problem: `${name} needs at least one argument` };
  let last: GoValue = NIL;
  for (let i = 0; i < count; i++) {
    const arg = args[i];
    const v: Evaluated = arg ? evalOperand(arg, fns, dot) : { ok: true, value: piped ?? NIL };
    if (!v.ok) return v;
    last = v.value;
    if (truth(last) === (name === 'or')) return { ok: true, value: last };
  }
  return { ok: true, value: last };
}

function builtin(name: string, args: readonly GoValue[]): Evaluated {
  const text = (r: ReturnType<typeof sprint>): Evaluated =>
    r.ok ? { ok: true, value: { t: 'string', v: r.text } } : r;
  switch (name) {
    case 'not':
      return args.length === 1
        ? { ok: true, value: { t: 'bool', v: !truth(args[0] as GoValue) } }
        : arity(name, 1, args);
    case 'print':
      return text(sprint(args));
    case 'println':
      return text(sprintln(args));
    case 'printf': {
      const [format, ...rest] = args;
      if (format?.t !== 'string') return { ok: false, problem: 'printf needs a format text first' };
      return text(sprintf(format.v, rest));
    }
    case 'urlquery':
    case 'html': {
      const joined =
        args.length === 1 && args[0]?.t === 'string' ? { ok: true as const, text: args[0].v } : sprint(args);
      if (!joined.ok) return joined;
      return {
        ok: true,
        value: { t: 'string', v: name === 'html' ? htmlEscape(joined.text) : queryEscape(joined.text) },
      };
    }
    case 'len':
      return length(args);
    case 'index':
      return index(args);
    case 'slice':
      return slice(args);
    default:
      return compare(name, args);
  }
}

function compare(name: string, args: readonly GoValue[]): Evaluated {
  const [a, ...others] = args;
  if (!a || others.length === 0 || (name !== 'eq' && others.length !== 1))
    return arity(name, name === 'eq' ? 2 : 2, args);
  const bad = others.find((b) => b.t !== a.t && !(isNumber(a) && isNumber(b) && a.t === b.t));
  if (bad || a.t === 'map' || a.t === 'nil') {
    return {
      ok: false,
      problem: `${name} cannot compare ${describe(a)} with ${describe(bad ?? a)} (incompatible types)`,
    };
  }
  if (name === 'eq' || name === 'ne') {
    const equal = others.some((b) => (b as { v: unknown }).v === (a as { v: unknown }).v);
    return { ok: true, value: { t: 'bool', v: name === 'eq' ? equal : !equal } };
  }
  if (a.t === 'bool') return { ok: false, problem: `${name} cannot order booleans` };
  const x = (a as { v: string | number }).v;
  const y = (others[0] as { v: string | number }).v;
  const result = name === 'lt' ? x < y : name === 'le' ? x <= y : name === 'gt' ? x > y : x >= y;
  return { ok: true, value: { t: 'bool', v: result } };
}

function length(args: readonly GoValue[]): Evaluated {
  const [a] = args;
  if (args.length !== 1 || !a) return arity('len', 1, args);
  if (a.t === 'string') return { ok: true, value: { t: 'int', v: Buffer.byteLength(a.v, 'utf8') } };
  if (a.t === 'map') return { ok: true, value: { t: 'int', v: Object.keys(a.v).length } };
  return { ok: false, problem: `len of ${describe(a)}` };
}

function index(args: readonly GoValue[]): Evaluated {
  const [a, key] = args;
  if (args.length !== 2 || !a || !key)
    return { ok: false, problem: 'index in query templates takes a map and one key' };
  if (a.t === 'map' && key.t === 'string') {
    if (!Object.hasOwn(a.v, key.v)) {
      return {
        ok: false,
        problem: `variable "${key.v}" of index variables "${key.v}" is not set in the metric's templateVariables`,
      };
    }
    return { ok: true, value: { t: 'string', v: a.v[key.v] ?? '' } };
  }
  if (a.t === 'string' && key.t === 'int') {
    const bytes = Buffer.from(a.v, 'utf8');
    const byte = bytes[key.v];
    return byte === undefined
      ? { ok: false, problem: `index ${key.v} out of range for ${describe(a)}` }
      : { ok: true, value: { t: 'int', v: byte } };
  }
  return { ok: false, problem: `cannot index ${describe(a)} with ${describe(key)}` };
}

function slice(args: readonly GoValue[]): Evaluated {
  const [a, ...bounds] = args;
  if (a?.t !== 'string' || bounds.length > 2 || bounds.some((b) => b.t !== 'int')) {
    return { ok: false, problem: 'slice in query templates takes a text and one or two integer bounds' };
  }
  const bytes = Buffer.from(a.v, 'utf8');
  const [from = 0, to = bytes.length] = bounds.map((b) => (b as { v: number }).v);
  if (from < 0 || to > bytes.length || from > to)
    return { ok: false, problem: `slice bounds [${from}:${to}] out of range for ${describe(a)}` };
  return { ok: true, value: { t: 'string', v: bytes.subarray(from, to).toString('utf8') } };
}

/** Go's truth: false, 0, "", an empty map and nil are false. */
function truth(value: GoValue): boolean {
  switch (value.t) {
    case 'bool':
      return value.v;
    case 'int':
    case 'float':
      return value.v !== 0;
    case 'string':
      return value.v !== '';
    case 'map':
      return Object.keys(value.v).length > 0;
    case 'nil':
      return false;
  }
}

function isNumber(v: GoValue): boolean {
  return v.t === 'int' || v.t === 'float';
}

function arity(name: string, want: number, args: readonly GoValue[]): Evaluated {
  return { ok: false, problem: `wrong number of arguments for ${name}: want ${want}, got ${args.length}` };
}

function undefinedFunction(name: string, own: readonly string[]): string {
  if (name === 'js' || name === 'call') return `the function "${name}" is not supported in query templates`;
  const hint = SPRIG.has(name)
    ? "functions of other template libraries, such as Sprig's quote, default or replace, do not exist in Flagger"
    : `Flagger's query templates have ${[...own, 'variables'].join(', ')} and Go's builtins such as printf`;
  return `unknown function or variable "${name}" (${hint})`;
}

/** Sprig functions Helm users reach for; Flagger renders queries with Go's text/template alone. */
const SPRIG: ReadonlySet<string> = new Set([
  'quote',
  'squote',
  'default',
  'replace',
  'upper',
  'lower',
  'trim',
  'trunc',
  'join',
  'split',
  'contains',
  'hasPrefix',
  'hasSuffix',
  'toJson',
  'toYaml',
  'b64enc',
  'b64dec',
  'regexReplaceAll',
  'title',
  'indent',
  'nindent',
  'required',
  'tpl',
  'include',
  'dict',
  'list',
  'empty',
  'coalesce',
  'ternary',
  'now',
  'date',
  'env',
]);

function describeOperand(operand: Operand): string {
  switch (operand.k) {
    case 'string':
      return JSON.stringify(operand.value);
    case 'int':
    case 'float':
      return operand.text;
    case 'dot':
      return ['.', ...operand.fields].join('');
    default:
      return operand.k;
  }
}

/** Go's url.QueryEscape: spaces as +, everything but letters, digits and -_.~ as %XX. */
function queryEscape(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      if (/[A-Za-z0-9\-_.~]/.test(c)) return c;
      return c === ' ' ? '+' : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** Go's template.HTMLEscapeString. */
function htmlEscape(text: string): string {
  const map: Record<string, string> = {
    '"': '&#34;',
    "'": '&#39;',
    '&': '&amp;',
    '<': '&lt;',
    '>': '&gt;',
    '\0': '\uFFFD',
  };
  return text.replace(/["'&<>\0]/g, (c) => map[c] ?? c);
}
