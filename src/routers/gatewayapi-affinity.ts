/**
 * Session affinity on an HTTPRoute (`analysis.sessionAffinity`, Flagger §6.3.6): while the canary
 * takes traffic, a response from the canary sets a cookie and a request carrying it is routed to the
 * canary alone, so a user who reached the new version stays on it. With `primaryCookieName`, users
 * who reached the primary stay there for one analysis interval. When the weight returns to 0
 * (promotion, rollback) the canary cookie moves to `previousSessionAffinityCookie` and a rule expires
 * it on the next request that carries it. Cookie values live in the Canary's status; the router
 * generates them and returns them for the same tick's status write. Pure functions.
 */
import { randomInt } from 'node:crypto';
import type { Canary, CanaryStatus, SessionAffinity } from '../api/index.js';
import { parseGoDuration } from '../lib/duration.js';

type Json = Record<string, unknown>;

/** The cookie fields of a Canary's status this feature reads and writes. */
export type AffinityStatus = Pick<
  CanaryStatus,
  'sessionAffinityCookie' | 'primarySessionAffinityCookie' | 'previousSessionAffinityCookie'
>;

/** Flagger's default cookie lifetime: one day. */
const DEFAULT_MAX_AGE_S = 86_400;
const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `<name>=<10 random letters>`, as Flagger's cookies. */
export function newCookie(name: string, random: (n: number) => number = randomInt): string {
  let value = '';
  for (let i = 0; i < 10; i++) value += LETTERS[random(LETTERS.length)];
  return `${name}=${value}`;
}

/** The `Set-Cookie` value: `<cookie>; Max-Age=<s>` then Domain, HttpOnly, Partitioned, Path, SameSite, Secure when set. */
export function setCookieValue(cookie: string, maxAgeS: number, options: SessionAffinity): string {
  return [
    `${cookie}; Max-Age=${maxAgeS}`,
    ...(options.domain ? [`Domain=${options.domain}`] : []),
    ...(options.httpOnly ? ['HttpOnly'] : []),
    ...(options.partitioned ? ['Partitioned'] : []),
    ...(options.path ? [`Path=${options.path}`] : []),
    ...(options.sameSite ? [`SameSite=${options.sameSite}`] : []),
    ...(options.secure ? ['Secure'] : []),
  ].join('; ');
}

/**
 * The cookies this tick's routes need: while the canary has weight, the status' cookies or new ones
 * (the primary's only with `primaryCookieName`); at weight 0 the canary cookie becomes the previous
 * one, to be expired. Undefined without `analysis.sessionAffinity`.
 */
export function affinityStatus(
  canary: Canary,
  canaryWeight: number,
  random?: (n: number) => number,
): AffinityStatus | undefined {
  const affinity = canary.spec.analysis?.sessionAffinity;
  if (!affinity) return undefined;
  const status = canary.status ?? {};
  if (canaryWeight > 0) {
    const primaryName = affinity.primaryCookieName;
    return {
      sessionAffinityCookie: status.sessionAffinityCookie || newCookie(affinity.cookieName, random),
      ...(primaryName
        ? { primarySessionAffinityCookie: status.primarySessionAffinityCookie || newCookie(primaryName, random) }
        : {}),
      ...(status.previousSessionAffinityCookie
        ? { previousSessionAffinityCookie: status.previousSessionAffinityCookie }
        : {}),
    };
  }
  const previous = status.sessionAffinityCookie || status.previousSessionAffinityCookie;
  return { sessionAffinityCookie: '', ...(previous ? { previousSessionAffinityCookie: previous } : {}) };
}

/** The header match that selects requests carrying `cookie` (`name=value`). */
export function cookieMatch(cookie: string): Json {
  const eq = cookie.indexOf('=');
  const [name, value] = [cookie.slice(0, eq), cookie.slice(eq + 1)];
  return { type: 'RegularExpression', name: 'Cookie', value: `.*${escapeRegex(name)}.*${escapeRegex(value)}.*` };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `matches` with the cookie's header match added to each (or alone when there are none). */
function withCookie(matches: readonly Json[], cookie: string): Json[] {
  const header = cookieMatch(cookie);
  if (matches.length === 0) return [{ headers: [header] }];
  return matches.map((m) => ({ ...m, headers: [header, ...((m.headers as Json[] | undefined) ?? [])] }));
}

function responseCookie(value: string): Json {
  return { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'Set-Cookie', value }] } };
}

/** What the sticky rules are built from: the weighted rule's parts. */
export interface WeightedRuleParts {
  readonly matches: readonly Json[];
  readonly filters: readonly Json[];
  readonly extra: Json;
  readonly primary: Json;
  readonly canary: Json;
}

/**
 * The rules with session affinity: `[stickyCanary, stickyPrimary?, weighted]` while the canary has
 * weight (the weighted rule's backends set the cookies); `[expirePrevious or weighted copy, weighted]`
 * at weight 0.
 */
export function affinityRules(
  canary: Canary,
  parts: WeightedRuleParts,
  cookies: AffinityStatus,
  dialect: { readonly primaryCookies: boolean },
): Json[] {
  const affinity = canary.spec.analysis?.sessionAffinity as SessionAffinity;
  const filters = parts.filters.length > 0 ? { filters: [...parts.filters] } : {};
  const rule = (matches: readonly Json[], backendRefs: Json[], more: Json = filters): Json => ({
    matches: [...matches],
    ...more,
    backendRefs,
    ...parts.extra,
  });
  const weighted = rule(parts.matches, [parts.primary, parts.canary]);
  const canaryCookie = cookies.sessionAffinityCookie;
  if (!canaryCookie) {
    const previous = cookies.previousSessionAffinityCookie;
    if (!previous) return [weighted, weighted];
    const expire = { filters: [...parts.filters, responseCookie(`${previous}; Max-Age=-1`)] };
    return [rule(withCookie(parts.matches, previous), [parts.primary, parts.canary], expire), weighted];
  }
  const maxAge = affinity.maxAge ?? DEFAULT_MAX_AGE_S;
  const primaryCookie = dialect.primaryCookies ? cookies.primarySessionAffinityCookie : undefined;
  const intervalS = Math.trunc((parseGoDuration(canary.spec.analysis?.interval ?? '') ?? 60_000) / 1000);
  const setting = rule(parts.matches, [
    {
      ...parts.primary,
      ...(primaryCookie ? { filters: [responseCookie(setCookieValue(primaryCookie, intervalS, affinity))] } : {}),
    },
    { ...parts.canary, filters: [responseCookie(setCookieValue(canaryCookie, maxAge, affinity))] },
  ]);
  const only = (side: 'primary' | 'canary'): Json[] => [
    { ...parts.primary, weight: side === 'primary' ? 100 : 0 },
    { ...parts.canary, weight: side === 'canary' ? 100 : 0 },
  ];
  return [
    rule(withCookie(parts.matches, canaryCookie), only('canary')),
    ...(primaryCookie ? [rule(withCookie(parts.matches, primaryCookie), only('primary'))] : []),
    setting,
  ];
}

/** A rule Serin adds for session affinity (it matches a cookie): left out when comparing a live route. */
export function isStickyRule(rule: Json): boolean {
  const matches = (rule.matches ?? []) as { headers?: { name?: string; type?: string }[] }[];
  return matches.some((m) => (m.headers ?? []).some((h) => h.name === 'Cookie' && h.type === 'RegularExpression'));
}
