/**
 * Parses the part of Go's text/template that query templates can use: text and actions with
 * `{{-`/`-}}` trimming and comments; pipelines of commands (`a | b c`); operands that are function
 * names, string, number and boolean constants, `.`/`.field`, chains (`variables.key`) and
 * parenthesized pipelines; `if`/`else if`/`else`/`with`/`end`. What Serin does not run (`range`,
 * `define`, `template`, `block`, variables such as `$x`, character constants) is refused here,
 * by name, so a template is never rendered differently from Go.
 */

/** A value operand, a function name or a parenthesized pipeline, with the fields read from it. */
export type Operand =
  | { readonly k: 'ident'; readonly name: string; readonly fields: readonly string[] }
  | { readonly k: 'dot'; readonly fields: readonly string[] }
  | { readonly k: 'string'; readonly value: string }
  | { readonly k: 'int' | 'float'; readonly value: number; readonly text: string }
  | { readonly k: 'bool'; readonly value: boolean }
  | { readonly k: 'nil' }
  | { readonly k: 'pipe'; readonly pipe: Pipeline; readonly fields: readonly string[] };

/** `a b c`: a function and its arguments, or a single value. */
export type Command = readonly Operand[];
/** `cmd | cmd`: each command's result is the last argument of the next. */
export type Pipeline = readonly Command[];

/** A parsed template: text, actions and the branches of `if` and `with`. */
export type TemplateNode =
  | { readonly k: 'text'; readonly text: string }
  | { readonly k: 'action'; readonly pipe: Pipeline; readonly source: string }
  | {
      readonly k: 'if' | 'with';
      readonly pipe: Pipeline;
      readonly then: readonly TemplateNode[];
      readonly otherwise: readonly TemplateNode[];
      readonly source: string;
    };

export type Parsed =
  { readonly ok: true; readonly nodes: TemplateNode[] } | { readonly ok: false; readonly problem: string };

const UNSUPPORTED_KEYWORDS = ['range', 'define', 'template', 'block', 'break', 'continue'] as const;
const SPACE = /[ \t\r\n]/;

/** Parses `template`; the problem says what is wrong and quotes the action. */
export function parseTemplate(template: string): Parsed {
  const actions = splitActions(template);
  if (!actions.ok) return actions;
  const blocks = new Blocks();
  for (const piece of actions.pieces) {
    if (piece.k === 'text') {
      if (piece.text !== '') blocks.add(piece);
      continue;
    }
    const tokens = tokenize(piece.inner);
    if (!tokens.ok) return { ok: false, problem: `${tokens.problem} in action ${quote(piece.source)}` };
    const problem = blocks.action(tokens.tokens, piece.source);
    if (problem !== undefined) return { ok: false, problem };
  }
  return blocks.done();
}

interface OpenBlock {
  readonly k: 'if' | 'with';
  readonly pipe: Pipeline;
  readonly then: TemplateNode[];
  readonly otherwise: TemplateNode[];
  inElse: boolean;
  readonly source: string;
  /** False for the `if` of an `else if`, which the enclosing block's `end` closes too. */
  readonly ownEnd: boolean;
}

/** The nodes parsed so far and the `if`/`with` blocks still open. */
class Blocks {
  private readonly root: TemplateNode[] = [];
  private readonly open: OpenBlock[] = [];

  add(node: TemplateNode): void {
    const top = this.open[this.open.length - 1];
    (top ? (top.inElse ? top.otherwise : top.then) : this.root).push(node);
  }

  /** Takes one action's tokens; returns the problem, if any. */
  action(tokens: readonly Token[], source: string): string | undefined {
    const [first, second] = tokens;
    const keyword = first?.k === 'ident' ? first.v : '';
    const unexpected = `unexpected ${quote(source)} in query`;
    if (keyword === 'if' || keyword === 'with') return this.begin(keyword, tokens.slice(1), source, true);
    if (keyword === 'else') {
      const top = this.open[this.open.length - 1];
      if (!top || top.inElse) return unexpected;
      top.inElse = true;
      // `else if x` is `else` holding an `if x` that the same `end` closes
      if (second?.k === 'ident' && (second.v === 'if' || second.v === 'with')) {
        return this.begin(second.v, tokens.slice(2), source, false);
      }
      return second === undefined ? undefined : unexpected;
    }
    if (keyword === 'end') return this.end(second === undefined ? undefined : unexpected, unexpected);
    if ((UNSUPPORTED_KEYWORDS as readonly string[]).includes(keyword)) {
      return `{{ ${keyword} }} is not supported in query templates (in ${quote(source)})`;
    }
    const pipe = parsePipeline(tokens, source);
    if (!pipe.ok) return pipe.problem;
    this.add({ k: 'action', pipe: pipe.pipe, source });
    return undefined;
  }

  done(): Parsed {
    const unclosed = this.open[this.open.length - 1];
    if (unclosed) return { ok: false, problem: `${quote(unclosed.source)} has no {{ end }} in query` };
    return { ok: true, nodes: this.root };
  }

