/**
 * The Gateway API `TrafficRouter` (`gatewayapi:v1`, `gatewayapi:v1beta1`; Flagger §6.3–6.4): one
 * HTTPRoute `<apex>` per Canary, attached to `service.gatewayRefs`, splitting traffic between the
 * `<apex>-primary` and `<apex>-canary` Services. Annotations, labels and finalizers that other
 * controllers put on the route (the VPC Lattice controller, Flagger #1732) are left alone, and what
 * the API server defaults is not a difference, so a steady route is never rewritten.
 */
import { MeshProvider, type Canary } from '../api/index.js';
import type { Routes } from '../engine/model.js';
import { isKubeError, KubeErrorReason, type Cluster } from '../kube/cluster.js';
import type { KubeObject, ObjectRef } from '../kube/objects.js';
import type { Result } from '../lib/result.js';
import type { TargetMetadata } from '../targets/target.js';
import { canaryId, canaryOwnerReference, serviceNames, TOOLKIT_ANNOTATIONS } from './canary-names.js';
import {
  desiredRouteSpec,
  HTTP_ROUTE_V1,
  HTTP_ROUTE_V1BETA1,
  routeWeights,
  type HttpRouteSpec,
  type RouteDialect,
} from './gatewayapi-route.js';
import { BuiltinSeries, type ProviderPlugin } from './registry.js';
import type { RouteStatus, TrafficRouter } from './router.js';
import { affinityStatus, isStickyRule, type AffinityStatus } from './gatewayapi-affinity.js';
import { LatticeGateways } from './lattice.js';
import { OK, withSignal, writeProblem } from './write-outcome.js';

/** An HTTPRoute as Serin reads it. */
interface HttpRoute extends KubeObject {
  spec?: HttpRouteSpec;
  status?: {
    parents?: {
      parentRef?: Record<string, unknown>;
      conditions?: { type?: string; status?: string; observedGeneration?: number }[];
    }[];
  };
}

/** Keys the API server fills in when absent: their presence on the live route alone is no difference. */
const SERVER_DEFAULTED = new Set(['group', 'kind', 'weight', 'type', 'path', 'namespace']);

/**
 * Whether the live value says everything `desired` says: equal primitives, equal-length arrays
 * element by element, and objects with every desired key covered and no other key but one the API
 * server defaults (a field Serin stopped writing is a difference; a defaulted one is not).
 */
export function covers(live: unknown, desired: unknown): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(live) && live.length === desired.length && desired.every((d, i) => covers(live[i], d));
  }
  if (desired && typeof desired === 'object') {
    if (!live || typeof live !== 'object' || Array.isArray(live)) return false;
    const l = live as Record<string, unknown>;
    const d = desired as Record<string, unknown>;
    return (
      Object.entries(d).every(([k, v]) => covers(l[k], v)) &&
      Object.keys(l).every((k) => k in d || SERVER_DEFAULTED.has(k) || l[k] === undefined)
    );
  }
  return live === desired;
}

/** Keeps one Canary's HTTPRoute as Flagger would, in one Gateway API version. */
export class GatewayApiRouter implements TrafficRouter {
  private readonly lattice: LatticeGateways;

  constructor(
    private readonly deps: { readonly cluster: Cluster },
    private readonly dialect: RouteDialect,
  ) {
    this.lattice = new LatticeGateways(deps.cluster);
  }

  /**
   * Creates the route (all traffic to the primary) or brings its spec and Serin's metadata back;
   * refuses a Canary that asks a VPC Lattice gateway for what it cannot do (lattice.ts).
   */
  async reconcile(canary: Canary, _target: TargetMetadata, signal?: AbortSignal): Promise<Result<void>> {
    const unable = await this.lattice.problem(canary, signal);
    if (unable) return { ok: false, problem: unable };
    const live = this.live(canary);
    const current = live?.spec ? routeWeights(canary, live.spec) : undefined;
    const weights: Routes = current && !('error' in current) ? current : { primary: 100, canary: 0, mirrored: false };
    return this.write(canary, live, weights, recordedCookies(canary), signal);
  }

