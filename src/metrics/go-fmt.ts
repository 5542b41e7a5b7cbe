/**
 * The part of Go's fmt that query templates reach through `print`, `printf` and `println`, over the
 * values a template can hold (text, integers, floats, booleans). A verb applied to a value Go would
 * print as `%!d(string=x)` is refused instead, so a malformed query never reaches the backend.
 */

/** A value in a running template. `map` is `variables`; `nil` is Go's nil (Flagger's data). */
export type GoValue =
  | { readonly t: 'string'; readonly v: string }
  | { readonly t: 'int' | 'float'; readonly v: number }
  | { readonly t: 'bool'; readonly v: boolean }
  | { readonly t: 'map'; readonly v: Readonly<Record<string, string>> }
  | { readonly t: 'nil' };

export type Formatted = { readonly ok: true; readonly text: string } | { readonly ok: false; readonly problem: string };

/** How Go prints a value with `%v` (and how an action prints its result). */
export function printValue(value: GoValue): Formatted {
  switch (value.t) {
    case 'string':
      return { ok: true, text: value.v };
    case 'int':
      return { ok: true, text: String(value.v) };
    case 'float':
      return { ok: true, text: goFloat(value.v) };
    case 'bool':
      return { ok: true, text: String(value.v) };
    case 'map':
      return { ok: false, problem: 'variables is a map: write {{ variables.<key> }}' };
    case 'nil':
      return { ok: false, problem: 'the value is nil (Flagger templates have no data object)' };
  }
}

/** fmt.Sprint: operands printed with %v, a space between two operands when neither is text. */
export function sprint(args: readonly GoValue[]): Formatted {
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as GoValue;
    const printed = printValue(arg);
    if (!printed.ok) return printed;
    if (i > 0 && arg.t !== 'string' && args[i - 1]?.t !== 'string') out += ' ';
    out += printed.text;
  }
  return { ok: true, text: out };
}

/** fmt.Sprintln: operands with spaces between them and a newline at the end. */
export function sprintln(args: readonly GoValue[]): Formatted {
  const parts: string[] = [];
  for (const arg of args) {
    const printed = printValue(arg);
    if (!printed.ok) return printed;
    parts.push(printed.text);
  }
  return { ok: true, text: `${parts.join(' ')}\n` };
}