  private begin(k: 'if' | 'with', tokens: readonly Token[], source: string, ownEnd: boolean): string | undefined {
    const pipe = parsePipeline(tokens, source);
    if (!pipe.ok) return pipe.problem;
    this.open.push({ k, pipe: pipe.pipe, then: [], otherwise: [], inElse: false, source, ownEnd });
    return undefined;
  }

  private end(problem: string | undefined, unexpected: string): string | undefined {
    if (problem !== undefined || this.open.length === 0) return problem ?? unexpected;
    for (;;) {
      const block = this.open.pop();
      if (!block) return undefined;
      this.add({ k: block.k, pipe: block.pipe, then: block.then, otherwise: block.otherwise, source: block.source });
      if (block.ownEnd) return undefined;
    }
  }
}

type Piece = { k: 'text'; text: string } | { k: 'action'; inner: string; source: string };

/** Cuts the template into text and actions, honouring quotes inside actions and the trim markers. */
function splitActions(template: string): { ok: true; pieces: Piece[] } | { ok: false; problem: string } {
  const pieces: Piece[] = [];
  let pos = 0;
  for (;;) {
    const open = template.indexOf('{{', pos);
    if (open < 0) {
      pieces.push({ k: 'text', text: template.slice(pos) });
      return { ok: true, pieces };
    }
    let text = template.slice(pos, open);
    let start = open + 2;
    if (template[start] === '-' && SPACE.test(template[start + 1] ?? '')) {
      text = text.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    pieces.push({ k: 'text', text });
    const close = actionEnd(template, start);
    if (close < 0) return { ok: false, problem: `unclosed action ${quote(template.slice(open, open + 40))} in query` };
    let inner = template.slice(start, close);
    pos = close + 2;
    if (inner.endsWith('-') && SPACE.test(inner[inner.length - 2] ?? '')) {
      inner = inner.slice(0, -1);
      while (pos < template.length && SPACE.test(template[pos] ?? '')) pos++;
    }
    const trimmed = inner.trim();
    if (trimmed.startsWith('/*')) {
      if (!trimmed.endsWith('*/')) return { ok: false, problem: 'unclosed comment in query' };
      continue;
    }
    pieces.push({ k: 'action', inner, source: template.slice(open, close + 2) });
  }
}

/** Offset of the `}}` that ends the action starting at `start` (quotes and comments skipped), or -1. */
function actionEnd(template: string, start: number): number {
  for (let i = start; i < template.length; i++) {
    const c = template[i];
    if (template.startsWith('/*', i)) {
      const end = template.indexOf('*/', i + 2);
      if (end < 0) return -1;
      i = end + 1;
    } else if (c === '"' || c === "'") {
      for (i++; i < template.length && template[i] !== c && template[i] !== '\n'; i++) if (template[i] === '\\') i++;
    } else if (c === '`') {
      const end = template.indexOf('`', i + 1);
      if (end < 0) return -1;
      i = end;
    } else if (template.startsWith('}}', i)) return i;
  }
  return -1;
}

type Token =
  | { k: 'ident'; v: string }
  | { k: 'field'; v: string }
  | { k: 'dot' }
  | { k: 'string'; v: string }
  | { k: 'number'; text: string }
  | { k: 'punct'; v: '|' | '(' | ')' };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*/;
const NUMBER =
  /^[-+]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|[0-9][0-9_]*(\.[0-9_]*)?([eE][-+]?[0-9]+)?|\.[0-9]+([eE][-+]?[0-9]+)?)/;

/** The tokens of one action's text. */
function tokenize(inner: string): { ok: true; tokens: Token[] } | { ok: false; problem: string } {
  const tokens: Token[] = [];
  let i = 0;
  while (i < inner.length) {
    const rest = inner.slice(i);
    const c = rest[0] ?? '';
    if (SPACE.test(c)) i++;
    else if (c === '|' || c === '(' || c === ')') {
      tokens.push({ k: 'punct', v: c });
      i++;
    } else if (c === '"' || c === '`') {
      const str = stringLiteral(rest);
      if (!str.ok) return str;
      tokens.push({ k: 'string', v: str.value });
      i += str.length;
    } else if (c === "'") return { ok: false, problem: 'character constants are not supported' };
    else if (c === '$')
      return {
        ok: false,
        problem: `template variables (${/^\$[A-Za-z0-9_]*/.exec(rest)?.[0] ?? '$'}) are not supported`,
      };
    else if (c === ':' || c === '=' || c === ',')
      return { ok: false, problem: `"${c}" (variable declarations and assignments) is not supported` };
    else if (c === '.' && !/^\.[0-9]/.test(rest)) {
      const field = /^\.[A-Za-z_][A-Za-z0-9_]*/.exec(rest)?.[0];
      if (field) tokens.push({ k: 'field', v: field.slice(1) });
      else tokens.push({ k: 'dot' });
      i += field?.length ?? 1;
    } else if (NUMBER.test(rest) && /[-+.0-9]/.test(c)) {
      const text = NUMBER.exec(rest)?.[0] ?? '';
      tokens.push({ k: 'number', text });
      i += text.length;
    } else if (IDENT.test(rest)) {
      const name = IDENT.exec(rest)?.[0] ?? '';
      tokens.push({ k: 'ident', v: name });
      i += name.length;
    } else return { ok: false, problem: `unexpected character ${quote(c)}` };
  }
  return { ok: true, tokens };
}

