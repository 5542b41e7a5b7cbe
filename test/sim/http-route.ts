/**
 * A gateway's data plane for one HTTPRoute, request by request, as the Gateway API specifies it:
 * the rule whose match is most specific wins (exact path, then the longest prefix, then a method
 * match, then the most header matches, then the most query matches, then rule order); a backend
 * is drawn by weight; the rule's and the chosen backend's response header filters apply; request
 * mirrors receive a copy whose answer the client never sees. Header regexes match the whole value
 * (as Envoy's RE2 matching does). Used to show what users experience from a route Serin wrote:
 * stickiness by cookie, A/B by header, mirroring.
 */
type Json = Record<string, unknown>;

export interface SimRequest {
  readonly path: string;
  readonly method?: string;
  /** Header names in any case. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, string>>;
}

export interface RoutedRequest {
  /** The Service that answers the client; undefined when no rule matches or every weight is 0. */
  readonly backend: string | undefined;
  /** Headers added or set on the response by the filters. */
  readonly responseHeaders: readonly { readonly name: string; readonly value: string }[];
  /** Services that receive a mirrored copy (never answering the client). */
  readonly mirrors: readonly string[];
}

interface StringMatch {
  type?: string;
  name?: string;
  value?: string;
}

interface Candidate {
  readonly rule: Json;
  readonly match: Json;
  readonly index: number;
}

function matchesValue(m: StringMatch, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (m.type === 'RegularExpression') return new RegExp(`^(?:${m.value ?? ''})$`).test(actual);
  return actual === m.value;
}

function pathMatches(path: StringMatch | undefined, actual: string): boolean {
  const type = path?.type ?? 'PathPrefix';
  const value = path?.value ?? '/';
  if (type === 'Exact') return actual === value;
  if (type === 'RegularExpression') return new RegExp(`^(?:${value})$`).test(actual);
  const prefix = value.endsWith('/') && value !== '/' ? value.slice(0, -1) : value;
  return value === '/' || actual === prefix || actual.startsWith(`${prefix}/`);
}

function header(req: SimRequest, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.entries(req.headers ?? {}).find(([k]) => k.toLowerCase() === wanted)?.[1];
}

function matches(match: Json, req: SimRequest): boolean {
  if (!pathMatches(match.path as StringMatch | undefined, req.path)) return false;
  if (match.method !== undefined && match.method !== (req.method ?? 'GET')) return false;
  const headers = (match.headers ?? []) as StringMatch[];
  if (!headers.every((h) => matchesValue(h, header(req, h.name ?? '')))) return false;
  const query = (match.queryParams ?? []) as StringMatch[];
  return query.every((q) => matchesValue(q, req.query?.[q.name ?? '']));
}

/** Gateway API precedence: larger is more specific. */
function specificity(match: Json): number[] {
  const path = (match.path ?? {}) as StringMatch;
  const type = path.type ?? 'PathPrefix';
  return [
    type === 'Exact' ? 1 : 0,
    type === 'PathPrefix' ? (path.value ?? '/').length : 0,
    match.method !== undefined ? 1 : 0,
    ((match.headers ?? []) as unknown[]).length,
    ((match.queryParams ?? []) as unknown[]).length,
  ];
}

function moreSpecific(a: Candidate, b: Candidate): boolean {
  const [sa, sb] = [specificity(a.match), specificity(b.match)];
  for (let i = 0; i < sa.length; i++) if (sa[i] !== sb[i]) return (sa[i] ?? 0) > (sb[i] ?? 0);
  return a.index < b.index;
}

function addedHeaders(filters: readonly Json[]): { name: string; value: string }[] {
  return filters
    .filter((f) => f.type === 'ResponseHeaderModifier')
    .flatMap((f) => {
      const m = f.responseHeaderModifier as {
        add?: { name: string; value: string }[];
        set?: { name: string; value: string }[];
      };
      return [...(m.add ?? []), ...(m.set ?? [])];
    });
}

/** Routes one request through the route's rules; `random` in [0, 1) draws the weighted backend. */
export function routeRequest(spec: { rules?: readonly Json[] }, req: SimRequest, random: () => number): RoutedRequest {
  let best: Candidate | undefined;
  (spec.rules ?? []).forEach((rule, index) => {
    const ruleMatches = (rule.matches as Json[] | undefined) ?? [{}];
    for (const match of ruleMatches.length > 0 ? ruleMatches : [{}]) {
      const candidate = { rule, match, index };
      if (matches(match, req) && (!best || moreSpecific(candidate, best))) best = candidate;
    }
  });
  if (!best) return { backend: undefined, responseHeaders: [], mirrors: [] };
  const filters = (best.rule.filters ?? []) as Json[];
  const mirrors = filters
    .filter((f) => f.type === 'RequestMirror')
    .map((f) => (f.requestMirror as { backendRef?: { name?: string } }).backendRef?.name ?? '');
  const refs = ((best.rule.backendRefs ?? []) as { name: string; weight?: number; filters?: Json[] }[]).filter(
    (r) => (r.weight ?? 1) > 0,
  );
  const total = refs.reduce((n, r) => n + (r.weight ?? 1), 0);
  let draw = random() * total;
  const chosen = refs.find((r) => (draw -= r.weight ?? 1) < 0) ?? refs.at(-1);
  return {
    backend: chosen?.name,
    responseHeaders: [...addedHeaders(filters), ...addedHeaders(chosen?.filters ?? [])],
    mirrors,
  };
}

/** A browser's cookie jar: keeps `Set-Cookie` answers (a negative Max-Age deletes) and sends them back. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  receive(headers: RoutedRequest['responseHeaders']): void {
    for (const h of headers) {
      if (h.name.toLowerCase() !== 'set-cookie') continue;
      const [pair = '', ...attributes] = h.value.split(';').map((p) => p.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const maxAge = attributes.find((a) => a.toLowerCase().startsWith('max-age='));
      if (maxAge && Number(maxAge.slice(8)) < 0) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
  }

  /** The `Cookie` request header, if any cookie is held. */
  header(): Record<string, string> {
    const pairs = [...this.cookies].map(([k, v]) => `${k}=${v}`);
    return pairs.length > 0 ? { cookie: pairs.join('; ') } : {};
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }
}