  /** The weights of the route, or why they cannot be trusted (a parent that has not accepted it). */
  routes(canary: Canary): Routes | { readonly error: string } {
    const live = this.live(canary);
    if (!live) return { error: `HTTPRoute ${this.describe(canary)} not found` };
    const notReady = parentNotReady(live);
    if (notReady) return { error: `HTTPRoute ${this.describe(canary)} parent ${notReady}` };
    return routeWeights(canary, live.spec);
  }

  /** Sets the weights; with session affinity, returns the cookies the status must record this tick. */
  async setRoutes(canary: Canary, routes: Routes, signal?: AbortSignal): Promise<RouteStatus | void> {
    const cookies = affinityStatus(canary, routes.canary);
    const result = await this.write(canary, this.live(canary), routes, cookies, signal);
    if (!result.ok)
      throw new Error(
        `HTTPRoute ${this.describe(canary)} update error: ${result.problem.message} while setting weights`,
      );
    return cookies;
  }

  /** Nothing to undo: the route goes with the Canary through its ownerReference (as in Flagger). */
  finalize(): Promise<void> {
    return Promise.resolve();
  }

  private async write(
    canary: Canary,
    live: HttpRoute | undefined,
    routes: Routes,
    cookies: AffinityStatus | undefined,
    signal?: AbortSignal,
  ): Promise<Result<void>> {
    const spec = desiredRouteSpec(canary, routes, this.dialect, cookies);
    if (!spec.ok) return spec;
    const labels = canary.spec.service?.apex?.labels ?? {};
    const annotations = { ...(canary.spec.service?.apex?.annotations ?? {}), ...TOOLKIT_ANNOTATIONS };
    const meta = live?.metadata;
    const same =
      live &&
      covers(comparable(canary, live.spec), comparable(canary, spec.value)) &&
      Object.entries(labels).every(([k, v]) => meta?.labels?.[k] === v) &&
      Object.entries(annotations).every(([k, v]) => meta?.annotations?.[k] === v);
    if (same) return OK;
    const { namespace } = canaryId(canary);
    const next: HttpRoute = {
      apiVersion: this.dialect.apiVersion,
      kind: 'HTTPRoute',
      metadata: live
        ? {
            ...live.metadata,
            labels: { ...meta?.labels, ...labels },
            annotations: { ...meta?.annotations, ...annotations },
          }
        : {
            name: serviceNames(canary).apex,
            namespace,
            labels,
            annotations,
            ownerReferences: [canaryOwnerReference(canary)],
          },
      spec: spec.value,
    };
    try {
      await (live
        ? this.deps.cluster.update(next, withSignal(signal))
        : this.deps.cluster.create(next, withSignal(signal)));
      return OK;
    } catch (err) {
      if (!live && isKubeError(err, KubeErrorReason.AlreadyExists)) return OK; // the cache lags our own write
      return writeProblem(
        err,
        `HTTPRoute ${this.describe(canary)} ${live ? 'update' : 'create'} error`,
        'check spec.service (gatewayRefs, hosts, match, headers, rewrite, mirror, corsPolicy, timeout) and analysis.match',
      );
    }
  }

  private live(canary: Canary): HttpRoute | undefined {
    const { namespace } = canaryId(canary);
    const ref = { apiVersion: this.dialect.apiVersion, kind: 'HTTPRoute', namespace, name: serviceNames(canary).apex };
    return this.deps.cluster.get<HttpRoute>(ref);
  }

  private describe(canary: Canary): string {
    return `${serviceNames(canary).apex}.${canaryId(canary).namespace}`;
  }
}

/** The cookies the status records (none generated): what a reconcile outside a weight change writes. */
function recordedCookies(canary: Canary): AffinityStatus | undefined {
  if (!canary.spec.analysis?.sessionAffinity) return undefined;
  const status = canary.status ?? {};
  const cookies: AffinityStatus = {};
  for (const key of [
    'sessionAffinityCookie',
    'primarySessionAffinityCookie',
    'previousSessionAffinityCookie',
  ] as const) {
    const value = status[key];
    if (value) cookies[key] = value;
  }
  return cookies;
}

