/**
 * libyaml (and so kubectl) reads a quoted scalar to its closing quote whatever the indentation of
 * its continuation lines; the `yaml` package ends it at a line indented no deeper than its key
 * ("Missing closing quote"). Flagger's own crd.yaml writes descriptions that way:
 *
 *     description: 'APIVersion defines the versioned schema of this representation
 *     of an object. …'
 *
 * A continuation line's leading white space is never part of a quoted scalar's value (line folding
 * drops it), so indenting such lines deeper changes nothing but what the `yaml` package accepts.
 * Lines stay lines: every line number in an error message still points at the file as written.
 */
import { Lexer } from 'yaml';

/** The lexer's document, flow-end and scalar markers, which take no room in the source. */
const CONTROL_TOKENS: ReadonlySet<string> = new Set(['\x02', '\x18', '\x1f']);

/** Most quoted scalars re-indented in one document (each costs a new lexing pass). */
const MAX_REPAIRS = 500;

/** `text` with the continuation lines of every quoted scalar indented past its opening quote. */
export function indentQuotedContinuations(text: string): string {
  let out = text;
  for (let repairs = 0; repairs < MAX_REPAIRS; repairs++) {
    const cut = firstCutQuote(out);
    if (cut === undefined) return out;
    const end = closingQuote(out, cut);
    if (end === undefined) return out; // truly unterminated: the parser's error stands
    const next = reindent(out, cut, end);
    if (next === out) return out;
    out = next;
  }
  return out;
}

/** Offset of the first quoted-scalar token the lexer ended before its closing quote. */
function firstCutQuote(text: string): number | undefined {
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (CONTROL_TOKENS.has(token)) continue; // markers the lexer adds; not in the source
    const quote = token[0];
    if ((quote === "'" || quote === '"') && closingQuote(token, 0) !== token.length - 1) return offset;
    offset += token.length;
  }
  return undefined;
}

/** Offset of the quote that closes the scalar opened at `start`, as libyaml finds it. */
function closingQuote(text: string, start: number): number | undefined {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (quote === '"' && c === '\\') i++;
    else if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    } else if (c === '\n' && /^(---|\.\.\.)(\s|$)/.test(text.slice(i + 1, i + 5))) return undefined;
  }
  return undefined;
}

/** Indents the lines after the first of `text[start..end]` to one column past the opening quote. */
function reindent(text: string, start: number, end: number): string {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const column = start - lineStart + 1;
  const inside = text.slice(start, end).replace(/\n([ \t]*)(?=[^\s])/g, (_match, lead: string) => {
    return `\n${' '.repeat(Math.max(0, column - lead.length))}${lead}`;
  });
  return text.slice(0, start) + inside + text.slice(end);
}
