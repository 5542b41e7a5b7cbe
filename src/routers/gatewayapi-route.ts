/**
 * The HTTPRoute a Canary asks for (Flagger §6.3): parentRefs from `service.gatewayRefs`, hostnames,
 * one weighted rule to `<apex>-primary` / `<apex>-canary` with the service's matches, header
 * modifiers, rewrite, static mirrors, CORS and timeouts; for A/B a matched rule to the canary plus a
 * primary-only rule. Pure functions: reading and writing the object is gatewayapi.ts.
 */
import type { Canary, CanaryService, HttpMatchRequest } from '../api/index.js';
import type { Routes } from '../engine/model.js';
import { parseGoDuration } from '../lib/duration.js';
import type { Result } from '../lib/result.js';
import { canaryKey, serviceNames } from './canary-names.js';
import { affinityRules, type AffinityStatus } from './gatewayapi-affinity.js';

/** Gateway API versions Serin writes HTTPRoutes in. */
export const HTTP_ROUTE_V1 = { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' } as const;
export const HTTP_ROUTE_V1BETA1 = { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'HTTPRoute' } as const;

/** What differs between the two versions Serin writes (v1beta1 has no timeouts, CORS filter or primary cookie). */
export interface RouteDialect {
  readonly apiVersion: string;
  readonly timeouts: boolean;
  readonly cors: boolean;
  /** Session affinity may pin users to the primary too (`primaryCookieName`). */
  readonly primaryCookies: boolean;
}

type Json = Record<string, unknown>;

/** The parts of an HTTPRoute spec Serin writes (loosely typed: the CRD's schema is the contract). */
export interface HttpRouteSpec {
  parentRefs: Json[];
  hostnames?: string[];
  rules: Json[];
}

type StringMatchValue = { exact?: string; prefix?: string; suffix?: string; regex?: string };

/** Istio-style matches → Gateway API matches (§6.3.4); an error names what Gateway API cannot match. */
export function gatewayMatches(matches: readonly HttpMatchRequest[]): Result<Json[]> {
  const out: Json[] = [];
  for (const m of matches) {
    const match: Json = {};
    const uri = m.uri as StringMatchValue | undefined;
    if (uri?.regex !== undefined) match.path = { type: 'RegularExpression', value: uri.regex };
    else if (uri?.exact !== undefined) match.path = { type: 'Exact', value: uri.exact };
    else if (uri?.prefix !== undefined) match.path = { type: 'PathPrefix', value: uri.prefix };
    else if (uri?.suffix !== undefined)
      return invalidMatch("Gateway API doesn't support the specified path matching selector");
    const method = m.method as StringMatchValue | undefined;
    if (method && method.exact === undefined) return invalidMatch('Gateway API matches a method exactly only');
    if (method?.exact !== undefined) match.method = method.exact;
    for (const [field, source] of [
      ['headers', m.headers],
      ['queryParams', m.queryParams],
    ] as const) {
      const mapped = namedMatches(field, source);
      if (!mapped.ok) return mapped;
      if (mapped.value.length > 0) match[field] = mapped.value;
    }
    if (Object.keys(match).length > 0) out.push(match);
  }
  return { ok: true, value: out };
}

function namedMatches(field: string, source: Record<string, StringMatchValue> | undefined): Result<Json[]> {
  const out: Json[] = [];
  for (const [name, value] of Object.entries(source ?? {})) {
    if (value.exact !== undefined) out.push({ type: 'Exact', name, value: value.exact });
    else if (value.regex !== undefined) out.push({ type: 'RegularExpression', name, value: value.regex });
    else return invalidMatch(`Gateway API matches ${field} "${name}" by exact value or regex only`);
  }
  return { ok: true, value: out };
}

function invalidMatch(why: string): { ok: false; problem: { message: string; fix: string } } {
  return {
    ok: false,
    problem: {
      message: `Invalid request matching selectors: ${why}`,
      fix: 'use exact/prefix/regex for uri, exact for method, exact/regex for headers and queryParams',
    },
  };
}

/** Merges the analysis' A/B matches into the service's (each analysis match on every service match). */
function mergeMatches(analysis: readonly Json[], service: readonly Json[]): Json[] {
  if (analysis.length === 0) return [...service];
  if (service.length === 0) return [...analysis];
  return analysis.flatMap((a) =>
    service.map((s) => ({
      ...s,
      ...(a.headers ? { headers: a.headers } : {}),
      ...(a.queryParams ? { queryParams: a.queryParams } : {}),
    })),
  );
}

const byNameValue = (a: { name: string; value: string }, b: { name: string; value: string }) =>
  a.name < b.name ? -1 : a.name > b.name ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;

function headerModifier(ops: { set?: Record<string, string>; add?: Record<string, string>; remove?: string[] }) {
  const pairs = (m: Record<string, string> | undefined) =>
    Object.entries(m ?? {})
      .map(([name, value]) => ({ name, value }))
      .sort(byNameValue);
  return {
    ...(ops.add ? { add: pairs(ops.add) } : {}),
    ...(ops.set ? { set: pairs(ops.set) } : {}),
    ...(ops.remove ? { remove: [...ops.remove] } : {}),
  };
}

/** Rule-level filters in Flagger's order: header modifiers, rewrite, static mirrors, CORS. */
function ruleFilters(service: CanaryService, dialect: RouteDialect): Json[] {
  const filters: Json[] = [];
  const headers = service.headers;
  if (headers?.request) {
    filters.push({ type: 'RequestHeaderModifier', requestHeaderModifier: headerModifier(headers.request) });
  }
  if (headers?.response) {
    filters.push({ type: 'ResponseHeaderModifier', responseHeaderModifier: headerModifier(headers.response) });
  }
  const rewrite = service.rewrite;
  if (rewrite && (rewrite.authority || rewrite.uri)) {
    const path = rewrite.uri
      ? rewrite.type === 'ReplacePrefixMatch'
        ? { type: 'ReplacePrefixMatch', replacePrefixMatch: rewrite.uri }
        : { type: 'ReplaceFullPath', replaceFullPath: rewrite.uri }
      : undefined;
    filters.push({
      type: 'URLRewrite',
      urlRewrite: { ...(rewrite.authority ? { hostname: rewrite.authority } : {}), ...(path ? { path } : {}) },
    });
  }
  for (const m of service.mirror ?? [])
    filters.push({ type: 'RequestMirror', requestMirror: { backendRef: { ...m.backendRef } } });
  const cors = service.corsPolicy;
  if (dialect.cors && cors) filters.push({ type: 'CORS', cors: corsFilter(cors) });
  return filters;
}

function corsFilter(cors: NonNullable<CanaryService['corsPolicy']>): Json {
  const maxAge = cors.maxAge === undefined ? undefined : parseGoDuration(cors.maxAge);
  return {
    ...(cors.allowOrigin ? { allowOrigins: [...cors.allowOrigin] } : {}),
    ...(cors.allowMethods ? { allowMethods: [...cors.allowMethods] } : {}),
    ...(cors.allowHeaders ? { allowHeaders: [...cors.allowHeaders] } : {}),
    ...(cors.exposeHeaders ? { exposeHeaders: [...cors.exposeHeaders] } : {}),
    ...(cors.allowCredentials === true ? { allowCredentials: true } : {}),
    ...(maxAge !== undefined && maxAge >= 0 ? { maxAge: Math.trunc(maxAge / 1000) } : {}),
  };
}

function backend(name: string, port: number, weight: number): Json {
  return { group: '', kind: 'Service', name, port, weight };
}

/**
 * The spec of the Canary's HTTPRoute with these weights. `mirrored` mirrors the requests of the
 * weighted rule to the canary (blue/green with `analysis.mirror`, and — unlike Flagger, whose
 * canary strategy then repeats its mirror step forever — the canary strategy's mirror step too).
 * With `analysis.sessionAffinity` (and no A/B match), `cookies` give the sticky rules
 * (gatewayapi-affinity.ts).
 */
export function desiredRouteSpec(
  canary: Canary,
  routes: Routes,
  dialect: RouteDialect,
  cookies?: AffinityStatus,
): Result<HttpRouteSpec> {
  const service = canary.spec.service;
  const refs = service?.gatewayRefs ?? [];
  if (!service || refs.length === 0) {
    return {
      ok: false,
      problem: {
        message: `canary ${canaryKey(canary)}: GatewayRefs must be specified when using Gateway API as a provider.`,
        fix: 'set spec.service.gatewayRefs to the Gateway(s) the HTTPRoute attaches to',
      },
    };
  }
  const serviceMatches = gatewayMatches(service.match ?? []);
  if (!serviceMatches.ok) return serviceMatches;
  const abMatches = gatewayMatches(canary.spec.analysis?.match ?? []);
  if (!abMatches.ok) return abMatches;
  const names = serviceNames(canary);
  const matches =
    serviceMatches.value.length > 0 ? serviceMatches.value : [{ path: { type: 'PathPrefix', value: '/' } }];
  const filters = ruleFilters(service, dialect);
  const mirror = routes.mirrored
    ? [
        {
          type: 'RequestMirror',
          requestMirror: { backendRef: { group: '', kind: 'Service', name: names.canary, port: service.port } },
        },
      ]
    : [];
  const timeouts =
    dialect.timeouts && (service.timeout || service.backendTimeout)
      ? {
          timeouts: {
            ...(service.timeout ? { request: service.timeout } : {}),
            ...(service.backendTimeout ? { backendRequest: service.backendTimeout } : {}),
          },
        }
      : {};
  const sides = {
    primary: backend(names.primary, service.port, routes.primary),
    canary: backend(names.canary, service.port, routes.canary),
  };
  const weighted: Json = {
    matches: abMatches.value.length > 0 ? mergeMatches(abMatches.value, matches) : matches,
    ...(filters.length + mirror.length > 0 ? { filters: [...filters, ...mirror] } : {}),
    backendRefs: [sides.primary, sides.canary],
    ...timeouts,
  };
  const primaryOnly: Json = {
    matches,
    ...(filters.length > 0 ? { filters } : {}),
    backendRefs: [backend(names.primary, service.port, 100)],
    ...timeouts,
  };
  const sticky =
    cookies && canary.spec.analysis?.sessionAffinity && abMatches.value.length === 0
      ? affinityRules(
          canary,
          { matches, filters: [...filters, ...mirror], extra: timeouts, ...sides },
          cookies,
          dialect,
        )
      : undefined;
  return {
    ok: true,
    value: {
      parentRefs: refs.map((r) => ({ ...r })),
      ...(service.hosts && service.hosts.length > 0 ? { hostnames: [...service.hosts] } : {}),
      rules: sticky ?? (abMatches.value.length > 0 ? [weighted, primaryOnly] : [weighted]),
    },
  };
}

/** The weights of a live HTTPRoute: the last rule with exactly two backendRefs (§6.3.2). */
export function routeWeights(canary: Canary, spec: HttpRouteSpec | undefined): Routes | { readonly error: string } {
  const names = serviceNames(canary);
  let found: Routes | undefined;
  let mirrored = false;
  for (const rule of spec?.rules ?? []) {
    const refs = (rule.backendRefs ?? []) as { name?: string; weight?: number }[];
    const filters = (rule.filters ?? []) as { type?: string; requestMirror?: { backendRef?: { name?: string } } }[];
    mirrored ||= filters.some((f) => f.type === 'RequestMirror' && f.requestMirror?.backendRef?.name === names.canary);
    if (refs.length !== 2) continue;
    const weight = (name: string) => refs.find((r) => r.name === name)?.weight ?? 1;
    found = { primary: weight(names.primary), canary: weight(names.canary), mirrored: false };
  }
  if (!found)
    return {
      error: `HTTPRoute ${names.apex}.${canary.metadata?.namespace ?? ''} has no rule routing to ${names.primary} and ${names.canary}`,
    };
  return { ...found, mirrored };
}