/**
 * A route spec as compared for a rewrite: with session affinity, the sticky rules and the cookie
 * filters of backends left out (they follow the status' cookies and change only with the weights).
 */
function comparable(canary: Canary, spec: HttpRouteSpec | undefined): HttpRouteSpec | undefined {
  if (!spec || !canary.spec.analysis?.sessionAffinity) return spec;
  const rules = spec.rules
    .filter((rule) => !isStickyRule(rule))
    .map((rule) => ({
      ...rule,
      backendRefs: ((rule.backendRefs ?? []) as Record<string, unknown>[]).map(({ filters: _f, ...b }) => b),
    }));
  return { ...spec, rules };
}

/**
 * A parent that has not accepted the current generation of the route, described, or undefined.
 * A route no controller has reported on yet (no status) is not an error, as in Flagger.
 */
function parentNotReady(route: HttpRoute): string | undefined {
  const generation = route.metadata.generation ?? 0;
  for (const ref of route.spec?.parentRefs ?? []) {
    const parent = route.status?.parents?.find((p) => p.parentRef?.name === ref.name && sameOptional(p.parentRef, ref));
    if (!parent) continue;
    const accepted = parent.conditions?.find((c) => c.type === 'Accepted');
    const observed = accepted?.observedGeneration ?? 0;
    if (accepted?.status !== 'True' || observed < generation) {
      return `${String(ref.name)} is not ready (status: ${accepted?.status ?? 'Unknown'}, observed generation: ${observed}, current generation: ${generation})`;
    }
  }
  return undefined;
}

function sameOptional(a: Record<string, unknown> | undefined, b: Record<string, unknown>): boolean {
  return ['namespace', 'sectionName', 'port'].every((k) => b[k] === undefined || a?.[k] === b[k]);
}

/** The Gateways (or other parents) of `service.gatewayRefs`, in the Canary's namespace by default. */
function gatewayParents(canary: Canary): ObjectRef[] {
  const { namespace } = canaryId(canary);
  return (canary.spec.service?.gatewayRefs ?? []).map((ref) => ({
    apiVersion: ref.group === '' ? 'v1' : `${ref.group ?? 'gateway.networking.k8s.io'}/v1`,
    kind: ref.kind ?? 'Gateway',
    namespace: ref.namespace ?? namespace,
    name: ref.name,
  }));
}

const matchesV1beta1 = (p: string) => p.startsWith(MeshProvider.GatewayApiV1beta1);

/** Gateway API v1 HTTPRoutes in the provider registry (any `gatewayapi…` name but `gatewayapi:v1beta1…`). */
export const GATEWAY_API_PROVIDER: ProviderPlugin = Object.freeze({
  name: MeshProvider.GatewayApiV1,
  matches: (p: string) => p.startsWith('gatewayapi') && !matchesV1beta1(p),
  capabilities: { weights: true, headerMatch: true, mirroring: true, sessionAffinity: true },
  routesBeforePrimary: false,
  builtinSeries: BuiltinSeries.Http,
  api: 'Gateway API gateway.networking.k8s.io/v1',
  kinds: [HTTP_ROUTE_V1],
  parents: gatewayParents,
  createRouter: (deps: { readonly cluster: Cluster }) =>
    new GatewayApiRouter(deps, {
      apiVersion: HTTP_ROUTE_V1.apiVersion,
      timeouts: true,
      cors: true,
      primaryCookies: true,
    }),
});

/** Gateway API v1beta1 HTTPRoutes: the same routes without timeouts, CORS and primary cookies (Flagger §6.4). */
export const GATEWAY_API_V1BETA1_PROVIDER: ProviderPlugin = Object.freeze({
  ...GATEWAY_API_PROVIDER,
  name: MeshProvider.GatewayApiV1beta1,
  matches: matchesV1beta1,
  api: 'Gateway API gateway.networking.k8s.io/v1beta1',
  kinds: [HTTP_ROUTE_V1BETA1],
  createRouter: (deps: { readonly cluster: Cluster }) =>
    new GatewayApiRouter(deps, {
      apiVersion: HTTP_ROUTE_V1BETA1.apiVersion,
      timeouts: false,
      cors: false,
      primaryCookies: false,
    }),
});