/** A Go string literal at the start of `text`: interpreted ("…", with escapes) or raw (`…`). */
function stringLiteral(text: string): { ok: true; value: string; length: number } | { ok: false; problem: string } {
  if (text[0] === '`') {
    const end = text.indexOf('`', 1);
    return end < 0
      ? { ok: false, problem: 'unterminated raw string' }
      : { ok: true, value: text.slice(1, end), length: end + 1 };
  }
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i] ?? '';
    if (c === '"') return { ok: true, value, length: i + 1 };
    if (c !== '\\') {
      value += c;
      continue;
    }
    const e = text[++i] ?? '';
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '\\': '\\',
      '"': '"',
      a: '\x07',
      b: '\b',
      f: '\f',
      v: '\v',
    };
    const hex = /^(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})/.exec(text.slice(i))?.[0];
    if (simple[e] !== undefined) value += simple[e];
    else if (hex) {
      value += String.fromCodePoint(parseInt(hex.slice(1), 16));
      i += hex.length - 1;
    } else return { ok: false, problem: `unsupported escape \\${e} in a string` };
  }
  return { ok: false, problem: 'unterminated string' };
}

type PipeResult = { ok: true; pipe: Pipeline } | { ok: false; problem: string };

/** A pipeline from tokens (the whole action, or the inside of parentheses). */
function parsePipeline(tokens: readonly Token[], source: string): PipeResult {
  const state = { i: 0 };
  const pipe = pipelineAt(tokens, state, source);
  if (!pipe.ok) return pipe;
  if (state.i < tokens.length) return { ok: false, problem: `unexpected ")" in action ${quote(source)}` };
  return pipe;
}

function pipelineAt(tokens: readonly Token[], state: { i: number }, source: string): PipeResult {
  const commands: Command[] = [];
  let command: Operand[] = [];
  for (; state.i < tokens.length; state.i++) {
    const t = tokens[state.i] as Token;
    if (t.k === 'punct' && t.v === ')') break;
    if (t.k === 'punct' && t.v === '|') {
      if (command.length === 0) return { ok: false, problem: `missing command before "|" in action ${quote(source)}` };
      commands.push(command);
      command = [];
      continue;
    }
    const operand = operandAt(tokens, state, source);
    if (!operand.ok) return operand;
    command.push(operand.operand);
  }
  if (command.length === 0) return { ok: false, problem: `missing value in action ${quote(source)}` };
  commands.push(command);
  return { ok: true, pipe: commands };
}

function operandAt(
  tokens: readonly Token[],
  state: { i: number },
  source: string,
): { ok: true; operand: Operand } | { ok: false; problem: string } {
  const t = tokens[state.i] as Token;
  const fields = (): string[] => {
    const out: string[] = [];
    while (tokens[state.i + 1]?.k === 'field') out.push((tokens[++state.i] as { v: string }).v);
    return out;
  };
  switch (t.k) {
    case 'string':
      return { ok: true, operand: { k: 'string', value: t.v } };
    case 'number':
      return number(t.text, source);
    case 'field':
      return { ok: true, operand: { k: 'dot', fields: [t.v, ...fields()] } };
    case 'dot':
      return { ok: true, operand: { k: 'dot', fields: fields() } };
    case 'ident':
      if (t.v === 'true' || t.v === 'false') return { ok: true, operand: { k: 'bool', value: t.v === 'true' } };
      if (t.v === 'nil') return { ok: true, operand: { k: 'nil' } };
      return { ok: true, operand: { k: 'ident', name: t.v, fields: fields() } };
    case 'punct': {
      if (t.v !== '(') return { ok: false, problem: `unexpected "${t.v}" in action ${quote(source)}` };
      state.i++;
      const inner = pipelineAt(tokens, state, source);
      if (!inner.ok) return inner;
      if (tokens[state.i]?.k !== 'punct') return { ok: false, problem: `unclosed "(" in action ${quote(source)}` };
      return { ok: true, operand: { k: 'pipe', pipe: inner.pipe, fields: fields() } };
    }
  }
}

function number(text: string, source: string): { ok: true; operand: Operand } | { ok: false; problem: string } {
  const plain = text.replaceAll('_', '');
  const isInt = /^[-+]?(0[xXbBoO][0-9a-fA-F]+|[0-9]+)$/.test(plain);
  const value = isInt ? parseGoInt(plain) : Number(plain);
  if (!Number.isFinite(value)) return { ok: false, problem: `bad number ${quote(text)} in action ${quote(source)}` };
  return { ok: true, operand: { k: isInt ? 'int' : 'float', value, text } };
}

function parseGoInt(text: string): number {
  const negative = text.startsWith('-');
  const body = text.replace(/^[-+]/, '');
  const n = /^0[0-7]+$/.test(body) ? parseInt(body, 8) : Number(body.replace(/^0[oO]/, '0o').replace(/^0[bB]/, '0b'));
  return negative ? -n : n;
}

export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
