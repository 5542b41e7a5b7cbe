/**
 * PromQL vector selectors (`name{a="x",b=~"re",c!~"re"}`) evaluated against parsed samples, so a
 * test can show that Flagger's builtin queries select the simulator's series without a Prometheus.
 * Only selectors: functions, ranges and aggregation are out of scope.
 */
import type { Sample } from './exposition.js';

/** One label matcher of a selector. */
export interface LabelMatcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

/** A metric name and its label matchers. */
export interface SeriesSelector {
  readonly name: string;
  readonly matchers: readonly LabelMatcher[];
}

const SELECTOR = /([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g;
const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;

function unquote(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

/** Splits `a="x",b=~"y,z"` on the commas between matchers, not those inside quotes. */
function splitMatchers(body: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] ?? '';
    if (c === '\\' && quoted) {
      current += c + (body[++i] ?? '');
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  if (current.trim() !== '') parts.push(current);
  return parts;
}

/** Every `name{…}` selector in a (rendered) PromQL query, in order of appearance. */
export function selectorsOf(query: string): SeriesSelector[] {
  return [...query.matchAll(SELECTOR)].map(([, name = '', body = '']) => ({
    name,
    matchers: splitMatchers(body).map((part) => {
      const [, label = '', op = '=', value = ''] = MATCHER.exec(part) ?? [];
      if (label === '') throw new Error(`cannot read the label matcher ${JSON.stringify(part)}`);
      return { label, op: op as LabelMatcher['op'], value: unquote(value) };
    }),
  }));
}

/** Whether a sample matches: PromQL regexes are anchored at both ends; a missing label reads as "". */
export function matches(selector: SeriesSelector, sample: Sample): boolean {
  if (sample.name !== selector.name) return false;
  return selector.matchers.every(({ label, op, value }) => {
    const actual = sample.labels[label] ?? '';
    switch (op) {
      case '=':
        return actual === value;
      case '!=':
        return actual !== value;
      case '=~':
        return new RegExp(`^(?:${value})$`).test(actual);
      case '!~':
        return !new RegExp(`^(?:${value})$`).test(actual);
    }
  });
}

/** The samples a selector returns. */
export function select(selector: SeriesSelector, samples: readonly Sample[]): Sample[] {
  return samples.filter((s) => matches(selector, s));
}