const VERB = /%([-+# 0]*)([0-9]+)?(?:\.([0-9]*))?([a-zA-Z%])/g;

/** fmt.Sprintf with the verbs %s %v %q %d %x %X %o %b %f %e %g %t and %%, flags, width and precision. */
export function sprintf(format: string, args: readonly GoValue[]): Formatted {
  let used = 0;
  let problem: string | undefined;
  const text = format.replace(
    VERB,
    (spec: string, flags: string, width?: string, precision?: string, verb?: string) => {
      if (problem !== undefined) return '';
      if (verb === '%') return '%';
      const arg = args[used++];
      if (arg === undefined) {
        problem = `printf ${JSON.stringify(format)} has more verbs than arguments`;
        return '';
      }
      const one = verbText(verb ?? '', arg, precision === undefined ? undefined : Number(precision || '0'), flags);
      if (!one.ok) {
        problem = `printf ${spec}: ${one.problem}`;
        return '';
      }
      return pad(one.text, Number(width ?? 0), flags);
    },
  );
  if (problem !== undefined) return { ok: false, problem };
  if (/%(?![-+# 0]*[0-9]*(\.[0-9]*)?[a-zA-Z%])/.test(format.replace(VERB, ''))) {
    return {
      ok: false,
      problem: `printf ${JSON.stringify(format)} has a % that is no verb (write %% for a percent sign)`,
    };
  }
  if (used < args.length)
    return { ok: false, problem: `printf ${JSON.stringify(format)} has more arguments than verbs` };
  return { ok: true, text };
}

function verbText(verb: string, arg: GoValue, precision: number | undefined, flags: string): Formatted {
  const wrong = (kind: string): Formatted => ({ ok: false, problem: `%${verb} needs ${kind}, got ${describe(arg)}` });
  switch (verb) {
    case 'v':
      return printValue(arg);
    case 's':
      return arg.t === 'string'
        ? { ok: true, text: precision === undefined ? arg.v : arg.v.slice(0, precision) }
        : wrong('text');
    case 'q':
      return arg.t === 'string' ? { ok: true, text: goQuote(arg.v) } : wrong('text');
    case 't':
      return arg.t === 'bool' ? { ok: true, text: String(arg.v) } : wrong('a boolean');
    case 'd':
    case 'x':
    case 'X':
    case 'o':
    case 'b':
      if (arg.t !== 'int') return wrong('an integer');
      return { ok: true, text: integer(arg.v, verb, flags) };
    case 'f':
    case 'F':
    case 'e':
    case 'g':
      if (arg.t !== 'float' && arg.t !== 'int') return wrong('a number');
      return { ok: true, text: float(arg.v, verb, precision, flags) };
    default:
      return { ok: false, problem: `the verb %${verb} is not supported in query templates` };
  }
}

function integer(n: number, verb: string, flags: string): string {
  const radix = { d: 10, x: 16, X: 16, o: 8, b: 2 }[verb] ?? 10;
  let digits = Math.abs(n).toString(radix);
  if (verb === 'X') digits = digits.toUpperCase();
  const sign = n < 0 ? '-' : flags.includes('+') ? '+' : '';
  return sign + digits;
}

function float(n: number, verb: string, precision: number | undefined, flags: string): string {
  const sign = n < 0 || Object.is(n, -0) ? '-' : flags.includes('+') ? '+' : '';
  const abs = Math.abs(n);
  let text: string;
  if (verb === 'e') text = goExponent(abs.toExponential(precision ?? 6));
  else if (verb === 'g') text = precision === undefined ? goFloat(abs) : goG(abs, precision);
  else text = abs.toFixed(precision ?? 6);
  return sign + text;
}

/** `%g` with a precision: %e when the exponent is < -4 or >= the precision, trailing zeros removed. */
function goG(n: number, precision: number): string {
  const rounded = Number(n.toPrecision(Math.max(precision, 1)));
  const exp = exponentOf(rounded);
  return exp < -4 || exp >= Math.max(precision, 1) ? goExponent(rounded.toExponential()) : String(rounded);
}

/** Go's %v of a float64: the shortest digits that read back the same; %e form below 1e-4 and from 1e6 on. */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf';
  const exp = exponentOf(n);
  if (exp < -4 || exp >= 6) return goExponent(n.toExponential());
  return String(n);
}

function exponentOf(n: number): number {
  return n === 0 ? 0 : Number(n.toExponential().split('e')[1]);
}

/** JavaScript's `1.5e+7` written as Go writes it: `1.5e+07`. */
function goExponent(text: string): string {
  return text.replace(/e([-+])(\d)$/, 'e$10$2');
}

function pad(text: string, width: number, flags: string): string {
  if (text.length >= width) return text;
  if (flags.includes('-')) return text.padEnd(width);
  if (flags.includes('0') && /^[-+]?[0-9]/.test(text)) {
    const sign = /^[-+]/.test(text) ? (text[0] ?? '') : '';
    return sign + text.slice(sign.length).padStart(width - sign.length, '0');
  }
  return text.padStart(width);
}

/** Go's strconv.Quote: double quotes, Go escapes, non-printable runes as \x, \u or \U. */
export function goQuote(text: string): string {
  const named: Record<string, string> = {
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '\\': '\\\\',
    '"': '\\"',
  };
  let out = '"';
  for (const c of text) {
    const code = c.codePointAt(0) ?? 0;
    if (named[c] !== undefined) out += named[c];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x80 || /^[\p{L}\p{M}\p{N}\p{P}\p{S}]$/u.test(c)) out += c;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** How a value reads in a message. */
export function describe(value: GoValue): string {
  switch (value.t) {
    case 'string':
      return `the text ${JSON.stringify(value.v)}`;
    case 'int':
    case 'float':
      return `the number ${goFloat(value.v)}`;
    case 'bool':
      return `the boolean ${String(value.v)}`;
    case 'map':
      return 'the map variables';
    case 'nil':
      return 'nil';
  }
}
